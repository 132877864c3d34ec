// Pre-warming from what a pre-warmed group can serve (release-4 rules). A group pre-warmed for a slot is ready at the
// slot's start and released by the normal rules one scale-down delay later if nothing uses it: only load present
// within one start-up and a poll of a slot's start can use it. The slot's momentary peak, which the earlier rules
// record (history.ts record), makes one query at 03:07 resume the warehouse at 03:00 the next day and a brief
// mid-slot spike pre-warm a group that idles. So each slot records the groups the load needed in its opening
// window, and a forecast needs that to have recurred (history.ts forecastRecurring).
import { breakEvenTicks } from './break-even';
import { groupsForLoad } from './capacity';
import { forecastRecurring, intoSlotMs, record } from './history';
import type { Tick } from './tick';
import type { Load } from './types';

/** Records this tick's need when it falls in its slot's opening window, and looks one start-up and a poll ahead. */
export function learnOpenings(t: Tick, load: Load, atMs: number): void {
  const { s, spec, limits } = t;
  const pollMs = spec.pollIntervalSeconds * 1000;
  if (intoSlotMs(atMs) < (breakEvenTicks(spec, s) + 1) * pollMs)
    s.openings = record(s.openings, atMs, Math.min(limits.maxGroups, groupsForLoad(spec, load, true)));
  if (!limits.prewarm || s.startupTicks === undefined) return;
  const ahead = forecastRecurring(s.openings, atMs + (s.startupTicks + 1) * pollMs);
  if (ahead) t.coming = { ...ahead, groups: Math.min(limits.maxGroups, ahead.groups) };
}
