// Groups that are not capacity: a group that lost readiness is degraded, not a pending scale-up (never removed while it
// may run queries, replaced past degradedReplaceSeconds); a group Ready in Kubernetes but not healthy in Impala is not
// capacity; the pending rollback never removes a group that runs queries. Runs started before the current rules
// (`rules: 'release-2'`) keep deciding as they did.
import { decide } from '../../src/policy/decide';
import { add, addReplacement, checkRow, counters, g, obs, ready, rm, run, spec, state, type Row } from './support';

const CRASH = 'pod impala-executor-001-1 is not ready: CrashLoopBackOff';
const UNSCHEDULABLE =
  'pod impala-executor-001-0 is Pending: Unschedulable: 0/1 nodes are available: 1 Insufficient cpu.';
/** Groups 000 and 001 both last seen ready at tick `at`. */
const seen = (at: number, ...indices: number[]) =>
  (indices.length ? indices : [0, 1]).map((i) => ({ name: `impala-executor-00${i}`, tick: at }));
const crashed = (o: { running?: number; ready?: boolean } = {}) =>
  g(1, { ready: o.ready ?? false, running: o.running ?? 0, problem: CRASH });

describe('a group that loses readiness is degraded, not a pending scale-up', () => {
  const rows: Row[] = [
    {
      name: 'not capacity, not pending: a line quotes Kubernetes and says when it was last ready',
      spec: spec(),
      from: state({ tick: 10, current: 2, seenReady: seen(10) }),
      obs: obs({ running: 1, groups: [g(0), crashed({ running: 1 })] }),
      actions: [],
      lines: [
        'Executor group impala-executor-001 is degraded: pod impala-executor-001-1 is not ready: CrashLoopBackOff (was ready at tick 10); not counted as capacity.',
        'CurrentExecutorGroups updated from 2 to 1',
        'enoughConsecutive Degraded calls false for impala-executor-001 as current 0 target 15',
      ],
      absent: ['scaling in progress', 'Removing'],
      current: 1,
      target: 2,
      state: 'Running',
    },
    {
      name: 'without a reason from Kubernetes: "not Ready in Kubernetes"',
      spec: spec(),
      from: state({ tick: 10, current: 2, seenReady: seen(10) }),
      obs: obs({ groups: [g(0), g(1, { ready: false })] }),
      actions: [],
      lines: [
        'Executor group impala-executor-001 is degraded: not Ready in Kubernetes (was ready at tick 10); not counted as capacity.',
      ],
    },
    {
      name: 'blocks no scale-up: a queue adds a group at once (the old rules waited for scaleUpTimeoutSeconds)',
      spec: spec(),
      from: state({ tick: 10, current: 2, seenReady: seen(10), counters: { up: 1 } }),
      obs: obs({ queued: 3, running: 1, groups: [g(0), crashed({ running: 1 })] }),
      actions: [add(2)],
      lines: ['needsScaleUp is true as there are 3 queries queued.', 'Adding new executor group: impala-executor-002'],
      absent: ['scaling in progress'],
      target: 3,
    },
    {
      name: 'the old rules: a not-ready group is a pending scale-up that blocks the queue',
      spec: spec(),
      from: state({ tick: 10, current: 2, rules: 'release-2', counters: { up: 1 } }),
      obs: obs({ queued: 3, running: 1, groups: [g(0), crashed({ running: 1 })] }),
      actions: [],
      lines: ['needsScaleDown/needsSuspend is false as scaling in progress, current executor groups=1, target =2'],
      absent: ['degraded'],
    },
    {
      name: 'one tick before degradedReplaceSeconds (300 s = 15 ticks): still waits',
      spec: spec(),
      from: state({ tick: 24, current: 1, target: 2, seenReady: seen(10) }),
      obs: obs({ running: 1, groups: [g(0), crashed({ running: 1 })] }),
      actions: [],
      lines: ['enoughConsecutive Degraded calls false for impala-executor-001 as current 14 target 15'],
      absent: ['replacing'],
    },
    {
      name: 'past degradedReplaceSeconds and busy: a new group first; the degraded one is kept while it runs a query',
      spec: spec(),
      from: state({ tick: 25, current: 1, target: 2, seenReady: seen(10) }),
      obs: obs({ running: 1, groups: [g(0), crashed({ running: 1 })] }),
      actions: [addReplacement(2)],
      lines: [
        'Executor group impala-executor-001 has not been ready since tick 10 (degradedReplaceSeconds 300s); replacing it with impala-executor-002.',
        'Adding new executor group: impala-executor-002',
        'Degraded executor group impala-executor-001 runs 1 queries; removing it once idle (replaced by impala-executor-002).',
      ],
      absent: ['Removing executor group'],
      target: 3,
    },
    {
      name: 'past degradedReplaceSeconds and idle: replaced and removed on the same tick',
      spec: spec(),
      from: state({ tick: 25, current: 1, target: 2, seenReady: seen(10) }),
      obs: obs({ groups: [g(0), crashed()] }),
      actions: [addReplacement(2), rm(1, 'replace')],
      lines: [
        'Adding new executor group: impala-executor-002',
        'Degraded executor group impala-executor-001 runs no queries; removing it (replaced by impala-executor-002).',
        'Removing executor group: impala-executor-001',
      ],
      target: 2,
    },
    {
      name: 'replaced earlier, now idle: removed; its replacement is the pending scale-up',
      spec: spec(),
      from: state({
        tick: 30,
        current: 1,
        target: 2,
        seenReady: seen(10),
        replacing: [{ name: 'impala-executor-001', by: 'impala-executor-002' }],
        pending: [{ name: 'impala-executor-002', sinceTick: 26 }],
      }),
      obs: obs({ groups: [g(0), crashed(), g(2, { ready: false })] }),
      actions: [rm(1, 'replace')],
      lines: [
        'Degraded executor group impala-executor-001 runs no queries; removing it (replaced by impala-executor-002).',
        'Removing executor group: impala-executor-001',
        'needsScaleDown/needsSuspend is false as scaling in progress, current executor groups=1, target =2',
      ],
      current: 1,
      target: 2,
    },
    {
      name: 'replaced earlier and still busy: kept, and not counted against the bounds (no scale-down of a healthy group)',
      spec: spec({ groups: [1, 2] }),
      from: state({
        tick: 30,
        current: 2,
        target: 2,
        seenReady: seen(10),
        replacing: [{ name: 'impala-executor-001', by: 'impala-executor-002' }],
      }),
      obs: obs({ running: 1, groups: [g(0), crashed({ running: 1 }), g(2)] }),
      actions: [],
      lines: [
        'Degraded executor group impala-executor-001 runs 1 queries; removing it once idle (replaced by impala-executor-002).',
      ],
      absent: ['above the maximum', 'Removing'],
      current: 2,
      target: 2,
    },
    {
      name: 'dry run: says what it would add, changes nothing',
      spec: spec({ dryRun: true }),
      from: state({ tick: 25, current: 1, target: 2, seenReady: seen(10) }),
      obs: obs({ groups: [g(0), crashed()] }),
      actions: [],
      lines: [
        'Executor group impala-executor-001 has not been ready since tick 10 (degradedReplaceSeconds 300s); replacing it with impala-executor-002.',
        'Dry run: would add new executor group: impala-executor-002',
      ],
      target: 2,
    },
    {
      name: 'degradedReplaceSeconds 60 at poll 20: replaced after 3 ticks',
      spec: spec({ degradedReplaceSeconds: 60 }),
      from: state({ tick: 13, current: 1, target: 2, seenReady: seen(10) }),
      obs: obs({ groups: [g(0), crashed()] }),
      actions: [addReplacement(2), rm(1, 'replace')],
    },
  ];
  test.each(rows)('$name', (row) => void checkRow(row));

  test('the state keeps which groups were seen ready, and the replacement', () => {
    const d = decide(
      spec(),
      state({ tick: 25, current: 1, target: 2, seenReady: seen(10) }),
      obs({ running: 1, groups: [g(0), crashed({ running: 1 })] }),
    );
    expect(d.state.seenReady).toEqual([
      { name: 'impala-executor-000', tick: 26 },
      { name: 'impala-executor-001', tick: 10 },
    ]);
    expect(d.state.replacing).toEqual([{ name: 'impala-executor-001', by: 'impala-executor-002' }]);
    expect(d.state.pending).toEqual([{ name: 'impala-executor-002', sinceTick: 26 }]);
    expect(d.state.notCapacity).toEqual([{ name: 'impala-executor-001', why: `degraded since tick 11: ${CRASH}` }]);
  });

  test('an adopted group seen ready at any tick counts as seen ready; one never seen ready is pending', () => {
    const [first, second] = run(spec(), state(), [obs({ groups: ready(0, 1) }), obs({ groups: [g(0), crashed()] })]);
    expect(first!.state.seenReady).toEqual(seen(1));
    expect(second!.reasons).toContain(
      'Executor group impala-executor-001 is degraded: pod impala-executor-001-1 is not ready: CrashLoopBackOff (was ready at tick 1); not counted as capacity.',
    );
    const [never] = run(spec(), state(), [obs({ groups: [g(0), crashed()] })]);
    expect(never!.reasons).toContain(
      'needsScaleDown/needsSuspend is false as scaling in progress, current executor groups=1, target =2',
    );
  });

  test('a degraded group that becomes ready again is capacity again, and its replacement entry is dropped', () => {
    const d = decide(
      spec(),
      state({
        tick: 30,
        current: 1,
        target: 2,
        seenReady: seen(10),
        replacing: [{ name: 'impala-executor-001', by: 'impala-executor-002' }],
      }),
      obs({ groups: [g(0), g(1), g(2, { ready: false })] }),
    );
    expect(d.state.current).toBe(2);
    expect(d.state.replacing).toBeUndefined();
    expect(d.actions).toEqual([]);
  });

  test('never removed while it runs queries, however long it stays degraded; removed on the first idle tick after', () => {
    const busy = obs({ running: 1, groups: [g(0), crashed({ running: 1 }), g(2)] });
    const ds = run(spec(), state({ tick: 25, current: 1, target: 2, seenReady: seen(10) }), [
      obs({ running: 1, groups: [g(0), crashed({ running: 1 })] }),
      ...Array.from({ length: 60 }, () => busy),
      obs({ groups: [g(0), crashed(), g(2)] }),
    ]);
    expect(ds[0]!.actions).toEqual([addReplacement(2)]);
    const of001 = (i: number) => ds[i]!.actions.filter((a) => a.group === 'impala-executor-001');
    expect(ds.slice(1, 61).flatMap((_, i) => of001(i + 1))).toEqual([]);
    expect(of001(61)).toEqual([rm(1, 'replace')]);
  });

  test('a replaced group stays replaced when its replacement goes (scaled down as surplus): removed once idle, not replaced again', () => {
    const replaced = state({
      tick: 40,
      current: 2,
      target: 2,
      seenReady: seen(10),
      replacing: [{ name: 'impala-executor-001', by: 'impala-executor-002' }],
    });
    const busy = decide(
      spec(),
      replaced,
      obs({ running: 1, groups: [g(0), crashed({ running: 1 }), g(2, { deleting: true })] }),
    );
    expect(busy.actions).toEqual([]);
    expect(busy.state.replacing).toEqual(replaced.replacing);
    const idle = decide(spec(), busy.state, obs({ groups: [g(0), crashed()] }));
    expect(idle.actions).toEqual([rm(1, 'replace')]);
  });
});

