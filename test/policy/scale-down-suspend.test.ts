// The tick's resume, scale-down and suspend rules (docs/design.md, "The tick"): resume from suspend, drain-safe scale-down, suspend after the AutoSuspend timeout.
import { add, checkRow, counters, g, GiB, obs, ready, rm, run, spec, state, type Row } from './support';

const downTrue = (fewer: number, running = 0) =>
  `needsScaleDown is true as there are no queries queued and ${fewer} executor groups would hold ${running} running queries.`;
const idle3 = obs({ groups: ready(0, 1, 2) });
/** The seed's scale-down: one idle group per 600 s delay (the first release's balanced, and conservative's rule). */
const oneAtATime = spec({ mode: 'conservative', scaleDownDelaySeconds: 600 });

describe('scale down: one group fewer holds the load (slots and memory) for the scale-down delay → remove the highest-numbered idle group', () => {
  const rows: Row[] = [
    {
      name: "one group per delay (the seed's rule; conservative with 600 s = 30 ticks): first tick counts",
      spec: oneAtATime,
      from: state({ current: 3 }),
      obs: idle3,
      actions: [],
      lines: [downTrue(2), 'enoughConsecutive Down calls false as current 0 target 30'],
      counters: counters({ down: 1 }),
      target: 3,
      state: 'Running',
    },
    {
      name: 'one group per delay: one tick before the delay waits',
      spec: oneAtATime,
      from: state({ current: 3, counters: { down: 29 } }),
      obs: idle3,
      actions: [],
      lines: ['enoughConsecutive Down calls false as current 29 target 30'],
      counters: counters({ down: 30 }),
    },
    {
      name: 'one group per delay: exactly at the delay removes 002',
      spec: oneAtATime,
      from: state({ current: 3, counters: { down: 30 } }),
      obs: idle3,
      actions: [rm(2, 'scale-down')],
      lines: [
        downTrue(2),
        'Impala autoscaler will attempt to remove executor group.',
        'Removing executor group: impala-executor-002',
        'Scale down from 3 to 2 Executor Groups.',
      ],
      absent: ['enoughConsecutive Down'],
      counters: counters(),
      current: 3,
      target: 2,
      state: 'ScalingDown',
    },
    {
      name: 'aggressive (60 s = 3 ticks): one tick before waits',
      spec: spec({ mode: 'aggressive' }),
      from: state({ current: 2, counters: { down: 2 } }),
      obs: obs({ groups: ready(0, 1) }),
      actions: [],
      lines: [downTrue(1), 'enoughConsecutive Down calls false as current 2 target 3'],
      counters: counters({ down: 3 }),
    },
    {
      name: 'aggressive: at 3 ticks removes 001',
      spec: spec({ mode: 'aggressive' }),
      from: state({ current: 2, counters: { down: 3 } }),
      obs: obs({ groups: ready(0, 1) }),
      actions: [rm(1, 'scale-down')],
      lines: ['Scale down from 2 to 1 Executor Groups.'],
      counters: counters(),
      target: 1,
    },
    {
      name: 'conservative (1200 s = 60 ticks): one tick before waits',
      spec: spec({ mode: 'conservative' }),
      from: state({ current: 3, counters: { down: 59 } }),
      obs: idle3,
      actions: [],
      lines: ['enoughConsecutive Down calls false as current 59 target 60'],
      counters: counters({ down: 60 }),
    },
    {
      name: 'conservative: at 60 ticks removes',
      spec: spec({ mode: 'conservative' }),
      from: state({ current: 3, counters: { down: 60 } }),
      obs: idle3,
      actions: [rm(2, 'scale-down')],
    },
    {
      name: 'scaleDownDelaySeconds 50 → ceil(50/20) = 3 ticks: counter 2 waits',
      spec: spec({ scaleDownDelaySeconds: 50 }),
      from: state({ current: 3, counters: { down: 2 } }),
      obs: idle3,
      actions: [],
      lines: ['enoughConsecutive Down calls false as current 2 target 3'],
      counters: counters({ down: 3 }),
    },
    {
      name: 'slots: 2 groups × 12 would not hold 25 running → false, counter resets',
      spec: oneAtATime,
      from: state({ current: 3, counters: { down: 10 } }),
      obs: obs({ running: 25, groups: [g(0, { running: 12 }), g(1, { running: 12 }), g(2, { running: 1 })] }),
      actions: [],
      lines: ['needsScaleDown is false as 2 executor groups would not hold 25 running queries.'],
      absent: ['enoughConsecutive Down'],
      counters: counters(),
    },
    {
      name: 'slots boundary: 2 groups × 12 hold exactly 24 running → true, counts',
      spec: oneAtATime,
      from: state({ current: 3, counters: { down: 10 } }),
      obs: obs({ running: 24, groups: [g(0, { running: 12 }), g(1, { running: 11 }), g(2, { running: 1 })] }),
      actions: [],
      lines: [downTrue(2, 24), 'enoughConsecutive Down calls false as current 10 target 30'],
      counters: counters({ down: 11 }),
    },
    {
      name: 'memory: 2 groups × 2 executors × 16 GiB = 64 GiB would not hold 64 GiB + 1 byte reserved → false, counter resets',
      spec: oneAtATime,
      from: state({ current: 3, counters: { down: 10 } }),
      obs: obs({
        running: 3,
        memReservedBytes: 64 * GiB + 1,
        groups: [g(0, { running: 1 }), g(1, { running: 1 }), g(2, { running: 1 })],
      }),
      actions: [],
      lines: [
        `needsScaleDown is false as 2 executor groups would not hold the ${64 * GiB + 1} bytes reserved by running queries.`,
      ],
      counters: counters(),
    },
    {
      name: 'memory boundary: exactly 64 GiB reserved fits 2 groups → true',
      spec: oneAtATime,
      from: state({ current: 3, counters: { down: 10 } }),
      obs: obs({
        running: 3,
        memReservedBytes: 64 * GiB,
        groups: [g(0, { running: 1 }), g(1, { running: 1 }), g(2, { running: 1 })],
      }),
      actions: [],
      lines: [downTrue(2, 3)],
      counters: counters({ down: 11 }),
    },
    {
      name: 'drain-safe: 002 is busy → removes 001, the highest-numbered idle group',
      spec: oneAtATime,
      from: state({ current: 3, counters: { down: 30 } }),
      obs: obs({ running: 1, groups: [g(0), g(1), g(2, { running: 1 })] }),
      actions: [rm(1, 'scale-down')],
      lines: ['Removing executor group: impala-executor-001', 'Scale down from 3 to 2 Executor Groups.'],
      counters: counters(),
      target: 2,
    },
    {
      name: 'drain-safe: every group busy → waits, the counter is kept (delay already served)',
      spec: oneAtATime,
      from: state({ current: 3, counters: { down: 30 } }),
      obs: obs({ running: 3, groups: [g(0, { running: 1 }), g(1, { running: 1 }), g(2, { running: 1 })] }),
      actions: [],
      lines: [
        downTrue(2, 3),
        'Every executor group has running queries; waiting for one to go idle before removing it.',
      ],
      counters: counters({ down: 30 }),
      target: 3,
      state: 'Running',
    },
    {
      name: 'at min (2 of min 2): no scale-down considered, suspend is',
      spec: spec({ groups: [2, 4] }),
      from: state({ current: 2, counters: { down: 5 } }),
      obs: obs({ groups: ready(0, 1) }),
      actions: [],
      absent: ['needsScaleDown is true'],
      lines: ['needsSuspend is true as there are no queries running or queued.'],
      counters: counters({ suspend: 1 }),
    },
    {
      name: 'min 0 at the last group: scale-down never goes to zero, suspend does',
      spec: spec({ groups: [0, 4] }),
      from: state({ current: 1 }),
      obs: obs({ groups: ready(0) }),
      actions: [],
      absent: ['needsScaleDown is true'],
      lines: ['enoughConsecutive Suspend calls false as current 0 target 15'],
      counters: counters({ suspend: 1 }),
    },
    {
      name: 'a queue resets the down counter',
      spec: oneAtATime,
      from: state({ current: 3, counters: { down: 29 } }),
      obs: obs({ queued: 1, running: 36, groups: ready(0, 1, 2) }),
      actions: [],
      absent: ['needsScaleDown is true'],
      counters: counters({ up: 1 }),
    },
  ];
  test.each(rows)('$name', (row) => void checkRow(row));

  test('all busy at the delay, then 002 goes idle: removed on that tick, no new delay', () => {
    const busy = obs({ running: 3, groups: [g(0, { running: 1 }), g(1, { running: 1 }), g(2, { running: 1 })] });
    const idle2 = obs({ running: 2, groups: [g(0, { running: 1 }), g(1, { running: 1 }), g(2)] });
    const [w1, w2, done] = run(oneAtATime, state({ current: 3, counters: { down: 30 } }), [busy, busy, idle2]);
    expect([w1!.actions, w2!.actions]).toEqual([[], []]);
    expect(w2!.state.counters.down).toBe(30);
    expect(done!.actions).toEqual([rm(2, 'scale-down')]);
  });

  test('the removed group drains: next tick counts it out and starts a new delay', () => {
    const removed = run(oneAtATime, state({ current: 3, counters: { down: 30 } }), [
      idle3,
      obs({ groups: [g(0), g(1), g(2, { deleting: true })] }),
    ]);
    expect(removed[1]!.reasons).toContain('CurrentExecutorGroups updated from 3 to 2');
    expect(removed[1]!.reasons).toContain('enoughConsecutive Down calls false as current 0 target 30');
    expect(removed[1]!.state).toMatchObject({ current: 2, target: 2, counters: counters({ down: 1 }) });
  });
});

