// The tick's observe and reconcile steps, counters, and the operator controls (docs/design.md, "The tick"): reconcile, unknown load, pause, operator suspend/resume,
// dry-run, counters that reset when their condition breaks, group names.
import { decide } from '../../src/policy/decide';
import {
  add,
  checkRow,
  counters,
  firstActionTick,
  g,
  GiB,
  obs,
  ready,
  rm,
  run,
  spec,
  state,
  unknown,
  type Row,
} from './support';

const unknownLines = (down: number, suspend: number) => [
  'Load for Group Set: root.default is unknown: GET /admission?json timed out after 5000 ms',
  `needsScaleDown/needsSuspend is false as the load is unknown; counters held (scale-down ${down}, suspend ${suspend}).`,
];

describe('reconcile: current = groups ready now; target = groups that exist and are not being deleted', () => {
  const rows: Row[] = [
    {
      name: 'a group became ready: 1 → 2',
      spec: spec(),
      from: state({ current: 1, target: 2 }),
      obs: obs({ groups: ready(0, 1) }),
      actions: [],
      lines: [
        'Group Set: root.default Load: numQueriesQueued 0, numQueriesRunning 0',
        'Processing Group Set: root.default',
        'CurrentExecutorGroups updated from 1 to 2',
      ],
      current: 2,
      target: 2,
    },
    {
      name: 'unchanged: no update line',
      spec: spec(),
      from: state({ current: 2 }),
      obs: obs({ groups: ready(0, 1) }),
      actions: [],
      absent: ['CurrentExecutorGroups updated'],
      current: 2,
      target: 2,
    },
    {
      name: 'a group being deleted no longer counts: 2 → 1',
      spec: spec(),
      from: state({ current: 2 }),
      obs: obs({ groups: [g(0), g(1, { deleting: true })] }),
      actions: [],
      lines: ['CurrentExecutorGroups updated from 2 to 1'],
      current: 1,
      target: 1,
    },
    {
      name: 'a group created outside the autoscaler is adopted',
      spec: spec(),
      from: state({ current: 1 }),
      obs: obs({ groups: ready(0, 5) }),
      actions: [],
      lines: ['CurrentExecutorGroups updated from 1 to 2'],
      current: 2,
      target: 2,
    },
    {
      name: 'level-triggered: a believed target of 3 with only 000 existing becomes target 1, nothing pending',
      spec: spec(),
      from: state({
        current: 1,
        target: 3,
        pending: [
          { name: 'impala-executor-001', sinceTick: 0 },
          { name: 'impala-executor-002', sinceTick: 0 },
        ],
      }),
      obs: obs({ groups: ready(0) }),
      actions: [],
      absent: ['scaling in progress'],
      current: 1,
      target: 1,
    },
    {
      name: 'the load lines name the group set and the numbers; warnings are said',
      spec: spec({ groupSet: 'root.etl' }),
      from: state({ current: 1 }),
      obs: obs({ queued: 3, running: 1, groups: ready(0), warnings: ['coordinator-1 unreachable'] }),
      actions: [],
      lines: [
        'Group Set: root.etl Load: numQueriesQueued 3, numQueriesRunning 1',
        'Processing Group Set: root.etl',
        'Warning: coordinator-1 unreachable',
      ],
    },
  ];
  test.each(rows)('$name', (row) => void checkRow(row));

  test('the pending list keeps the tick a group was created at', () => {
    const d = decide(
      spec(),
      state({ tick: 7, current: 1, target: 2, pending: [{ name: 'impala-executor-001', sinceTick: 3 }] }),
      obs({ groups: [g(0), g(1, { ready: false }), g(2, { ready: false })] }),
    );
    expect(d.state.pending).toEqual([
      { name: 'impala-executor-001', sinceTick: 3 },
      { name: 'impala-executor-002', sinceTick: 8 },
    ]);
  });
});

