// One-way freezes (src/policy/freeze.ts): a scale-in freeze holds every rule that removes groups for capacity, a
// scale-out freeze every rule that adds them, each saying so in the rule's own line; the other direction, the repairs
// and the operator's suspend and resume go on as without a freeze.
import { decide } from '../../src/policy/decide';
import { record, type SeasonalHistory } from '../../src/policy/history';
import { groupName } from '../../src/policy/names';
import type { Observation, PolicyState } from '../../src/policy/types';
import { add, checkRow, counters, g, obs, ready, rm, spec, state, type Row } from './support';

const IN = { scaleIn: true, scaleOut: false };
const OUT = { scaleIn: false, scaleOut: true };
const frozen = (f: PolicyState['frozen'], o: Parameters<typeof state>[0]) => state({ frozen: f, ...o });

describe('a scale-out freeze holds every rule that adds groups', () => {
  const rows: Row[] = [
    {
      name: 'a queue past the scale-up delay adds nothing; the up counter restarts',
      spec: spec(),
      from: frozen(OUT, { current: 1, counters: { up: 1 } }),
      obs: obs({ queued: 3, groups: ready(0) }),
      actions: [],
      lines: [
        'needsScaleDown/needsSuspend is false as there are 3 queries queued.',
        'needsScaleUp is true as there are 3 queries queued, but scale-out is frozen by the operator; holding 1 executor groups.',
      ],
      absent: ['Adding new executor group', 'enoughConsecutive Up'],
      counters: counters(),
      state: 'Running',
    },
    {
      name: 'a queued query does not resume a suspended warehouse',
      spec: spec({ groups: [0, 4] }),
      from: frozen(OUT, { state: 'Suspended', autoSuspended: true }),
      obs: obs({ queued: 1, groups: [] }),
      actions: [],
      lines: [
        'needsScaleUp is true as there are 1 queries queued, but scale-out is frozen by the operator; the warehouse stays suspended.',
      ],
      absent: ['Resuming'],
      state: 'Suspended',
    },
    {
      name: 'below the minimum: the missing group is not added',
      spec: spec({ groups: [2, 4] }),
      from: frozen(OUT, { current: 1 }),
      obs: obs({ groups: ready(0) }),
      actions: [],
      lines: [
        'needsScaleUp is true as current executor groups 1 is below the minimum 2, but scale-out is frozen by the operator; holding 1 executor groups.',
      ],
    },
    {
      name: 'scale-in goes on: idle groups are removed after the delay',
      spec: spec(),
      from: frozen(OUT, { current: 2, counters: { down: 30 } }),
      obs: obs({ groups: ready(0, 1) }),
      actions: [rm(1, 'scale-down')],
      lines: ['Removing executor group: impala-executor-001'],
    },
    {
      name: 'a degraded group is still replaced (a repair, not a scale-out)',
      spec: spec({ degradedReplaceSeconds: 20 }),
      from: frozen(OUT, {
        tick: 10,
        current: 2,
        seenReady: [
          { name: groupName(0), tick: 10 },
          { name: groupName(1), tick: 8 },
        ],
      }),
      obs: obs({
        groups: [g(0), g(1, { ready: false, problem: 'pod impala-executor-001-0 is not ready: CrashLoopBackOff' })],
      }),
      actions: [{ ...add(2), why: 'replace' }, rm(1, 'replace')],
    },
  ];
  test.each(rows)('$name', (row) => void checkRow(row));
});