describe('suspend: at the last group (or min), nothing running or queued, for the AutoSuspend timeout (300 s = 15 ticks)', () => {
  const idle1 = obs({ groups: ready(0) });
  const rows: Row[] = [
    {
      name: 'first idle tick counts',
      spec: spec(),
      from: state({ current: 1 }),
      obs: idle1,
      actions: [],
      lines: [
        'needsSuspend is true as there are no queries running or queued.',
        'enoughConsecutive Suspend calls false as current 0 target 15',
      ],
      counters: counters({ suspend: 1 }),
      state: 'Running',
    },
    {
      name: 'one tick before the timeout waits',
      spec: spec(),
      from: state({ current: 1, counters: { suspend: 14 } }),
      obs: idle1,
      actions: [],
      lines: ['enoughConsecutive Suspend calls false as current 14 target 15'],
      counters: counters({ suspend: 15 }),
    },
    {
      name: 'exactly at the timeout removes every group',
      spec: spec(),
      from: state({ current: 1, counters: { suspend: 15 } }),
      obs: idle1,
      actions: [rm(0, 'suspend')],
      lines: [
        'needsSuspend is true as there are no queries running or queued.',
        'Suspending warehouse: wh after 300s idle; removing 1 executor groups.',
        'Removing executor group: impala-executor-000',
      ],
      absent: ['enoughConsecutive Suspend'],
      counters: counters(),
      target: 0,
      state: 'Suspended',
    },
    {
      name: 'at min 2 groups: suspend removes both',
      spec: spec({ groups: [2, 4] }),
      from: state({ current: 2, counters: { suspend: 15 } }),
      obs: obs({ groups: ready(0, 1) }),
      actions: [rm(0, 'suspend'), rm(1, 'suspend')],
      lines: ['Suspending warehouse: wh after 300s idle; removing 2 executor groups.'],
      target: 0,
      state: 'Suspended',
    },
    {
      name: 'timeoutSeconds 60 → 3 ticks: one before waits',
      spec: spec({ autoSuspend: { enabled: true, timeoutSeconds: 60 } }),
      from: state({ current: 1, counters: { suspend: 2 } }),
      obs: idle1,
      actions: [],
      lines: ['enoughConsecutive Suspend calls false as current 2 target 3'],
      counters: counters({ suspend: 3 }),
    },
    {
      name: 'timeoutSeconds 60 → at 3 ticks suspends',
      spec: spec({ autoSuspend: { enabled: true, timeoutSeconds: 60 } }),
      from: state({ current: 1, counters: { suspend: 3 } }),
      obs: idle1,
      actions: [rm(0, 'suspend')],
      lines: ['Suspending warehouse: wh after 60s idle; removing 1 executor groups.'],
    },
    {
      name: 'timeoutSeconds 0 suspends on the first idle tick',
      spec: spec({ autoSuspend: { enabled: true, timeoutSeconds: 0 } }),
      from: state({ current: 1 }),
      obs: idle1,
      actions: [rm(0, 'suspend')],
    },
    {
      name: 'auto-suspend disabled: never, counter stays 0',
      spec: spec({ autoSuspend: { enabled: false, timeoutSeconds: 300 } }),
      from: state({ current: 1, counters: { suspend: 15 } }),
      obs: idle1,
      actions: [],
      lines: [
        'needsScaleDown/needsSuspend is false as executor groups are at the minimum 1 and auto-suspend is disabled.',
      ],
      absent: ['needsSuspend is true'],
      counters: counters(),
      target: 1,
      state: 'Running',
    },
    {
      name: 'a running query blocks it and resets the counter',
      spec: spec(),
      from: state({ current: 1, counters: { suspend: 14 } }),
      obs: obs({ running: 1, groups: [g(0, { running: 1 })] }),
      actions: [],
      lines: ['needsScaleDown/needsSuspend is false as there are 1 queries running on 1 executor groups (minimum 1).'],
      counters: counters(),
    },
    {
      name: 'a queued query blocks it and resets the counter',
      spec: spec(),
      from: state({ current: 1, counters: { suspend: 15 } }),
      obs: obs({ queued: 1, groups: ready(0) }),
      actions: [],
      lines: ['needsScaleDown/needsSuspend is false as there are 1 queries queued.'],
      absent: ['needsSuspend is true'],
      counters: counters({ up: 1 }),
    },
    {
      name: 'above the floor (2 groups, min 1): scale-down rules apply and the suspend counter resets',
      spec: spec(),
      from: state({ current: 2, counters: { suspend: 10 } }),
      obs: obs({ groups: ready(0, 1) }),
      actions: [],
      lines: [downTrue(1)],
      absent: ['needsSuspend is true'],
      counters: counters({ down: 1 }),
    },
  ];
  test.each(rows)('$name', (row) => void checkRow(row));
});