describe('unknown load during each counter: nothing changes, no action', () => {
  const stuck = [g(0), g(1, { ready: false })];
  const rows: Row[] = [
    {
      name: 'during the up counter (due next tick)',
      spec: spec(),
      from: state({ current: 1, counters: { up: 1 } }),
      obs: unknown(),
      actions: [],
      lines: unknownLines(0, 0),
      absent: ['Group Set: root.default Load', 'Adding'],
      counters: counters({ up: 1 }),
      current: 1,
      target: 1,
      state: 'LoadUnknown',
    },
    {
      name: 'during the down counter, with the delay served',
      spec: spec(),
      from: state({ current: 3, counters: { down: 30 } }),
      obs: unknown('no pool root.default in /admission?json', ready(0, 1, 2)),
      actions: [],
      lines: [
        'Load for Group Set: root.default is unknown: no pool root.default in /admission?json',
        'needsScaleDown/needsSuspend is false as the load is unknown; counters held (scale-down 30, suspend 0).',
      ],
      absent: ['Removing'],
      counters: counters({ down: 30 }),
      current: 3,
      target: 3,
      state: 'LoadUnknown',
    },
    {
      name: 'during the suspend counter, with the timeout reached',
      spec: spec(),
      from: state({ current: 1, counters: { suspend: 15 } }),
      obs: unknown(),
      actions: [],
      lines: unknownLines(0, 15),
      absent: ['Suspending', 'Removing'],
      counters: counters({ suspend: 15 }),
      current: 1,
      target: 1,
    },
    {
      name: 'during the InScaleUp counter, at the timeout: no rollback',
      spec: spec(),
      from: state({
        current: 1,
        target: 2,
        pending: [{ name: 'impala-executor-001', sinceTick: 0 }],
        counters: { inScaleUp: 45 },
      }),
      obs: unknown('malformed JSON', stuck),
      actions: [],
      lines: [
        'Load for Group Set: root.default is unknown: malformed JSON',
        'needsScaleDown/needsSuspend is false as the load is unknown; counters held (scale-down 0, suspend 0).',
      ],
      absent: ['has failed', 'Removing'],
      counters: counters({ inScaleUp: 45 }),
      current: 1,
      target: 2,
    },
    {
      name: 'groups listed differently: current and target are still not changed',
      spec: spec(),
      from: state({ current: 1 }),
      obs: unknown('timeout', ready(0, 1)),
      actions: [],
      absent: ['CurrentExecutorGroups updated'],
      current: 1,
      target: 1,
    },
    {
      name: 'while suspended: no resume',
      spec: spec({ groups: [0, 4] }),
      from: state({ current: 0, state: 'Suspended' }),
      obs: unknown(),
      actions: [],
      absent: ['Resuming'],
      target: 0,
    },
    {
      name: 'an operator suspend waits for a known load reading',
      spec: spec(),
      from: state({ current: 1, intent: 'suspend' }),
      obs: unknown(),
      actions: [],
      lines: ['Operator suspend waits for a known load reading.'],
      target: 1,
    },
  ];
  test.each(rows)('$name', (row) => {
    const d = checkRow(row);
    expect(d.state.pending).toEqual(row.from.pending);
    expect(d.state.intent).toBe(row.from.intent);
    expect(d.state.tick).toBe(row.from.tick + 1);
  });

  test.each([
    {
      counter: 'up',
      sp: spec(),
      from: state({ current: 1 }),
      known: obs({ queued: 3, groups: ready(0) }),
      action: add(1),
    },
    {
      counter: 'down',
      sp: spec({ mode: 'conservative', scaleDownDelaySeconds: 600 }),
      from: state({ current: 3, counters: { down: 29 } }),
      known: obs({ groups: ready(0, 1, 2) }),
      action: rm(2, 'scale-down'),
    },
    {
      counter: 'suspend',
      sp: spec(),
      from: state({ current: 1, counters: { suspend: 14 } }),
      known: obs({ groups: ready(0) }),
      action: rm(0, 'suspend'),
    },
  ])(
    'an unknown tick between two known ones neither advances nor resets the $counter counter',
    ({ sp, from, known, action }) => {
      const ds = run(sp, from, [known, unknown(), unknown(), known]);
      expect(ds.map((d) => d.actions)).toEqual([[], [], [], [action]]);
      expect(ds[2]!.state.counters).toEqual(ds[0]!.state.counters);
    },
  );

  test('the InScaleUp counter is held too: the rollback comes one known tick later per unknown tick', () => {
    const stuckObs = obs({ queued: 1, groups: stuck });
    const ds = run(spec(), state({ current: 1, target: 2, counters: { inScaleUp: 44 } }), [
      stuckObs,
      unknown(),
      stuckObs,
    ]);
    expect(ds.map((d) => d.actions)).toEqual([[], [], [rm(1, 'rollback')]]);
  });
});

