// A decision says what it decided as data (Decision.rule and the line that says why), so that metrics, the Web UI's
// details and the demo's summary read fields and never parse the log's wording. One row per rule.
import { groupName } from '../../src/policy/names';
import { add, addReplacement, checkRow, g, obs, ready, rm, spec, state, unknown, type Row } from './support';

const CRASH = 'pod impala-executor-001-1 is not ready: CrashLoopBackOff';

describe('each rule reports itself and its line', () => {
  const rows: (Row & { why?: string })[] = [
    {
      name: 'nothing to do',
      spec: spec(),
      from: state({ current: 1 }),
      obs: obs({ running: 1, groups: ready(0) }),
      actions: [],
      rule: 'hold',
    },
    {
      name: 'an unreadable load',
      spec: spec(),
      from: state({ current: 1 }),
      obs: unknown(),
      actions: [],
      rule: 'unknown-load',
    },
    {
      name: 'a queue past the scale-up delay',
      spec: spec(),
      from: state({ current: 1, counters: { up: 1 } }),
      obs: obs({ queued: 3, running: 12, groups: ready(0) }),
      actions: [add(1)],
      rule: 'scale-up',
      why: 'needsScaleUp is true as there are 3 queries queued.',
    },
    {
      name: 'a queue within the scale-up delay',
      spec: spec(),
      from: state({ current: 1 }),
      obs: obs({ queued: 3, running: 12, groups: ready(0) }),
      actions: [],
      rule: 'hold',
    },
    {
      name: 'a dry run says which rule would act',
      spec: spec({ dryRun: true }),
      from: state({ current: 1, counters: { up: 1 } }),
      obs: obs({ queued: 3, running: 12, groups: ready(0) }),
      actions: [],
      rule: 'scale-up',
      why: 'needsScaleUp is true as there are 3 queries queued.',
    },
    {
      name: 'a query at a suspended warehouse',
      spec: spec(),
      from: state({ state: 'Suspended', autoSuspended: true }),
      obs: obs({ queued: 1, groups: [] }),
      actions: [add(0)],
      rule: 'resume',
      why: 'Resuming warehouse as there are 1 queries queued.',
    },
    {
      name: 'groups deleted by hand, below the minimum',
      spec: spec(),
      from: state({ current: 1, autoSuspended: false }),
      obs: obs({ groups: [] }),
      actions: [add(0)],
      rule: 'min',
      why: 'needsScaleUp is true as current executor groups 0 is below the minimum 1.',
    },
    {
      name: 'an idle group past the scale-down delay',
      spec: spec(),
      from: state({ current: 2, counters: { down: 30 } }),
      obs: obs({ running: 1, groups: [g(0, { running: 1 }), g(1)] }),
      actions: [rm(1, 'scale-down')],
      rule: 'scale-down',
      why: 'needsScaleDown is true as there are no queries queued and 1 executor groups would hold 1 running queries.',
    },
    {
      name: 'an idle warehouse past the auto-suspend timeout',
      spec: spec({ groups: [0, 4] }),
      from: state({ current: 1, counters: { suspend: 15 } }),
      obs: obs({ groups: ready(0) }),
      actions: [rm(0, 'suspend')],
      rule: 'suspend',
      why: 'needsSuspend is true as there are no queries running or queued.',
    },
    {
      name: 'more groups than the maximum',
      spec: spec({ groups: [1, 2] }),
      from: state({ current: 3 }),
      obs: obs({ running: 1, groups: [g(0, { running: 1 }), g(1), g(2)] }),
      actions: [rm(2, 'above-max')],
      rule: 'above-max',
      why: 'needsScaleDown is true as there are 3 executor groups, above the maximum 2.',
    },
    {
      name: "the operator's suspend",
      spec: spec(),
      from: state({ current: 1, intent: 'suspend' }),
      obs: obs({ groups: ready(0) }),
      actions: [rm(0, 'suspend')],
      rule: 'operator',
      why: 'Suspending warehouse: wh as the operator asked; removing 1 executor groups.',
    },
    {
      name: 'a scale-up past its timeout',
      spec: spec(),
      from: state({
        tick: 50,
        current: 1,
        target: 2,
        pending: [{ name: groupName(1), sinceTick: 4 }],
        counters: { inScaleUp: 45 },
      }),
      obs: obs({ groups: [g(0), g(1, { ready: false })] }),
      actions: [rm(1, 'rollback')],
      rule: 'rollback',
      why: 'Scale up from 1 to 2 Executor Groups has failed: impala-executor-001 not ready after 900s; removing the groups that never became ready.',
    },
    {
      name: 'a group degraded past degradedReplaceSeconds',
      spec: spec(),
      from: state({
        tick: 25,
        current: 1,
        target: 2,
        seenReady: [
          { name: groupName(0), tick: 10 },
          { name: groupName(1), tick: 10 },
        ],
      }),
      obs: obs({ running: 1, groups: [g(0), g(1, { ready: false, running: 1, problem: CRASH })] }),
      actions: [addReplacement(2)],
      rule: 'replace',
      why: 'Executor group impala-executor-001 has not been ready since tick 10 (degradedReplaceSeconds 300s); replacing it with impala-executor-002.',
    },
  ];
  test.each(rows)('$name: $rule', (row) => {
    const d = checkRow(row);
    if (row.why !== undefined) expect(d.why).toBe(row.why);
  });
});
