// Budgets (src/policy/budgets.ts): executor-hours counted per period in the policy state, each threshold said once
// when reached (notify), scale-up above the minimum blocked, the warehouse held suspended until the period ends; a new
// period starts at zero. Periods here are an hour long ({ seconds: 3600 }), the budget 1 executor-hour: one XSMALL
// group (2 executors) uses it in 30 minutes.
import type { BudgetUse, PolicyState } from '../../src/policy/types';
import { add, checkRow, counters, g, obs, ready, rm, runWith, spec, state, type Row } from './support';

const sp = spec({ groups: [1, 4], budgets: [{ period: { seconds: 3600 }, executorHours: 1 }] });
const LABEL = 'budget per 3600s';

/** The count as the last tick left it: `usedSeconds` executor-seconds by `atMs`, `executors` running since. */
function used(usedSeconds: number, atMs: number, executors = 2, reached = 0): BudgetUse {
  return {
    atMs,
    executors,
    periods: [{ period: LABEL, startMs: 0, endMs: 3600_000, usedSeconds, limitSeconds: 3600, reached }],
  };
}
const withBudget = (b: BudgetUse, o: Parameters<typeof state>[0] = {}): PolicyState => state({ budget: b, ...o });

describe('thresholds (default: notify 75 %, block scale-up 90 %, suspend 100 %)', () => {
  const rows: Row[] = [
    {
      name: 'crossing 75 % says so once, and nothing else changes',
      spec: sp,
      from: withBudget(used(2680, 1_000_000), { current: 1 }),
      obs: obs({ groups: ready(0), atMs: 1_020_000 }),
      actions: [],
      lines: [
        'Budget per 3600s has reached 75% (0.756 of 1 executor-hours used since 1970-01-01T00:00Z): notify.',
        'needsSuspend is true as there are no queries running or queued.',
      ],
      absent: ['Adding', 'Removing'],
    },
    {
      name: 'past 90 %, a queue adds no group above the minimum',
      spec: sp,
      from: withBudget(used(3300, 1_000_000, 2, 75), { current: 1, counters: { up: 1 } }),
      obs: obs({ queued: 20, groups: ready(0), atMs: 1_020_000 }),
      actions: [],
      lines: [
        'Budget per 3600s has reached 90% (0.928 of 1 executor-hours used since 1970-01-01T00:00Z): no scale-up above the minimum until 1970-01-01T01:00Z.',
        'needsScaleUp is true as there are 20 queries queued, but budget per 3600s (0.928 of 1 executor-hours used, 92%) blocks scale-up above the minimum 1 until 1970-01-01T01:00Z; holding 1 executor groups.',
      ],
      absent: ['Adding'],
      counters: counters(),
    },
    {
      name: 'past 90 %, the minimum is still restored',
      spec: spec({ groups: [2, 4], budgets: [{ period: { seconds: 3600 }, executorHours: 1 }] }),
      from: withBudget(used(3300, 1_000_000, 2, 90), { current: 1 }),
      obs: obs({ groups: ready(0), atMs: 1_020_000 }),
      actions: [add(1)],
      rule: 'min',
    },
    {
      name: 'at 100 %, every idle group is removed and the warehouse held suspended until the period ends',
      spec: sp,
      from: withBudget(used(3580, 1_000_000, 4, 90), { current: 2 }),
      obs: obs({ groups: ready(0, 1), atMs: 1_020_000 }),
      actions: [rm(0, 'suspend'), rm(1, 'suspend')],
      rule: 'suspend',
      lines: [
        'Budget per 3600s has reached 100% (1.02 of 1 executor-hours used since 1970-01-01T00:00Z): the warehouse is held suspended until 1970-01-01T01:00Z.',
        'Suspending warehouse: wh as budget per 3600s (1.02 of 1 executor-hours used, 101%) holds it suspended until 1970-01-01T01:00Z; removing 2 executor groups.',
      ],
      state: 'Suspended',
    },
    {
      name: 'used up, a queued query does not resume it',
      spec: sp,
      from: withBudget(used(3700, 1_000_000, 0, 100), { state: 'Suspended', autoSuspended: true }),
      obs: obs({ queued: 1, groups: [], atMs: 1_020_000 }),
      actions: [],
      lines: [
        'needsScaleUp is true as there are 1 queries queued, but budget per 3600s (1.03 of 1 executor-hours used, 102%) holds the warehouse suspended until 1970-01-01T01:00Z; the warehouse stays suspended.',
      ],
      absent: ['has reached'],
      state: 'Suspended',
    },
    {
      name: 'the next period starts at zero: the queued query resumes it',
      spec: sp,
      from: withBudget(used(3700, 3_590_000, 0, 100), { state: 'Suspended', autoSuspended: true }),
      obs: obs({ queued: 1, groups: [], atMs: 3_610_000 }),
      actions: [add(0)],
      rule: 'resume',
      lines: [
        'Budget per 3600s: a new period began at 1970-01-01T01:00Z (1.03 of 1 executor-hours were used in the last).',
        'Resuming warehouse as there are 1 queries queued.',
      ],
    },
    {
      name: 'a run of release 4 counts nothing and keeps its decision',
      spec: sp,
      from: withBudget(used(3700, 1_000_000, 2, 100), { current: 1, rules: 'release-4', counters: { up: 1 } }),
      obs: obs({ queued: 20, groups: ready(0), atMs: 1_020_000 }),
      actions: [add(1), add(2)],
      rule: 'scale-up',
      absent: ['budget', 'Budget'],
    },
  ];
  test.each(rows)('$name', (row) => void checkRow(row));
});

