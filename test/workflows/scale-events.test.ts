// Which Kubernetes Event each action of a real decision records (src/workflows/scale-events.ts): the reason by what
// the action does, the message the decision's own line saying why.
import { decide } from '../../src/policy/decide';
import { scaleEventOf } from '../../src/workflows/scale-events';
import { g, obs, ready, spec, state } from '../policy/support';

const eventsOf = (d: ReturnType<typeof decide>) => d.actions.map((a) => ({ group: a.group, ...scaleEventOf(a, d) }));

test.each([
  {
    name: 'a queue adds a group: ScaledUp',
    d: decide(spec({ scaleUpDelaySeconds: 0 }), state({ current: 1 }), obs({ queued: 12, groups: ready(0) })),
    events: [
      {
        group: 'impala-executor-001',
        reason: 'ScaledUp',
        message: 'needsScaleUp is true as there are 12 queries queued.',
      },
    ],
  },
  {
    name: 'the scale-down delay served: ScaledDown',
    d: decide(spec(), state({ current: 2, counters: { down: 30 } }), obs({ groups: ready(0, 1) })),
    events: [
      {
        group: 'impala-executor-001',
        reason: 'ScaledDown',
        message:
          'needsScaleDown is true as there are no queries queued and 1 executor groups would hold 0 running queries.',
      },
    ],
  },
  {
    name: 'auto-suspend: Suspended',
    d: decide(spec(), state({ current: 1, counters: { suspend: 15 } }), obs({ groups: ready(0) })),
    events: [
      {
        group: 'impala-executor-000',
        reason: 'Suspended',
        message: 'Suspending warehouse: wh after 300s idle; removing 1 executor groups.',
      },
    ],
  },
  {
    name: 'a queued query on a suspended warehouse: Resumed',
    d: decide(spec(), state({ state: 'Suspended', autoSuspended: true }), obs({ queued: 1, groups: [] })),
    events: [
      { group: 'impala-executor-000', reason: 'Resumed', message: 'Resuming warehouse as there are 1 queries queued.' },
    ],
  },
  {
    name: 'a scale-up not ready by its timeout is rolled back: ScaleUpFailed',
    d: decide(
      spec(),
      state({
        current: 1,
        target: 2,
        counters: { inScaleUp: 45 },
        pending: [{ name: 'impala-executor-001', sinceTick: 0 }],
      }),
      obs({ groups: [g(0), g(1, { ready: false })] }),
    ),
    events: [
      {
        group: 'impala-executor-001',
        reason: 'ScaleUpFailed',
        message:
          'Scale up from 1 to 2 Executor Groups has failed: impala-executor-001 not ready after 900s; removing the groups that never became ready.',
      },
    ],
  },
])('$name', ({ d, events }) => {
  expect(eventsOf(d)).toEqual(events);
});