describe('the pending rollback never removes a group that runs queries', () => {
  const pending = (o: Parameters<typeof state>[0] = {}) =>
    state({
      tick: 55,
      current: 1,
      target: 2,
      pending: [{ name: 'impala-executor-001', sinceTick: 9 }],
      counters: { inScaleUp: 45 },
      ...o,
    });
  const rows: Row[] = [
    {
      name: 'at the timeout with a query on it: the failure is recorded, the group kept until idle',
      spec: spec(),
      from: pending(),
      obs: obs({ running: 1, groups: [g(0), g(1, { ready: false, running: 1 })] }),
      actions: [],
      lines: [
        'Scale up from 1 to 2 Executor Groups has failed: impala-executor-001 not ready after 900s; removing the groups that never became ready.',
        'Executor group impala-executor-001 never became ready but runs 1 queries; removing it once idle.',
      ],
      counters: counters({ inScaleUp: 46 }),
    },
    {
      name: 'later, idle: removed, without recording the failure again',
      spec: spec(),
      from: pending({ counters: { inScaleUp: 46 } }),
      obs: obs({ groups: [g(0), g(1, { ready: false })] }),
      actions: [rm(1, 'rollback')],
      absent: ['has failed'],
      counters: counters(),
    },
    {
      name: 'the reason quotes Kubernetes (FailedScheduling), in the progress lines and in the failure',
      spec: spec(),
      from: pending(),
      obs: obs({ groups: [g(0), g(1, { ready: false, problem: UNSCHEDULABLE })] }),
      actions: [rm(1, 'rollback')],
      lines: [
        'Executor group impala-executor-001 is not ready yet: pod impala-executor-001-0 is Pending: Unschedulable: 0/1 nodes are available: 1 Insufficient cpu.',
        'Scale up from 1 to 2 Executor Groups has failed: impala-executor-001 not ready after 900s (pod impala-executor-001-0 is Pending: Unschedulable: 0/1 nodes are available: 1 Insufficient cpu); removing the groups that never became ready.',
      ],
    },
    {
      name: 'the old rules remove it whatever it runs',
      spec: spec(),
      from: pending({ rules: 'release-2' }),
      obs: obs({ running: 1, groups: [g(0), g(1, { ready: false, running: 1 })] }),
      actions: [rm(1, 'rollback')],
    },
  ];
  test.each(rows)('$name', (row) => void checkRow(row));

  test('the failure and its reason are kept in state', () => {
    const d = decide(spec(), pending(), obs({ groups: [g(0), g(1, { ready: false, problem: UNSCHEDULABLE })] }));
    const reason =
      'impala-executor-001 not ready after 900s (pod impala-executor-001-0 is Pending: Unschedulable: 0/1 nodes are available: 1 Insufficient cpu)';
    expect(d.state.lastScaleUpFailure).toEqual({ tick: 56, groups: ['impala-executor-001'], reason });
    expect(d.state.scaleUpBackoff).toEqual({ failures: 1, untilTick: 57, reason });
  });
});