describe('a scale-in freeze holds every rule that removes groups for capacity', () => {
  const rows: Row[] = [
    {
      name: 'the scale-down delay served removes nothing; the down counter restarts',
      spec: spec(),
      from: frozen(IN, { current: 3, counters: { down: 30 } }),
      obs: obs({ groups: ready(0, 1, 2) }),
      actions: [],
      lines: [
        'needsScaleDown is true as there are no queries queued and 2 executor groups would hold 0 running queries, but scale-in is frozen by the operator; holding 3 executor groups.',
      ],
      absent: ['Removing executor group', 'enoughConsecutive Down'],
      counters: counters(),
      state: 'Running',
    },
    {
      name: 'the auto-suspend timeout served does not suspend',
      spec: spec(),
      from: frozen(IN, { current: 1, counters: { suspend: 15 } }),
      obs: obs({ groups: ready(0) }),
      actions: [],
      lines: [
        'needsSuspend is true as there are no queries running or queued, but scale-in is frozen by the operator; holding 1 executor groups.',
      ],
      absent: ['Suspending warehouse'],
      counters: counters(),
      state: 'Running',
    },
    {
      name: 'above the maximum (after a resize): the extra groups stay',
      spec: spec({ groups: [1, 2] }),
      from: frozen(IN, { current: 3 }),
      obs: obs({ groups: ready(0, 1, 2) }),
      actions: [],
      lines: [
        'needsScaleDown is true as there are 3 executor groups, above the maximum 2, but scale-in is frozen by the operator; holding 3 executor groups.',
      ],
    },
    {
      name: 'scale-out goes on: a queue adds groups',
      spec: spec({ scaleUpDelaySeconds: 0 }),
      from: frozen(IN, { current: 1 }),
      obs: obs({ queued: 12, groups: ready(0) }),
      actions: [add(1)],
      lines: ['needsScaleUp is true as there are 12 queries queued.', 'Adding new executor group: impala-executor-001'],
    },
    {
      name: 'a scale-up that never became ready is still rolled back (a repair, not a scale-in)',
      spec: spec(),
      from: frozen(IN, {
        current: 1,
        target: 2,
        counters: { inScaleUp: 45 },
        pending: [{ name: groupName(1), sinceTick: 0 }],
      }),
      obs: obs({ groups: [g(0), g(1, { ready: false })] }),
      actions: [rm(1, 'rollback')],
    },
    {
      name: "the operator's suspend is not held",
      spec: spec(),
      from: frozen(IN, { current: 2, intent: 'suspend' }),
      obs: obs({ groups: ready(0, 1) }),
      actions: [rm(0, 'suspend'), rm(1, 'suspend')],
      state: 'Suspended',
    },
  ];
  test.each(rows)('$name', (row) => void checkRow(row));
});

test('both frozen hold scale-up and scale-down alike; unfrozen (both false) decides as with no freeze', () => {
  const both = { scaleIn: true, scaleOut: true };
  const queue = obs({ queued: 3, groups: ready(0) });
  const surplus = obs({ groups: ready(0, 1, 2) });
  expect(decide(spec(), frozen(both, { current: 1, counters: { up: 1 } }), queue).actions).toEqual([]);
  expect(decide(spec(), frozen(both, { current: 3, counters: { down: 30 } }), surplus).actions).toEqual([]);
  for (const [from, o] of [
    [state({ current: 1, counters: { up: 1 } }), queue],
    [state({ current: 3, counters: { down: 30 } }), surplus],
  ] as const) {
    const plain = decide(spec(), from, o);
    const thawed = decide(spec(), { ...from, frozen: { scaleIn: false, scaleOut: false } }, o);
    expect(thawed.actions).toEqual(plain.actions);
    expect(thawed.reasons).toEqual(plain.reasons);
  }
});

test('pre-warming is held by a scale-out freeze and the tick goes on with the load that is there', () => {
  const MIN = 60_000;
  const nine = Date.UTC(2024, 0, 8, 9);
  let h: SeasonalHistory | undefined;
  for (let t = nine - 36 * 60 * MIN; t < nine - 12 * 60 * MIN; t += 15 * MIN)
    h = record(h, t, t === nine - 24 * 60 * MIN ? 3 : 1);
  const history = record(h, nine - 3 * MIN, 1);
  const o: Observation = { ...obs({ groups: ready(0) }), atMs: nine - 80_000 } as Observation;
  // Release 3's seasonal forecast, as test/policy/prewarm.test.ts sets it up; release 4's openings reach the same
  // prewarm() rule (decide.ts), where the freeze is checked.
  const from = frozen(OUT, { current: 1, history, startupTicks: 3, rules: 'release-3' });
  const d = decide(spec({ mode: 'aggressive' }), from, o);
  expect(d.actions).toEqual([]);
  expect(d.reasons).toContain(
    'Pre-warming: history shows 3 groups needed at 09:00 on Monday, but scale-out is frozen by the operator; holding 1 executor groups.',
  );
  // Unfrozen, the same tick pre-warms: the freeze is what held it.
  expect(decide(spec({ mode: 'aggressive' }), { ...from, frozen: undefined }, o).actions).toHaveLength(2);
});

test('a run started on an earlier release honours a freeze too: only the operator sets one', () => {
  const d = decide(
    spec(),
    frozen(OUT, { rules: 'release-3', current: 1, counters: { up: 1 } }),
    obs({ queued: 3, groups: ready(0) }),
  );
  expect(d.actions).toEqual([]);
  expect(d.reasons).toContain(
    'needsScaleUp is true as there are 3 queries queued, but scale-out is frozen by the operator; holding 1 executor groups.',
  );
});