test('executor-seconds are counted from the groups that ran since the last tick, those added included', () => {
  const ds = runWith(sp, state(), 4, (s, i) =>
    obs({ groups: Array.from({ length: s.target }, (_, k) => g(k)), atMs: i * 20_000 }),
  );
  // Tick 1 adds the minimum group: nothing ran before it; from then on 2 executors × 20 s a tick.
  expect(ds.map((d) => d.state.budget?.periods[0].usedSeconds)).toEqual([0, 40, 80, 120]);
  expect(ds.map((d) => d.state.budget?.executors)).toEqual([2, 2, 2, 2]);
});

test('a warehouse with one group reaches each threshold at its tick, then the next period starts afresh', () => {
  // One group from the start, a tick every 20 s: 40 executor-seconds a tick, 3600 the hour's budget. A long query
  // runs until the suspend's removal has been decided (it drains at once here); one waits from the next hour on.
  const ds = runWith(sp, state({ current: 1 }), 185, (s, i) => {
    const running = s.target > 0 && i <= 85 ? 1 : 0;
    return obs({
      queued: i >= 180 ? 1 : 0,
      running,
      groups: Array.from({ length: s.target }, (_, k) => g(k, { running })),
      atMs: i * 20_000,
    });
  });
  const said = (text: string) => ds.findIndex((d) => d.reasons.some((r) => r.includes(text)));
  const notify = said('has reached 75%');
  const block = said('has reached 90%');
  const suspend = said('has reached 100%');
  const fresh = said('a new period began at 1970-01-01T01:00Z');
  // 2700, 3240 and 3600 executor-seconds.
  expect([notify, block, suspend]).toEqual([68, 81, 90]);
  expect(ds[suspend].actions).toEqual([rm(0, 'suspend')]);
  // Held suspended through the rest of the hour, the waiting query included.
  expect(ds.slice(suspend + 1, 180).every((d) => d.actions.length === 0)).toBe(true);
  expect(fresh).toBe(180);
  expect(ds[fresh].state.budget?.periods[0].usedSeconds).toBe(0);
  expect(ds[fresh].actions).toEqual([add(0)]);
});
