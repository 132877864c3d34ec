// Pre-warming from slot openings (src/policy/openings.ts, history.ts forecastRecurring), the release-4 rules: only
// the load within one start-up and a poll of a slot's start is recorded, and a forecast needs it to have recurred.
import { decide } from '../../src/policy/decide';
import { forecastRecurring, record, type SeasonalHistory } from '../../src/policy/history';
import { groupName } from '../../src/policy/names';
import type { Action, Observation } from '../../src/policy/types';
import { expectDecision, obs, ready, spec, state } from './support';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Monday 2024-01-08 00:00 UTC. */
const MONDAY = Date.UTC(2024, 0, 8);
const nine = MONDAY + 9 * HOUR;
const warmAdd = (index: number): Action => ({ type: 'add', group: groupName(index), index, why: 'prewarm' });
const at = (o: Observation, atMs: number): Observation => (o.kind === 'known' ? { ...o, atMs } : o);

/** Openings recorded every slot from `fromMs` to `toMs`: `needs(slotStartMs)` groups each. */
function openings(fromMs: number, toMs: number, needs: (slotMs: number) => number): SeasonalHistory {
  let h: SeasonalHistory | undefined;
  for (let t = fromMs; t < toMs; t += 15 * MIN) h = record(h, t, needs(t));
  return h!;
}
const nineOnly = (groups: number) => (t: number) => ((((t - MONDAY) % DAY) + DAY) % DAY === 9 * HOUR ? groups : 0);

describe('forecastRecurring: a need forecast only once it recurred', () => {
  test.each([
    {
      name: 'one day recorded (yesterday only): no forecast',
      h: openings(nine - DAY - 12 * HOUR, nine - HOUR, nineOnly(3)),
      expected: undefined,
    },
    {
      name: 'yesterday and the day before needed 3: 3',
      h: openings(nine - 2 * DAY - 12 * HOUR, nine - HOUR, nineOnly(3)),
      expected: { groups: 3, atMs: nine },
    },
    {
      name: 'yesterday 3, the day before 1: the smaller, 1',
      h: openings(nine - 2 * DAY - 12 * HOUR, nine - HOUR, (t) => (t === nine - 2 * DAY ? 1 : nineOnly(3)(t))),
      expected: { groups: 1, atMs: nine },
    },
    {
      name: 'a week recorded: last week decides with yesterday (last Monday needed 0: a holiday)',
      h: openings(nine - 7 * DAY, nine - HOUR, (t) => (t === nine - 7 * DAY ? 0 : nineOnly(3)(t))),
      expected: undefined,
    },
  ])('$name', ({ h, expected }) => {
    expect(forecastRecurring(h, nine)).toEqual(expected);
  });
});

describe('decide(): pre-warming from recurring openings (aggressive, start-up 3 ticks → 80 s ahead)', () => {
  const aggressive = spec({ mode: 'aggressive', groups: [0, 4] });
  const idle1 = obs({ groups: ready(0) });

  test('an opening need of two days running pre-warms one start-up and a poll ahead', () => {
    const from = state({
      current: 1,
      startupTicks: 3,
      openings: openings(nine - 2 * DAY - HOUR, nine - HOUR, nineOnly(3)),
    });
    expectDecision(decide(aggressive, from, at(idle1, nine - 80_000)), {
      actions: [warmAdd(1), warmAdd(2)],
      lines: ['Pre-warming: history shows 3 groups needed at 09:00 on Monday; adding 2 executor groups.'],
    });
  });

  test('a need seen one day only does not pre-warm', () => {
    const from = state({
      current: 1,
      startupTicks: 3,
      openings: openings(nine - DAY - HOUR, nine - HOUR, nineOnly(3)),
    });
    expectDecision(decide(aggressive, from, at(idle1, nine - 80_000)), { actions: [], absent: ['Pre-warming'] });
  });

  test('load within one start-up and a poll of the slot start is recorded; a lone query at 03:07 is not', () => {
    const three = MONDAY + 3 * HOUR;
    const busy = obs({ running: 1, groups: [{ ...ready(0)[0], runningQueries: 1 }] });
    const from = state({ current: 1, startupTicks: 3 });
    const opening = decide(aggressive, from, at(busy, three + 79_000)).state;
    expect(opening.openings!.peaks[12]).toBe(1);
    const later = decide(aggressive, from, at(busy, three + 7 * MIN)).state;
    expect(later.openings).toBeUndefined();
    expect(later.history).toBeUndefined();
  });

  test('release 3 keeps the slot peaks (a query at 03:07 counts) and no openings', () => {
    const three = MONDAY + 3 * HOUR;
    const busy = obs({ running: 1, groups: [{ ...ready(0)[0], runningQueries: 1 }] });
    const d = decide(aggressive, state({ current: 1, rules: 'release-3' }), at(busy, three + 7 * MIN));
    expect(d.state.history!.peaks[12]).toBe(1);
    expect(d.state.openings).toBeUndefined();
  });
});
