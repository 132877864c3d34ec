// The warehouse's own seasonal history, for pre-warming: the most groups its load needed in each 15-minute slot of
// the week (672 numbers, carried in PolicyState through continue-as-new). A slot's forecast is what the same slot
// needed yesterday and a week ago — the smaller of the two once a week has been recorded, so that a weekday's burst
// is not forecast for the weekend after it, and a burst that stops recurring stops being forecast after one day.
// Pure: time comes in as the tick's timestamp (workflow time, or the simulator's clock), never from a clock.

export const SLOT_SECONDS = 900;
const SLOT_MS = SLOT_SECONDS * 1000;
const SLOTS_PER_DAY = 86400 / SLOT_SECONDS;
export const SLOTS_PER_WEEK = 7 * SLOTS_PER_DAY;
/** Slot 0 of the ring is Monday 00:00 UTC; the epoch (1970-01-01) was a Thursday. */
const EPOCH_WEEK_OFFSET = 3 * SLOTS_PER_DAY;
/** Not recorded (before recording started, or while no known observation came). */
const NONE = -1;
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export interface SeasonalHistory {
  /** Absolute slot (`floor(epoch ms / slot)`) of the last record: tells a slot written this week from an older one. */
  slot: number;
  /** Peak groups needed per slot of the week (Monday 00:00 UTC first); -1: not recorded. */
  peaks: number[];
}

export interface Forecast {
  groups: number;
  /** Start of the forecast slot, epoch ms. */
  atMs: number;
}

const absSlot = (atMs: number) => Math.floor(atMs / SLOT_MS);
const ringIndex = (abs: number) => (((abs + EPOCH_WEEK_OFFSET) % SLOTS_PER_WEEK) + SLOTS_PER_WEEK) % SLOTS_PER_WEEK;

/**
 * Records that the load needed `groups` at `atMs`. Returns `h` itself when nothing changes (the array is copied only
 * when written: decide() is pure and its input state is shared). Slots skipped since the last record (the workflow
 * was stopped) are cleared, so a forecast never comes from a week that was not seen.
 */
export function record(h: SeasonalHistory | undefined, atMs: number, groups: number): SeasonalHistory {
  const abs = absSlot(atMs);
  if (h && abs === h.slot) {
    const i = ringIndex(abs);
    if (groups <= h.peaks[i]) return h;
    const peaks = [...h.peaks];
    peaks[i] = groups;
    return { slot: abs, peaks };
  }
  const peaks = h && abs > h.slot ? [...h.peaks] : new Array<number>(SLOTS_PER_WEEK).fill(NONE);
  if (h && abs > h.slot)
    for (let s = h.slot + 1; s < abs && s - h.slot <= SLOTS_PER_WEEK; s++) peaks[ringIndex(s)] = NONE;
  peaks[ringIndex(abs)] = groups;
  return { slot: abs, peaks };
}

/**
 * What history says the slot holding `atMs` will need, when that slot starts after the last recorded one (the
 * current slot is governed by the load itself); undefined without a record of the same slot yesterday.
 */
export function forecast(h: SeasonalHistory | undefined, atMs: number): Forecast | undefined {
  if (!h) return undefined;
  const abs = absSlot(atMs);
  if (abs <= h.slot || abs - h.slot > SLOTS_PER_DAY) return undefined;
  const yesterday = h.peaks[ringIndex(abs - SLOTS_PER_DAY)];
  if (yesterday === NONE) return undefined;
  // The ring holds each slot's last record: for a slot after `h.slot`, that is the same slot a week ago.
  const lastWeek = h.peaks[ringIndex(abs)];
  const groups = lastWeek === NONE ? yesterday : Math.min(yesterday, lastWeek);
  return groups > 0 ? { groups, atMs: abs * SLOT_MS } : undefined;
}

/**
 * What the slot holding `atMs` will need when the need recurred: the smaller of yesterday's and a week ago's once a
 * week is recorded (a weekday's need is not forecast for the weekend after it, nor a holiday's absence for the next
 * week), and until then the smaller of yesterday's and the day before's — one day's need alone (a lone query, one
 * spike) is not forecast. Undefined when the slot is not after the last recorded one, or either day is not recorded.
 */
export function forecastRecurring(h: SeasonalHistory | undefined, atMs: number): Forecast | undefined {
  if (!h) return undefined;
  const abs = absSlot(atMs);
  if (abs <= h.slot || abs - h.slot > SLOTS_PER_DAY) return undefined;
  const yesterday = h.peaks[ringIndex(abs - SLOTS_PER_DAY)];
  const lastWeek = h.peaks[ringIndex(abs)];
  const before = lastWeek === NONE ? h.peaks[ringIndex(abs - 2 * SLOTS_PER_DAY)] : lastWeek;
  if (yesterday === NONE || before === NONE) return undefined;
  const groups = Math.min(yesterday, before);
  return groups > 0 ? { groups, atMs: abs * SLOT_MS } : undefined;
}

/** Where `atMs` falls in its slot, ms from the slot's start. */
export function intoSlotMs(atMs: number): number {
  return atMs - absSlot(atMs) * SLOT_MS;
}

/** `09:00 on Monday` (UTC), for the log. */
export function slotLabel(atMs: number): string {
  const d = new Date(atMs);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${hh}:${mm} on ${WEEKDAYS[d.getUTCDay()]}`;
}
