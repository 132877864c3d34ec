// Steps sized for when new groups are ready (src/policy/queue-step.ts): a resume starts what the queue needs, groups
// already starting count as capacity with the difference added, and a queue the running groups drain within one
// start-up starts nothing. Earlier releases' runs keep resuming with one group and adding nothing while groups start
// (their rows are in scale-up.test.ts and scale-down-suspend.test.ts).
import { add, checkRow, counters, g, GiB, obs, ready, spec, state, type Row } from './support';

const suspended = state({ current: 0, state: 'Suspended' });
const starting = (o: Parameters<typeof state>[0] = {}) =>
  state({ tick: 10, current: 1, target: 2, pending: [{ name: 'impala-executor-001', sinceTick: 9 }], ...o });
const oneStarting = (queued: number) =>
  obs({ queued, running: 12, groups: [g(0, { running: 12 }), g(1, { ready: false })] });

describe('a resume starts the groups the queue needs (modes that step by the queue)', () => {
  const rows: Row[] = [
    {
      name: 'aggressive, 30 queued at 12 slots a group: three groups at once',
      spec: spec({ mode: 'aggressive', groups: [0, 4] }),
      from: suspended,
      obs: obs({ queued: 30, groups: [] }),
      actions: [add(0), add(1), add(2)],
      lines: [
        'Resuming warehouse as there are 30 queries queued.',
        'Adding new executor group: impala-executor-000',
        'Adding new executor group: impala-executor-002',
        'There is a scale up pending, targetExecutorGroups=3',
      ],
      target: 3,
    },
    {
      name: 'balanced, three queries of 12 GiB per executor (16 GiB executors): one group each',
      spec: spec({ groups: [0, 4] }),
      from: suspended,
      obs: obs({ queued: 3, queuedMemSummary: [12 * GiB, 12 * GiB, 12 * GiB], groups: [] }),
      actions: [add(0), add(1), add(2)],
    },
    {
      name: 'bounded by nodes.max (4 groups)',
      spec: spec({ mode: 'aggressive', groups: [0, 4] }),
      from: suspended,
      obs: obs({ queued: 100, groups: [] }),
      actions: [add(0), add(1), add(2), add(3)],
    },
    {
      name: 'conservative steps by one group: resumes with one',
      spec: spec({ mode: 'conservative', groups: [0, 4] }),
      from: suspended,
      obs: obs({ queued: 30, groups: [] }),
      actions: [add(0)],
    },
  ];
  test.each(rows)('$name', (row) => void checkRow(row));
});

describe('groups starting count as capacity; the queue beyond them gets more at once', () => {
  const rows: Row[] = [
    {
      name: 'aggressive, 40 queued need 4 groups and 1 is starting: 3 more',
      spec: spec({ mode: 'aggressive', groups: [1, 8] }),
      from: starting(),
      obs: oneStarting(40),
      actions: [add(2), add(3), add(4)],
      lines: [
        'Scale up from 1 to 2 Executor Groups is in progress.',
        'needsScaleUp is true as there are 40 queries queued, which need 4 executor groups when new ones are ready, and 1 are starting.',
        'Adding new executor group: impala-executor-004',
        'There is a scale up pending, targetExecutorGroups=5',
      ],
      counters: counters({ inScaleUp: 1 }),
      target: 5,
    },
    {
      name: 'balanced too (no second scale-up delay: the queue has waited already)',
      spec: spec({ groups: [1, 8] }),
      from: starting(),
      obs: oneStarting(20),
      actions: [add(2)],
    },
    {
      name: 'the starting group holds the queue: nothing more, nothing said',
      spec: spec({ mode: 'aggressive', groups: [1, 8] }),
      from: starting(),
      obs: oneStarting(10),
      actions: [],
      absent: ['needsScaleUp'],
    },
    {
      name: 'conservative adds one group at a time: nothing while one starts',
      spec: spec({ mode: 'conservative', groups: [1, 8] }),
      from: starting(),
      obs: oneStarting(40),
      actions: [],
    },
    {
      name: 'a scale-up backing off adds nothing while groups start',
      spec: spec({ mode: 'aggressive', groups: [1, 8] }),
      from: starting({ scaleUpBackoff: { failures: 1, untilTick: 20, reason: 'exceeded quota' } }),
      obs: oneStarting(40),
      actions: [],
    },
  ];
  test.each(rows)('$name', (row) => void checkRow(row));
});

describe('a queue the running groups drain within one start-up starts nothing', () => {
  const two = (queued: number) => obs({ queued, running: 24, groups: [g(0, { running: 12 }), g(1, { running: 12 })] });
  const rows: Row[] = [
    {
      name: 'balanced, 30 → 10 queued over the last poll on the same 2 groups: empty in one start-up, nothing added',
      spec: spec({ groups: [1, 8] }),
      from: state({ current: 2, lastQueue: { tick: 0, queued: 30 }, counters: { up: 1 } }),
      obs: two(10),
      actions: [],
      lines: [
        'needsScaleUp is true as there are 10 queries queued.',
        'Not adding executor groups: the queue drained by 20 queries in the last poll, so the running executor groups empty it before a new group is ready.',
      ],
      counters: counters({ up: 1 }),
    },
    {
      name: 'draining slowly (40 → 36): sized on the 24 left after one start-up (3 ticks × 4): 2 groups',
      spec: spec({ groups: [1, 8] }),
      from: state({ current: 2, lastQueue: { tick: 0, queued: 40 }, counters: { up: 1 } }),
      obs: two(36),
      actions: [add(2), add(3)],
      counters: counters(),
    },
    {
      name: 'a group became ready during the poll: its admissions are no drain rate, sized on the whole queue',
      spec: spec({ groups: [1, 8] }),
      from: state({ current: 1, target: 2, lastQueue: { tick: 0, queued: 30 }, counters: { up: 1 } }),
      obs: two(10),
      actions: [add(2)],
    },
    {
      name: 'a growing queue: sized on all of it',
      spec: spec({ groups: [1, 8] }),
      from: state({ current: 2, lastQueue: { tick: 0, queued: 10 }, counters: { up: 1 } }),
      obs: two(30),
      actions: [add(2), add(3), add(4)],
    },
    {
      name: 'an unknown load came between: the decrease spans two polls, no drain rate, sized on the whole queue',
      spec: spec({ groups: [1, 8] }),
      from: state({ tick: 1, current: 2, lastQueue: { tick: 0, queued: 30 }, counters: { up: 1 } }),
      obs: two(10),
      actions: [add(2)],
    },
    {
      name: 'release 3: sized on the queue of the instant',
      spec: spec({ groups: [1, 8] }),
      from: state({ current: 2, lastQueue: { tick: 0, queued: 30 }, counters: { up: 1 }, rules: 'release-3' }),
      obs: two(10),
      actions: [add(2)],
    },
  ];
  test.each(rows)('$name', (row) => void checkRow(row));
});

test('decide() keeps the queue for the next tick with the release-4 rules only', () => {
  const o = obs({ queued: 7, groups: ready(0) });
  expect(
    checkRow({ name: 'r4', spec: spec(), from: state({ current: 1 }), obs: o, actions: [] }).state.lastQueue,
  ).toEqual({ tick: 1, queued: 7 });
  const r3 = checkRow({
    name: 'r3',
    spec: spec(),
    from: state({ current: 1, rules: 'release-3' }),
    obs: o,
    actions: [],
  });
  expect(r3.state.lastQueue).toBeUndefined();
});