describe('resume: suspended (0 groups) and a query queued → add max(1, minGroups) groups at once', () => {
  const suspendedState = state({ current: 0, state: 'Suspended' });
  const rows: Row[] = [
    {
      name: 'min 0: one group, no delay',
      spec: spec({ groups: [0, 4] }),
      from: suspendedState,
      obs: obs({ queued: 1, groups: [] }),
      actions: [add(0)],
      lines: [
        'Resuming warehouse as there are 1 queries queued.',
        'Adding new executor group: impala-executor-000',
        'There is a scale up pending, targetExecutorGroups=1',
      ],
      absent: ['enoughConsecutive'],
      counters: counters(),
      current: 0,
      target: 1,
      state: 'ScalingUp',
    },
    {
      name: 'min 1: one group',
      spec: spec({ groups: [1, 4] }),
      from: suspendedState,
      obs: obs({ queued: 4, groups: [] }),
      actions: [add(0)],
      lines: ['Resuming warehouse as there are 4 queries queued.'],
      target: 1,
    },
    {
      name: 'min 2: two groups at once',
      spec: spec({ groups: [2, 4] }),
      from: suspendedState,
      obs: obs({ queued: 5, groups: [] }),
      actions: [add(0), add(1)],
      lines: [
        'Resuming warehouse as there are 5 queries queued.',
        'Adding new executor group: impala-executor-000',
        'Adding new executor group: impala-executor-001',
        'There is a scale up pending, targetExecutorGroups=2',
      ],
      target: 2,
    },
    {
      name: 'conservative: no scale-up delay on resume',
      spec: spec({ mode: 'conservative', groups: [0, 4] }),
      from: suspendedState,
      obs: obs({ queued: 1, groups: [] }),
      actions: [add(0)],
      absent: ['enoughConsecutive'],
    },
    {
      name: 'release 3, aggressive with 30 queued: resume adds max(1, minGroups) = 1; the queue is sized on later ticks',
      spec: spec({ mode: 'aggressive', groups: [0, 4] }),
      from: { ...suspendedState, rules: 'release-3' },
      obs: obs({ queued: 30, groups: [] }),
      actions: [add(0)],
      target: 1,
    },
    {
      name: 'groups of the suspend still deleting: their names are not reused',
      spec: spec({ groups: [0, 4] }),
      from: suspendedState,
      obs: obs({ queued: 1, groups: [g(0, { deleting: true }), g(1, { deleting: true, ready: false })] }),
      actions: [add(2)],
      lines: ['Adding new executor group: impala-executor-002'],
    },
    {
      name: 'no queue: stays suspended',
      spec: spec({ groups: [0, 4] }),
      from: state({ current: 0, state: 'Suspended', counters: { up: 1 } }),
      obs: obs({ groups: [] }),
      actions: [],
      lines: ['Warehouse is suspended: 0 executor groups, no queries queued.'],
      counters: counters(),
      target: 0,
      state: 'Suspended',
    },
    {
      name: 'no queue, min 2 but suspended: stays suspended (0 groups is the suspended state, not "below min")',
      spec: spec({ groups: [2, 4] }),
      from: state({ current: 0, state: 'Suspended' }),
      obs: obs({ groups: [] }),
      actions: [],
      lines: ['Warehouse is suspended: 0 executor groups, no queries queued.'],
      absent: ['below the minimum'],
      state: 'Suspended',
    },
  ];
  test.each(rows)('$name', (row) => void checkRow(row));

  test('suspend → idle while suspended → a query arrives → resume, with the reconcile lines', () => {
    const sp = spec({ groups: [0, 4] });
    const ds = run(sp, state({ current: 1, counters: { suspend: 15 } }), [
      obs({ groups: ready(0) }),
      obs({ groups: [g(0, { deleting: true })] }),
      obs({ groups: [] }),
      obs({ queued: 1, groups: [] }),
    ]);
    expect(ds.map((d) => d.actions)).toEqual([[rm(0, 'suspend')], [], [], [add(0)]]);
    expect(ds[1]!.reasons).toContain('CurrentExecutorGroups updated from 1 to 0');
    expect(ds[2]!.state.state).toBe('Suspended');
    expect(ds[3]!.state).toMatchObject({
      current: 0,
      target: 1,
      state: 'ScalingUp',
      pending: [{ name: 'impala-executor-000', sinceTick: 4 }],
    });
  });
});
