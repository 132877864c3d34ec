// The minimum is restored unless the warehouse is suspended (which the state remembers); an operator suspend in dry run
// changes nothing and never claims Suspended; new groups skip names held by StatefulSets that are not this
// warehouse's. The old rules decide as before.
import { decide } from '../../src/policy/decide';
import { add, checkRow, counters, g, obs, ready, rm, run, spec, state, type Row } from './support';

describe('the minimum is restored unless the warehouse is suspended', () => {
  const rows: Row[] = [
    {
      name: 'every group deleted by hand (auto-suspend off): the minimum comes back at once, no query needed',
      spec: spec({ groups: [2, 4], autoSuspend: { enabled: false } }),
      from: state({ current: 2 }),
      obs: obs({ groups: [] }),
      actions: [add(0), add(1)],
      lines: [
        'needsScaleUp is true as current executor groups 0 is below the minimum 2.',
        'Adding new executor group: impala-executor-000',
        'Adding new executor group: impala-executor-001',
        'There is a scale up pending, targetExecutorGroups=2',
      ],
      absent: ['suspended'],
      target: 2,
    },
    {
      name: 'the old rules took zero groups for a suspended warehouse',
      spec: spec({ groups: [2, 4], autoSuspend: { enabled: false } }),
      from: state({ current: 2, rules: 'release-2' }),
      obs: obs({ groups: [] }),
      actions: [],
      lines: ['Warehouse is suspended: 0 executor groups, no queries queued.'],
      state: 'Suspended',
    },
    {
      name: 'one of two deleted by hand: one added',
      spec: spec({ groups: [2, 4] }),
      from: state({ current: 2 }),
      obs: obs({ groups: [g(0), g(1, { deleting: true })] }),
      actions: [add(2)],
      lines: ['needsScaleUp is true as current executor groups 1 is below the minimum 2.'],
    },
    {
      name: 'a first run with no group at all (a failed create): the minimum is created',
      spec: spec({ groups: [1, 4] }),
      from: state(),
      obs: obs({ groups: [] }),
      actions: [add(0)],
    },
    {
      name: 'suspended by the auto-suspend rule: waits for a query',
      spec: spec({ groups: [2, 4] }),
      from: state({ current: 0, state: 'Suspended', autoSuspended: true }),
      obs: obs({ groups: [] }),
      actions: [],
      lines: ['Warehouse is suspended: 0 executor groups, no queries queued.'],
      state: 'Suspended',
    },
    {
      name: 'suspended by the auto-suspend rule, a query queued: resumed',
      spec: spec({ groups: [2, 4] }),
      from: state({ current: 0, state: 'Suspended', autoSuspended: true }),
      obs: obs({ queued: 1, groups: [] }),
      actions: [add(0), add(1)],
      lines: ['Resuming warehouse as there are 1 queries queued.'],
    },
    {
      name: 'a run continued from the earlier release while suspended (no autoSuspended yet): still suspended',
      spec: spec({ groups: [2, 4] }),
      from: state({ current: 0, state: 'Suspended' }),
      obs: obs({ groups: [] }),
      actions: [],
      state: 'Suspended',
    },
    {
      name: 'suspended by the operator: stays at zero',
      spec: spec({ groups: [2, 4] }),
      from: state({ current: 0, state: 'Suspended', operatorSuspended: true }),
      obs: obs({ groups: [] }),
      actions: [],
      lines: ['Warehouse is suspended by the operator; 0 queries queued wait for resume.'],
    },
    {
      name: 'suspended by the operator with groups a removal left behind: they are removed',
      spec: spec({ groups: [2, 4] }),
      from: state({ current: 2, state: 'Suspended', operatorSuspended: true }),
      obs: obs({ groups: [g(0), g(3)] }),
      actions: [rm(0, 'suspend'), rm(3, 'suspend')],
      lines: [
        'Warehouse is suspended by the operator; 0 queries queued wait for resume.',
        'Suspend is not finished: 2 executor groups remain; removing them.',
        'Removing executor group: impala-executor-000',
      ],
      state: 'Suspended',
    },
    {
      name: 'the old rules left them',
      spec: spec({ groups: [2, 4] }),
      from: state({ current: 2, state: 'Suspended', operatorSuspended: true, rules: 'release-2' }),
      obs: obs({ groups: [g(0), g(3)] }),
      actions: [],
      state: 'Suspended',
    },
    {
      name: 'minimum 0: zero groups waits for a query',
      spec: spec({ groups: [0, 4] }),
      from: state({ current: 1 }),
      obs: obs({ groups: [] }),
      actions: [],
      lines: ['Warehouse is suspended: 0 executor groups, no queries queued.'],
    },
  ];
  test.each(rows)('$name', (row) => void checkRow(row));

  test('the auto-suspend rule records that it suspended; a resume forgets it', () => {
    const sp = spec({ groups: [1, 4] });
    const [suspending, after, resumed, next] = run(sp, state({ current: 1, counters: { suspend: 15 } }), [
      obs({ groups: ready(0) }),
      obs({ groups: [g(0, { deleting: true })] }),
      obs({ queued: 1, groups: [] }),
      obs({ queued: 1, groups: [g(0, { ready: false })] }),
    ]);
    expect(suspending!.actions).toEqual([rm(0, 'suspend')]);
    expect(suspending!.state.autoSuspended).toBe(true);
    expect(after!.state).toMatchObject({ state: 'Suspended', autoSuspended: true });
    expect(resumed!.actions).toEqual([add(0)]);
    expect(resumed!.state.autoSuspended).toBe(false);
    expect(next!.state.autoSuspended).toBeUndefined();
  });

  test('auto-suspend in dry run records nothing: zero groups later (deleted by hand) are restored', () => {
    const d = decide(
      spec({ dryRun: true }),
      state({ current: 1, counters: { suspend: 15 } }),
      obs({ groups: ready(0) }),
    );
    expect(d.state.autoSuspended).toBeUndefined();
  });
});