describe('pause holds the current size whatever the load', () => {
  const pausedAt = (o: Parameters<typeof state>[0]) => state({ paused: true, ...o });
  const rows: Row[] = [
    {
      name: 'a queue with the up delay served: nothing added',
      spec: spec(),
      from: pausedAt({ current: 1, counters: { up: 1 } }),
      obs: obs({ queued: 3, running: 1, groups: ready(0) }),
      actions: [],
      lines: [
        'Group Set: root.default Load: numQueriesQueued 3, numQueriesRunning 1',
        'Scaling is paused by the operator; holding 1 executor groups, target 1.',
      ],
      absent: ['needsScaleUp'],
      counters: counters(),
      state: 'Paused',
    },
    {
      name: 'the scale-down delay served: nothing removed',
      spec: spec(),
      from: pausedAt({ current: 3, counters: { down: 30 } }),
      obs: obs({ groups: ready(0, 1, 2) }),
      actions: [],
      lines: ['Scaling is paused by the operator; holding 3 executor groups, target 3.'],
      counters: counters(),
      state: 'Paused',
    },
    {
      name: 'the suspend timeout reached: not suspended',
      spec: spec(),
      from: pausedAt({ current: 1, counters: { suspend: 15 } }),
      obs: obs({ groups: ready(0) }),
      actions: [],
      counters: counters(),
      state: 'Paused',
    },
    {
      name: 'above max: nothing removed',
      spec: spec({ groups: [1, 2] }),
      from: pausedAt({ current: 3 }),
      obs: obs({ groups: ready(0, 1, 2) }),
      actions: [],
      state: 'Paused',
    },
    {
      name: 'below min: nothing added',
      spec: spec({ groups: [3, 4] }),
      from: pausedAt({ current: 1 }),
      obs: obs({ groups: ready(0) }),
      actions: [],
      state: 'Paused',
    },
    {
      name: 'a scale-up past its timeout: no rollback',
      spec: spec(),
      from: pausedAt({ current: 1, target: 2, counters: { inScaleUp: 45 } }),
      obs: obs({ groups: [g(0), g(1, { ready: false })] }),
      actions: [],
      lines: ['Scaling is paused by the operator; holding 1 executor groups, target 2.'],
      state: 'Paused',
    },
    {
      name: 'suspended with a queue: no resume (holds 0 groups)',
      spec: spec({ groups: [0, 4] }),
      from: pausedAt({ current: 0 }),
      obs: obs({ queued: 2, groups: [] }),
      actions: [],
      lines: ['Scaling is paused by the operator; holding 0 executor groups, target 0.'],
      state: 'Paused',
    },
    {
      name: 'unpaused: the rules apply again, counters from 0',
      spec: spec(),
      from: state({ current: 1, paused: false }),
      obs: obs({ queued: 3, groups: ready(0) }),
      actions: [],
      lines: ['enoughConsecutive Up calls false as current 0 target 1'],
      counters: counters({ up: 1 }),
      state: 'Running',
    },
  ];
  test.each(rows)('$name', (row) => void checkRow(row));
});

