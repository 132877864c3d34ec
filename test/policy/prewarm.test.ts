// Pre-warming from the warehouse's own seasonal history: the history module by hand-computed slots,
// then decide(): inert without history, fires one start-up and one poll before a recorded peak, holds those groups
// until the slot begins, and leaves a wrong forecast to the normal scale-down and suspend rules.
import { decide } from '../../src/policy/decide';
import { forecast, record, SLOTS_PER_WEEK, slotLabel, type SeasonalHistory } from '../../src/policy/history';
import { groupName } from '../../src/policy/names';
import type { Action, Observation } from '../../src/policy/types';
import { add, counters, expectDecision, g, obs, ready, rm, run, spec, state } from './support';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Monday 2024-01-08 00:00 UTC. */
const MONDAY = Date.UTC(2024, 0, 8);
/** An add that pre-warming made (the action says so, for the simulator's figures and the workflow's record). */
const warmAdd = (index: number): Action => ({ type: 'add', group: groupName(index), index, why: 'prewarm' });
const at = (o: Observation, atMs: number): Observation => (o.kind === 'known' ? { ...o, atMs } : o);

/** History where the slot starting at `peakAtMs` − 1 day needed `groups`, the other slots of that day 1; last slot recorded: 20:45 the day before. */
function dayBefore(peakAtMs: number, groups: number): SeasonalHistory {
  let h: SeasonalHistory | undefined;
  for (let t = peakAtMs - DAY - 12 * HOUR; t < peakAtMs - 12 * HOUR; t += 15 * MIN)
    h = record(h, t, t === peakAtMs - DAY ? groups : 1);
  return h!;
}

describe('seasonal history: 672 slots of 15 minutes, Monday 00:00 UTC first', () => {
  test('a record sets its slot; a higher load in the same slot raises it, a lower one returns the same object', () => {
    const h1 = record(undefined, MONDAY + 9 * HOUR + 5 * MIN, 2);
    expect(h1.peaks).toHaveLength(SLOTS_PER_WEEK);
    expect(h1.peaks[36]).toBe(2);
    expect(h1.peaks.filter((p) => p !== -1)).toEqual([2]);
    expect(record(h1, MONDAY + 9 * HOUR + 14 * MIN, 1)).toBe(h1);
    const h2 = record(h1, MONDAY + 9 * HOUR + 14 * MIN, 5);
    expect(h2.peaks[36]).toBe(5);
    expect(h1.peaks[36]).toBe(2);
  });

  test('the next slot starts from its own load; a stopped workflow clears the slots it did not see', () => {
    const h1 = record(undefined, MONDAY, 3);
    const h2 = record(h1, MONDAY + HOUR, 1);
    expect(h2.peaks.slice(0, 5)).toEqual([3, -1, -1, -1, 1]);
  });

  test('two weeks of ticks keep exactly 672 numbers', () => {
    let h: SeasonalHistory | undefined;
    for (let t = MONDAY; t < MONDAY + 14 * DAY; t += 20_000) h = record(h, t, Math.floor(t / HOUR) % 7);
    expect(h!.peaks).toHaveLength(SLOTS_PER_WEEK);
    expect(JSON.stringify(h).length).toBeLessThan(3000);
  });

  test.each([
    { name: 'no history', h: undefined, atMs: MONDAY + 9 * HOUR, expected: undefined },
    {
      name: "the current slot is the load's, not history's",
      h: dayBefore(MONDAY + 9 * HOUR, 4),
      atMs: MONDAY + 9 * HOUR - 12 * HOUR - 1,
      expected: undefined,
    },
    {
      name: 'yesterday only (first week)',
      h: record(dayBefore(MONDAY + 9 * HOUR, 4), MONDAY + 8 * HOUR + 59 * MIN, 1),
      atMs: MONDAY + 9 * HOUR,
      expected: { groups: 4, atMs: MONDAY + 9 * HOUR },
    },
    {
      name: 'yesterday idle: no forecast',
      h: record(dayBefore(MONDAY + 9 * HOUR, 0), MONDAY + 8 * HOUR + 59 * MIN, 1),
      atMs: MONDAY + 9 * HOUR,
      expected: undefined,
    },
  ])('forecast: $name', ({ h, atMs, expected }) => {
    expect(forecast(h, atMs)).toEqual(expected);
  });

  test('a week recorded: the smaller of yesterday and last week (a weekday burst is not forecast for Saturday)', () => {
    const friday9 = MONDAY + 4 * DAY + 9 * HOUR;
    let h: SeasonalHistory | undefined;
    // Saturday a week ago (1 group at 09:00) … Saturday 08:59, with Friday 09:00 needing 6.
    for (let t = friday9 + DAY - 7 * DAY; t < friday9 + DAY - MIN; t += 5 * MIN)
      h = record(h, t, t === friday9 ? 6 : 1);
    expect(forecast(h, friday9 + DAY)).toEqual({ groups: 1, atMs: friday9 + DAY });
  });

  test('slot label', () => {
    expect(slotLabel(MONDAY + 9 * HOUR)).toBe('09:00 on Monday');
    expect(slotLabel(MONDAY + DAY + 13 * HOUR + 45 * MIN)).toBe('13:45 on Tuesday');
  });
});