describe('dry run is dry all the way: an operator suspend', () => {
  const dry = spec({ dryRun: true });
  const rows: Row[] = [
    {
      name: 'records what it would do; the state stays Running, the operator flag unset',
      spec: dry,
      from: state({ current: 2, intent: 'suspend' }),
      obs: obs({ groups: ready(0, 1) }),
      actions: [],
      lines: [
        'Suspending warehouse: wh as the operator asked; removing 2 executor groups.',
        'Dry run: would remove executor group: impala-executor-000',
        'Dry run: would remove executor group: impala-executor-001',
      ],
      absent: ['Removing executor group'],
      target: 2,
      state: 'Running',
    },
    {
      name: 'the old rules claimed Suspended while the groups ran',
      spec: dry,
      from: state({ current: 2, intent: 'suspend', rules: 'release-2' }),
      obs: obs({ groups: ready(0, 1) }),
      actions: [],
      state: 'Suspended',
    },
  ];
  test.each(rows)('$name', (row) => {
    const d = checkRow(row);
    expect(d.state.intent).toBe('none');
  });

  test('the ticks after it decide on the groups that still run', () => {
    const [, next] = run(dry, state({ current: 2, intent: 'suspend' }), [
      obs({ groups: ready(0, 1) }),
      obs({ queued: 2, groups: ready(0, 1) }),
    ]);
    expect(next!.state).toMatchObject({ state: 'Running', operatorSuspended: false });
    expect(next!.reasons).toContain('needsScaleUp is true as there are 2 queries queued.');
    expect(next!.reasons.some((r) => r.includes('suspended by the operator'))).toBe(false);
  });
});

describe('new groups skip names held by StatefulSets that are not this warehouse’s (Observation.takenIndexes)', () => {
  test.each([
    { name: '001 held elsewhere → 002', taken: [1], expected: [add(2)], rules: undefined },
    { name: '001 and 002 held elsewhere → 003', taken: [1, 2], expected: [add(3)], rules: undefined },
    { name: 'the old rules ignore them', taken: [1], expected: [add(1)], rules: 'release-2' as const },
  ])('$name', ({ taken, expected, rules }) => {
    const d = decide(
      spec({ mode: 'aggressive' }),
      state({ current: 1, rules }),
      obs({ queued: 3, groups: ready(0), takenIndexes: taken }),
    );
    expect(d.actions).toEqual(expected);
  });

  test('two adds in one tick (a replacement and a scale-up) never pick the same name', () => {
    const d = decide(
      spec({ mode: 'aggressive' }),
      state({
        tick: 40,
        current: 1,
        target: 2,
        seenReady: [
          { name: 'impala-executor-000', tick: 40 },
          { name: 'impala-executor-001', tick: 10 },
        ],
      }),
      obs({ queued: 3, running: 1, groups: [g(0), g(1, { ready: false, running: 1 })], takenIndexes: [2] }),
    );
    expect(d.actions.map((a) => a.group)).toEqual(['impala-executor-003', 'impala-executor-004']);
    expect(d.state.counters).toEqual(counters());
  });
});
