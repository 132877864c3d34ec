// A coordinator that did not answer holds its own queries: no group's running count is fully known. Every group
// counts as busy; scale-down and suspend hold with their counters (as with an unknown load) and a line naming the
// coordinator; scale-up on the cluster-wide queue still works. The old rules read the partial counts as they were.
import { add, checkRow, counters, g, obs, ready, rm, spec, state, type Row } from './support';

const C1 = 'http://coordinator-1:25000';
const held = (down: number, suspend: number, who = `coordinator ${C1}`) =>
  `needsScaleDown/needsSuspend is false as ${who} did not answer: the running queries of each executor group are not fully known; counters held (scale-down ${down}, suspend ${suspend}).`;
const oneAtATime = spec({ mode: 'conservative', scaleDownDelaySeconds: 600 });

describe('partial observations never remove a busy group', () => {
  const rows: Row[] = [
    {
      name: 'scale-down delay served, 002 looks idle (its query is on the silent coordinator): held, counter kept',
      spec: oneAtATime,
      from: state({ current: 3, counters: { down: 30 } }),
      obs: obs({ running: 2, unreachable: [C1], groups: [g(0, { running: 1 }), g(1, { running: 1 }), g(2)] }),
      actions: [],
      lines: [held(30, 0)],
      absent: ['needsScaleDown is true', 'Removing'],
      counters: counters({ down: 30 }),
      state: 'Running',
    },
    {
      name: 'the old rules remove the group that looks idle',
      spec: oneAtATime,
      from: state({ current: 3, counters: { down: 30 }, rules: 'release-2' }),
      obs: obs({ running: 2, unreachable: [C1], groups: [g(0, { running: 1 }), g(1, { running: 1 }), g(2)] }),
      actions: [rm(2, 'scale-down')],
    },
    {
      name: 'suspend timeout reached, nothing seen running: held, counter kept',
      spec: spec(),
      from: state({ current: 1, counters: { suspend: 15 } }),
      obs: obs({ unreachable: [C1], groups: ready(0) }),
      actions: [],
      lines: [held(0, 15)],
      absent: ['Suspending'],
      counters: counters({ suspend: 15 }),
    },
    {
      name: 'two coordinators silent: both named',
      spec: spec(),
      from: state({ current: 1, counters: { suspend: 3 } }),
      obs: obs({ unreachable: [C1, 'http://coordinator-2:25000'], groups: ready(0) }),
      actions: [],
      lines: [held(0, 3, `coordinators ${C1}, http://coordinator-2:25000`)],
      counters: counters({ suspend: 3 }),
    },
    {
      name: 'scale-up on the cluster-wide queue still works',
      spec: spec(),
      from: state({ current: 1, counters: { up: 1 } }),
      obs: obs({ queued: 3, running: 1, unreachable: [C1], groups: [g(0, { running: 1 })] }),
      actions: [add(1)],
      lines: ['needsScaleUp is true as there are 3 queries queued.', 'Adding new executor group: impala-executor-001'],
    },
    {
      name: 'above the maximum: no group is removed while any may run queries',
      spec: spec({ groups: [1, 2] }),
      from: state({ current: 3 }),
      obs: obs({ unreachable: [C1], groups: ready(0, 1, 2) }),
      actions: [],
      lines: ['1 executor groups above the maximum have running queries; waiting for them to go idle.'],
    },
    {
      name: 'a pending group at the scale-up timeout is not rolled back while its queries cannot be counted',
      spec: spec(),
      from: state({
        current: 1,
        target: 2,
        pending: [{ name: 'impala-executor-001', sinceTick: 0 }],
        counters: { inScaleUp: 45 },
      }),
      obs: obs({ unreachable: [C1], groups: [g(0), g(1, { ready: false })] }),
      actions: [],
      lines: [
        `Executor group impala-executor-001 never became ready but may run queries (coordinator ${C1} did not answer); removing it once idle.`,
      ],
    },
    {
      name: 'every coordinator answers again: the counters go on from where they were held',
      spec: oneAtATime,
      from: state({ current: 3, counters: { down: 30 } }),
      obs: obs({ running: 2, groups: [g(0, { running: 1 }), g(1, { running: 1 }), g(2)] }),
      actions: [rm(2, 'scale-down')],
    },
  ];
  test.each(rows)('$name', (row) => void checkRow(row));
});