describe('operator suspend and resume', () => {
  const rows: Row[] = [
    {
      name: 'suspend removes every group at once, whatever the queue',
      spec: spec(),
      from: state({ current: 2, intent: 'suspend', counters: { up: 1 } }),
      obs: obs({ queued: 2, running: 3, groups: [g(0, { running: 2 }), g(1, { running: 1 })] }),
      actions: [rm(0, 'suspend'), rm(1, 'suspend')],
      lines: [
        'Suspending warehouse: wh as the operator asked; removing 2 executor groups.',
        'Removing executor group: impala-executor-000',
        'Removing executor group: impala-executor-001',
      ],
      absent: ['needsScaleUp'],
      counters: counters(),
      target: 0,
      state: 'Suspended',
    },
    {
      name: 'suspend during a scale-up removes the not-ready group too',
      spec: spec(),
      from: state({ current: 1, target: 2, intent: 'suspend', counters: { inScaleUp: 3 } }),
      obs: obs({ queued: 1, groups: [g(0), g(1, { ready: false })] }),
      actions: [rm(0, 'suspend'), rm(1, 'suspend')],
      counters: counters(),
      target: 0,
      state: 'Suspended',
    },
    {
      name: 'suspend while paused: suspends',
      spec: spec(),
      from: state({ current: 1, intent: 'suspend', paused: true }),
      obs: obs({ groups: ready(0) }),
      actions: [rm(0, 'suspend')],
      state: 'Suspended',
    },
    {
      name: 'suspended by the operator: a queue does not resume it',
      spec: spec({ groups: [0, 4] }),
      from: state({ current: 0, operatorSuspended: true, state: 'Suspended' }),
      obs: obs({ queued: 3, groups: [] }),
      actions: [],
      lines: ['Warehouse is suspended by the operator; 3 queries queued wait for resume.'],
      absent: ['Resuming'],
      state: 'Suspended',
    },
    {
      name: 'resume with min 2: adds 2 groups at once',
      spec: spec({ groups: [2, 4] }),
      from: state({ current: 0, operatorSuspended: true, intent: 'resume', state: 'Suspended' }),
      obs: obs({ groups: [] }),
      actions: [add(0), add(1)],
      lines: [
        'Resuming warehouse as the operator asked.',
        'Adding new executor group: impala-executor-000',
        'Adding new executor group: impala-executor-001',
        'There is a scale up pending, targetExecutorGroups=2',
      ],
      target: 2,
      state: 'ScalingUp',
    },
    {
      name: 'resume with min 0: adds max(1, 0) = 1 group, skipping a name still deleting',
      spec: spec({ groups: [0, 4] }),
      from: state({ current: 0, operatorSuspended: true, intent: 'resume', state: 'Suspended' }),
      obs: obs({ groups: [g(0, { deleting: true })] }),
      actions: [add(1)],
      target: 1,
      state: 'ScalingUp',
    },
    {
      name: 'resume when not suspended: says so, then the normal rules run',
      spec: spec(),
      from: state({ current: 1, intent: 'resume', counters: { up: 1 } }),
      obs: obs({ queued: 3, groups: ready(0) }),
      actions: [add(1)],
      lines: [
        'Resume asked for, but the warehouse is not suspended (1 executor groups).',
        'Adding new executor group: impala-executor-001',
      ],
      target: 2,
    },
  ];
  test.each(rows)('$name', (row) => {
    const d = checkRow(row);
    expect(d.state.intent).toBe('none');
    if (row.from.intent === 'suspend') expect(d.state.operatorSuspended).toBe(true);
    if (row.from.intent === 'resume') expect(d.state.operatorSuspended).toBe(false);
  });
});