// The slot-peak history is the release-3 rules' (release 4 records slot openings: openings.test.ts).
describe('decide(): pre-warming (aggressive: startup observed 3 ticks, poll 20 s → 80 s ahead), release 3', () => {
  const aggressive = spec({ mode: 'aggressive', groups: [0, 4] });
  const nine = MONDAY + 9 * HOUR;
  /** Up to 08:57 recorded at 1 group; yesterday 09:00 needed 3. */
  const history = record(dayBefore(nine, 3), nine - 3 * MIN, 1);
  const warm = state({ current: 1, history, startupTicks: 3, rules: 'release-3' });
  const idle1 = obs({ groups: ready(0) });

  test('without a timestamp or without history: the same decision as before pre-warming existed', () => {
    for (const [from, o] of [
      [state({ current: 1 }), obs({ queued: 3, groups: ready(0) })],
      [state({ current: 3, counters: { down: 3 } }), obs({ groups: ready(0, 1, 2) })],
      [state({ current: 1, counters: { suspend: 15 } }), idle1],
      [state({ current: 0 }), obs({ queued: 1, groups: [] })],
    ] as const) {
      const plain = decide(aggressive, from, o);
      const stamped = decide(aggressive, from, at(o, nine));
      expect(stamped.actions).toEqual(plain.actions);
      expect(stamped.reasons).toEqual(plain.reasons);
    }
  });

  test('81 s before the slot: nothing; 80 s before: adds the 2 groups history says 09:00 needs', () => {
    expectDecision(decide(aggressive, warm, at(idle1, nine - 81_000)), { actions: [], absent: ['Pre-warming'] });
    expectDecision(decide(aggressive, warm, at(idle1, nine - 80_000)), {
      actions: [warmAdd(1), warmAdd(2)],
      lines: [
        'Pre-warming: history shows 3 groups needed at 09:00 on Monday; adding 2 executor groups.',
        'Adding new executor group: impala-executor-001',
        'Adding new executor group: impala-executor-002',
        'There is a scale up pending, targetExecutorGroups=3',
      ],
      target: 3,
      state: 'ScalingUp',
    });
  });

  test('no observed start-up yet: no pre-warming (how far ahead is unknown)', () => {
    const d = decide(aggressive, { ...warm, startupTicks: undefined }, at(idle1, nine - 80_000));
    expect(d.actions).toEqual([]);
  });

  test('the start-up is learnt from the groups that become ready', () => {
    const ds = run(aggressive, state({ current: 1, tick: 10 }), [
      obs({ queued: 20, groups: ready(0) }),
      obs({ queued: 20, groups: [g(0), g(1, { ready: false }), g(2, { ready: false })] }),
      obs({ queued: 20, groups: [g(0), g(1, { ready: false }), g(2, { ready: false })] }),
      obs({ queued: 20, groups: ready(0, 1, 2) }),
    ]);
    expect(ds[0].actions).toEqual([add(1), add(2)]);
    expect(ds[2].state.startupTicks).toBeUndefined();
    expect(ds[3].state.startupTicks).toBe(3);
  });

  test('pre-warmed groups are held until the slot begins, then a wrong forecast goes by the normal rules', () => {
    const three = obs({ groups: ready(0, 1, 2) });
    const from = { ...warm, current: 3 };
    const ds = run(aggressive, from, [
      at(three, nine - 20_000),
      at(three, nine),
      at(three, nine + 20_000),
      at(three, nine + 40_000),
      at(three, nine + 60_000),
    ]);
    expectDecision(ds[0], {
      actions: [],
      lines: ['needsScaleDown is false as history shows 3 groups needed at 09:00 on Monday.'],
      counters: counters(),
    });
    expect(ds.slice(1, 4).map((d) => d.state.counters.down)).toEqual([1, 2, 3]);
    // Aggressive's 60 s served: the surplus goes (min groups 0: down to the floor, 1).
    expect(ds[4].actions).toEqual([rm(2, 'scale-down'), rm(1, 'scale-down')]);
  });

  test('a suspended warehouse is resumed ahead of a recurring burst; the suspend timeout is held in the window', () => {
    const suspended = decide(aggressive, { ...warm, current: 0 }, at(obs({ groups: [] }), nine - 80_000));
    expect(suspended.actions).toEqual([warmAdd(0), warmAdd(1), warmAdd(2)]);
    expect(suspended.reasons).toContain(
      'Pre-warming: history shows 3 groups needed at 09:00 on Monday; adding 3 executor groups.',
    );
    const lone = decide(
      aggressive,
      { ...warm, history: record(dayBefore(nine, 1), nine - 3 * MIN, 1), counters: counters({ suspend: 15 }) },
      at(idle1, nine - 20_000),
    );
    expectDecision(lone, {
      actions: [],
      lines: ['needsSuspend is false as history shows 1 groups needed at 09:00 on Monday.'],
      counters: counters(),
    });
  });

  test.each([
    { name: 'conservative does not pre-warm', sp: spec({ mode: 'conservative', groups: [0, 4] }), from: warm },
    { name: 'paused', sp: aggressive, from: { ...warm, paused: true } },
    { name: 'suspended by the operator', sp: aggressive, from: { ...warm, current: 0, operatorSuspended: true } },
  ])('$name: no pre-warming', ({ sp, from }) => {
    const d = decide(sp, from, at(from.current ? idle1 : obs({ groups: [] }), nine - 80_000));
    expect(d.actions).toEqual([]);
    expect(d.reasons.join('\n')).not.toContain('Pre-warming');
  });

  test('the forecast is capped at the maximum', () => {
    const d = decide(
      spec({ mode: 'aggressive', groups: [0, 2] }),
      { ...warm, history: record(dayBefore(nine, 9), nine - 3 * MIN, 1) },
      at(idle1, nine - 80_000),
    );
    expect(d.actions).toEqual([warmAdd(1)]);
    expect(d.reasons).toContain(
      'Pre-warming: history shows 2 groups needed at 09:00 on Monday; adding 1 executor groups.',
    );
  });

  test('the history records the load (running by slots and memory, plus the queue), not the groups that exist', () => {
    const d = decide(
      aggressive,
      state({ current: 4, rules: 'release-3' }),
      at(obs({ running: 13, queued: 1, groups: [g(0, { running: 12 }), g(1, { running: 1 }), g(2), g(3)] }), nine),
    );
    expect(d.state.history!.peaks[36]).toBe(3);
  });
});
