// The seed system's log, replayed tick by tick through the policy: 3 queued on 1 group, balanced mode, poll 20 s,
// scale-up timeout 900 s (45 ticks). The seed's lines must appear exactly and in this order.
import { initialState } from '../../src/policy/decide';
import type { Decision } from '../../src/policy/types';
import { add, expectLinesInOrder, g, obs, ready, run, spec } from './support';

test('seed scenario: 3 queued on impala-executor-000 → add 001 → ready, 1 still queued → add 002', () => {
  const sp = spec({ mode: 'balanced', pollIntervalSeconds: 20, scaleUpTimeoutSeconds: 900, groups: [1, 4] });
  const ticks = [
    /* 1 */ obs({ queued: 3, running: 1, groups: ready(0) }), // balanced: the first tick with a queue waits 1 tick
    /* 2 */ obs({ queued: 3, running: 1, groups: ready(0) }), // → add 001
    /* 3 */ obs({ queued: 3, running: 1, groups: [g(0, { running: 1 }), g(1, { ready: false })] }), // 001 not ready
    /* 4 */ obs({ queued: 1, running: 3, groups: [g(0, { running: 1 }), g(1, { running: 2 })] }), // 001 ready, 1 still queued
    /* 5 */ obs({ queued: 1, running: 3, groups: [g(0, { running: 1 }), g(1, { running: 2 })] }), // → add 002
    /* 6 */ obs({
      queued: 1,
      running: 3,
      groups: [g(0, { running: 1 }), g(1, { running: 2 }), g(2, { ready: false })],
    }),
  ];
  const ds: Decision[] = run(sp, initialState(), ticks);

  expect(ds.map((d) => d.actions)).toEqual([[], [add(1)], [], [], [add(2)], []]);

  const log = ds.flatMap((d) => d.reasons);
  expectLinesInOrder(log, [
    'Group Set: root.default Load: numQueriesQueued 3, numQueriesRunning 1',
    'Processing Group Set: root.default',
    'needsScaleUp is true as there are 3 queries queued.',
    'Impala-autoscaler sleeping for 20s',
    'Group Set: root.default Load: numQueriesQueued 3, numQueriesRunning 1',
    'Processing Group Set: root.default',
    'needsScaleUp is true as there are 3 queries queued.',
    'Impala autoscaler will attempt to add executor group.',
    'Adding new executor group: impala-executor-001',
    'There is a scale up pending, targetExecutorGroups=2',
    'Impala-autoscaler sleeping for 20s',
    'needsScaleDown/needsSuspend is false as scaling in progress, current executor groups=1, target =2',
    'enoughConsecutive InScaleUp calls false as current 0 target 45',
    'Scale up from 1 to 2 Executor Groups is in progress.',
    'Impala-autoscaler sleeping for 20s',
    'CurrentExecutorGroups updated from 1 to 2',
    'needsScaleDown/needsSuspend is false as there are 1 queries queued.',
    'enoughConsecutive Up calls false as current 0 target 1',
    'Impala-autoscaler sleeping for 20s',
    'Adding new executor group: impala-executor-002',
    'There is a scale up pending, targetExecutorGroups=3',
    'Impala-autoscaler sleeping for 20s',
    'Scale up from 2 to 3 Executor Groups is in progress.',
    'Impala-autoscaler sleeping for 20s',
  ]);

  // Tick by tick, the exact lines of the ticks the seed's excerpt shows.
  expect(ds[1]!.reasons).toEqual([
    'Group Set: root.default Load: numQueriesQueued 3, numQueriesRunning 1',
    'Processing Group Set: root.default',
    'needsScaleDown/needsSuspend is false as there are 3 queries queued.',
    'needsScaleUp is true as there are 3 queries queued.',
    'Impala autoscaler will attempt to add executor group.',
    'Adding new executor group: impala-executor-001',
    'There is a scale up pending, targetExecutorGroups=2',
    'Impala-autoscaler sleeping for 20s',
  ]);
  expect(ds[2]!.reasons).toEqual([
    'Group Set: root.default Load: numQueriesQueued 3, numQueriesRunning 1',
    'Processing Group Set: root.default',
    'needsScaleDown/needsSuspend is false as scaling in progress, current executor groups=1, target =2',
    'enoughConsecutive InScaleUp calls false as current 0 target 45',
    'Scale up from 1 to 2 Executor Groups is in progress.',
    'Impala-autoscaler sleeping for 20s',
  ]);
  expect(ds[3]!.reasons).toEqual([
    'Group Set: root.default Load: numQueriesQueued 1, numQueriesRunning 3',
    'Processing Group Set: root.default',
    'CurrentExecutorGroups updated from 1 to 2',
    'needsScaleDown/needsSuspend is false as there are 1 queries queued.',
    'needsScaleUp is true as there are 1 queries queued.',
    'enoughConsecutive Up calls false as current 0 target 1',
    'Impala-autoscaler sleeping for 20s',
  ]);
  expect(ds[5]!.reasons).toContain('Scale up from 2 to 3 Executor Groups is in progress.');

  expect(ds.map((d) => [d.state.current, d.state.target, d.state.state])).toEqual([
    [1, 1, 'Running'],
    [1, 2, 'ScalingUp'],
    [1, 2, 'ScalingUp'],
    [2, 2, 'Running'],
    [2, 3, 'ScalingUp'],
    [2, 3, 'ScalingUp'],
  ]);
  // State stays plain JSON (it crosses continue-as-new unchanged).
  const last = ds[5]!.state;
  expect(JSON.parse(JSON.stringify(last))).toEqual(last);
});