describe('dry-run: decide and record, change nothing (no actions, "Dry run: would …", target unchanged)', () => {
  const dry = (o: Parameters<typeof spec>[0] = {}) => spec({ dryRun: true, ...o });
  const rows: Row[] = [
    {
      name: 'scale up',
      spec: dry(),
      from: state({ current: 1, counters: { up: 1 } }),
      obs: obs({ queued: 3, running: 1, groups: ready(0) }),
      actions: [],
      lines: [
        'needsScaleUp is true as there are 3 queries queued.',
        'Impala autoscaler will attempt to add executor group.',
        'Dry run: would add new executor group: impala-executor-001',
      ],
      absent: ['Adding new executor group', 'There is a scale up pending'],
      counters: counters(),
      target: 1,
      state: 'Running',
    },
    {
      name: 'aggressive scale up by memory: three distinct names',
      spec: dry({ mode: 'aggressive', groups: [1, 8] }),
      from: state({ current: 1 }),
      obs: obs({ queued: 3, groups: ready(0), queuedMem: [10 * GiB, 10 * GiB, 10 * GiB] }),
      actions: [],
      lines: [
        'Dry run: would add new executor group: impala-executor-001',
        'Dry run: would add new executor group: impala-executor-002',
        'Dry run: would add new executor group: impala-executor-003',
      ],
      target: 1,
    },
    {
      name: 'scale down',
      spec: dry(),
      from: state({ current: 3, counters: { down: 30 } }),
      obs: obs({ groups: ready(0, 1, 2) }),
      actions: [],
      lines: [
        'Impala autoscaler will attempt to remove executor group.',
        'Dry run: would remove executor group: impala-executor-002',
      ],
      absent: ['Removing executor group', 'Scale down from'],
      target: 3,
      state: 'Running',
    },
    {
      name: 'suspend',
      spec: dry(),
      from: state({ current: 1, counters: { suspend: 15 } }),
      obs: obs({ groups: ready(0) }),
      actions: [],
      lines: [
        'Suspending warehouse: wh after 300s idle; removing 1 executor groups.',
        'Dry run: would remove executor group: impala-executor-000',
      ],
      absent: ['Removing executor group'],
      target: 1,
      state: 'Running',
    },
    {
      name: 'resume',
      spec: dry({ groups: [0, 4] }),
      from: state({ current: 0, state: 'Suspended' }),
      obs: obs({ queued: 1, groups: [] }),
      actions: [],
      lines: [
        'Resuming warehouse as there are 1 queries queued.',
        'Dry run: would add new executor group: impala-executor-000',
      ],
      absent: ['There is a scale up pending'],
      target: 0,
      state: 'Suspended',
    },
    {
      name: 'below min',
      spec: dry({ groups: [2, 4] }),
      from: state({ current: 1 }),
      obs: obs({ groups: ready(0) }),
      actions: [],
      lines: ['Dry run: would add new executor group: impala-executor-001'],
      target: 1,
    },
    {
      name: 'above max',
      spec: dry({ groups: [1, 2] }),
      from: state({ current: 3 }),
      obs: obs({ groups: ready(0, 1, 2) }),
      actions: [],
      lines: ['Dry run: would remove executor group: impala-executor-002'],
      target: 3,
      state: 'Running',
    },
    {
      name: 'rollback of a group that never became ready',
      spec: dry(),
      from: state({ current: 1, target: 2, counters: { inScaleUp: 45 } }),
      obs: obs({ groups: [g(0), g(1, { ready: false })] }),
      actions: [],
      lines: ['Dry run: would remove executor group: impala-executor-001'],
      target: 2,
    },
    {
      name: 'operator suspend',
      spec: dry(),
      from: state({ current: 2, intent: 'suspend' }),
      obs: obs({ groups: ready(0, 1) }),
      actions: [],
      lines: [
        'Dry run: would remove executor group: impala-executor-000',
        'Dry run: would remove executor group: impala-executor-001',
      ],
      target: 2,
    },
    {
      name: 'operator resume',
      spec: dry({ groups: [0, 4] }),
      from: state({ current: 0, operatorSuspended: true, intent: 'resume', state: 'Suspended' }),
      obs: obs({ groups: [] }),
      actions: [],
      lines: [
        'Resuming warehouse as the operator asked.',
        'Dry run: would add new executor group: impala-executor-000',
      ],
      absent: ['There is a scale up pending'],
      target: 0,
      state: 'Suspended',
    },
  ];
  test.each(rows)('$name', (row) => {
    const d = checkRow(row);
    expect(d.state.lastScaleUpFailure).toBeUndefined();
    // Nothing was created: the only pending groups are those that already existed and are not ready.
    const observed =
      row.obs.kind === 'known' ? row.obs.groups.filter((x) => !x.ready && !x.deleting).map((x) => x.name) : [];
    expect(d.state.pending.map((p) => p.name)).toEqual(observed);
  });
});