describe("Impala's view of health counts: capacity is Ready in Kubernetes AND healthy in Impala", () => {
  const rows: Row[] = [
    {
      name: 'Ready in Kubernetes, unknown to Impala (wrong --executor_groups flag): not capacity, and the line says which view disagrees',
      spec: spec(),
      from: state({ current: 2, seenReady: seen(0) }),
      obs: obs({ groups: ready(0, 1, 2), impala: { 0: {}, 1: {} } }),
      actions: [],
      lines: [
        "Executor group impala-executor-002 is Ready in Kubernetes but not healthy in Impala: 0 of 2 executors registered as root.default-group-002 (check the pods' --executor_groups flag and the statestore).",
        'needsScaleDown/needsSuspend is false as scaling in progress, current executor groups=2, target =3',
      ],
      current: 2,
      target: 3,
    },
    {
      name: 'one executor of two registered',
      spec: spec(),
      from: state({ current: 1, seenReady: seen(0, 0) }),
      obs: obs({ groups: ready(0, 1), impala: { 0: {}, 1: { executors: 1, active: 1, healthy: false } } }),
      actions: [],
      lines: [
        "Executor group impala-executor-001 is Ready in Kubernetes but not healthy in Impala: 1 of 2 executors registered as root.default-group-001 (check the pods' --executor_groups flag and the statestore).",
      ],
      current: 1,
    },
    {
      name: 'was healthy, now blacklisted: degraded (not capacity), not replaced, and scale-up goes on',
      spec: spec(),
      from: state({ tick: 40, current: 2, seenReady: seen(10), counters: { up: 1 } }),
      obs: obs({ queued: 2, groups: ready(0, 1), impala: { 0: {}, 1: { active: 1, blacklisted: 1, healthy: false } } }),
      actions: [add(2)],
      lines: [
        "Executor group impala-executor-001 is Ready in Kubernetes but not healthy in Impala: 1 of 2 executors of root.default-group-001 blacklisted (Impala blacklists an executor whose RPCs fail; see that executor's log).",
        'Executor group impala-executor-001 is degraded: Ready in Kubernetes but not healthy in Impala (was ready at tick 10); not counted as capacity.',
        'CurrentExecutorGroups updated from 2 to 1',
      ],
      absent: ['replacing', 'enoughConsecutive Degraded'],
      current: 1,
    },
    {
      name: 'quiescing in Impala (shutting down by hand): not capacity',
      spec: spec(),
      from: state({ tick: 5, current: 2, seenReady: seen(4) }),
      obs: obs({ groups: ready(0, 1), impala: { 0: {}, 1: { active: 0, quiescing: true, healthy: false } } }),
      actions: [],
      lines: [
        'Executor group impala-executor-001 is Ready in Kubernetes but not healthy in Impala: root.default-group-001 is quiescing (an executor is shutting down).',
      ],
      current: 1,
    },
    {
      name: 'both views healthy: capacity, no line',
      spec: spec(),
      from: state({ current: 2 }),
      obs: obs({ groups: ready(0, 1), impala: { 0: {}, 1: {} } }),
      actions: [],
      absent: ['not healthy in Impala'],
      current: 2,
    },
    {
      name: "without Impala's view (old histories, in-process readers): Kubernetes' Ready alone counts",
      spec: spec(),
      from: state({ current: 1 }),
      obs: obs({ groups: ready(0, 1, 2) }),
      actions: [],
      absent: ['not healthy in Impala'],
      current: 3,
    },
    {
      name: "the old rules ignore Impala's view",
      spec: spec(),
      from: state({ current: 2, rules: 'release-2' }),
      obs: obs({ groups: ready(0, 1, 2), impala: { 0: {}, 1: {} } }),
      actions: [],
      absent: ['not healthy in Impala'],
      current: 3,
    },
  ];
  test.each(rows)('$name', (row) => void checkRow(row));

  test("a degraded-in-Impala group past degradedReplaceSeconds is not replaced (a new group would meet the same flag or statestore); Kubernetes' view is", () => {
    const d = decide(
      spec(),
      state({ tick: 60, current: 1, target: 2, seenReady: seen(10) }),
      obs({ groups: ready(0, 1), impala: { 0: {}, 1: { executors: 0, active: 0, healthy: false } } }),
    );
    expect(d.actions).toEqual([]);
    expect(d.state.notCapacity).toEqual([
      {
        name: 'impala-executor-001',
        why: "degraded since tick 11: Ready in Kubernetes but not healthy in Impala: 0 of 2 executors registered as root.default-group-001 (check the pods' --executor_groups flag and the statestore)",
      },
    ]);
  });

  test('a group never healthy in Impala is rolled back at the timeout, with Impala’s words in the failure', () => {
    const d = decide(
      spec(),
      state({ tick: 50, current: 1, target: 2, seenReady: seen(1, 0), counters: { inScaleUp: 45 } }),
      obs({ groups: ready(0, 1), impala: { 0: {} } }),
    );
    expect(d.actions).toEqual([rm(1, 'rollback')]);
    expect(d.state.lastScaleUpFailure?.reason).toBe(
      "impala-executor-001 not ready after 900s (Ready in Kubernetes but not healthy in Impala: 0 of 2 executors registered as root.default-group-001 (check the pods' --executor_groups flag and the statestore))",
    );
  });
});