describe('every counter resets when its condition breaks', () => {
  const rows: Row[] = [
    {
      name: 'up: the queue is gone',
      spec: spec({ mode: 'conservative' }),
      from: state({ current: 2, counters: { up: 2 } }),
      obs: obs({ running: 20, groups: ready(0, 1) }),
      actions: [],
      counters: counters(),
    },
    {
      name: 'up: at max',
      spec: spec({ mode: 'conservative', groups: [1, 2] }),
      from: state({ current: 2, counters: { up: 2 } }),
      obs: obs({ queued: 1, groups: ready(0, 1) }),
      actions: [],
      counters: counters(),
    },
    {
      name: 'down: a query queued',
      spec: spec(),
      from: state({ current: 3, counters: { down: 10 } }),
      obs: obs({ queued: 1, running: 36, groups: ready(0, 1, 2) }),
      actions: [],
      counters: counters({ up: 1 }),
    },
    {
      name: 'down: one group fewer would not hold what runs',
      spec: spec(),
      from: state({ current: 2, counters: { down: 10 } }),
      obs: obs({ running: 13, groups: [g(0, { running: 12 }), g(1, { running: 1 })] }),
      actions: [],
      counters: counters(),
    },
    {
      name: 'down: back at the floor (a group went away)',
      spec: spec(),
      from: state({ current: 2, counters: { down: 10 } }),
      obs: obs({ running: 1, groups: [g(0, { running: 1 }), g(1, { deleting: true })] }),
      actions: [],
      counters: counters(),
    },
    {
      name: 'suspend: a query runs',
      spec: spec(),
      from: state({ current: 1, counters: { suspend: 10 } }),
      obs: obs({ running: 1, groups: [g(0, { running: 1 })] }),
      actions: [],
      counters: counters(),
    },
    {
      name: 'suspend: a group was added (above the floor)',
      spec: spec(),
      from: state({ current: 1, counters: { suspend: 10 } }),
      obs: obs({ groups: ready(0, 1) }),
      actions: [],
      counters: counters({ down: 1 }),
    },
    {
      name: 'inScaleUp: the scale-up completed',
      spec: spec(),
      from: state({ current: 1, target: 2, counters: { inScaleUp: 10 } }),
      obs: obs({ running: 1, groups: [g(0, { running: 1 }), g(1)] }),
      actions: [],
      counters: counters({ down: 1 }),
    },
  ];
  test.each(rows)('$name', (row) => void checkRow(row));

  test.each([
    { mode: 'balanced' as const, queue: [1, 0, 1, 1], firstAdd: 3 },
    { mode: 'conservative' as const, queue: [1, 1, 1, 0, 1, 1, 1, 1], firstAdd: 7 },
    { mode: 'conservative' as const, queue: [1, 1, 1, 1], firstAdd: 3 },
  ])(
    '$mode: a queue interrupted by one empty tick starts the delay again ($queue → add at $firstAdd)',
    ({ mode, queue, firstAdd }) => {
      const ds = run(
        spec({ mode }),
        state({ current: 1 }),
        queue.map((q) => obs({ queued: q, groups: ready(0) })),
      );
      expect(firstActionTick(ds)).toBe(firstAdd);
    },
  );
});

describe('group names: the lowest NNN not held by any group, even one being deleted', () => {
  test.each([
    { name: '001 deleting → 002', groups: [g(0), g(1, { deleting: true })], want: 1, expected: [add(2)] },
    { name: 'gap at 001 is free → 001, then 003', groups: [g(0), g(2)], want: 2, expected: [add(1), add(3)] },
    { name: '000 gone, 001 present → 000', groups: [g(1)], want: 1, expected: [add(0)] },
    {
      name: '000 and 001 deleting, 002 present → 003, 004',
      groups: [g(0, { deleting: true }), g(1, { deleting: true }), g(2)],
      want: 2,
      expected: [add(3), add(4)],
    },
  ])('$name', ({ groups, want, expected }) => {
    const live = groups.filter((x) => !x.deleting).length;
    const d = decide(
      spec({ mode: 'aggressive', groups: [1, 8] }),
      state({ current: live }),
      obs({ queued: 12 * want, groups }),
    );
    expect(d.actions).toEqual(expected);
  });
});
