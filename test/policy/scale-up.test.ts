// The tick's scale-up-in-progress and scale-up rules (docs/design.md, "The tick") (scale-up in progress and its timeout; scale up with the mode's delay and step),
// and the bounds: at max, below min, above max after a resize.
import { decide, initialState } from '../../src/policy/decide';
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
  type Row,
} from './support';

const queued3 = (groups = ready(0), extra: { queuedMem?: number[] } = {}) =>
  obs({ queued: 3, running: 1, groups, ...extra });

const queueLines = (q: number) => [
  `needsScaleDown/needsSuspend is false as there are ${q} queries queued.`,
  `needsScaleUp is true as there are ${q} queries queued.`,
];
const addLines = (names: string[], target: number) => [
  'Impala autoscaler will attempt to add executor group.',
  ...names.map((n) => `Adding new executor group: ${n}`),
  `There is a scale up pending, targetExecutorGroups=${target}`,
];

describe('scale up: the mode delay (consecutive ticks with a queue = ceil(delay / poll))', () => {
  const rows: Row[] = [
    {
      name: 'aggressive (0 s): first tick with a queue adds at once',
      spec: spec({ mode: 'aggressive' }),
      from: state({ current: 1 }),
      obs: queued3(),
      actions: [add(1)],
      lines: [...queueLines(3), ...addLines(['impala-executor-001'], 2)],
      absent: ['enoughConsecutive Up'],
      counters: counters(),
      current: 1,
      target: 2,
      state: 'ScalingUp',
    },
    {
      name: 'balanced (20 s = 1 tick): one tick before the delay waits',
      spec: spec({ mode: 'balanced' }),
      from: state({ current: 1 }),
      obs: queued3(),
      actions: [],
      lines: [...queueLines(3), 'enoughConsecutive Up calls false as current 0 target 1'],
      absent: ['Adding new executor group'],
      counters: counters({ up: 1 }),
      target: 1,
      state: 'Running',
    },
    {
      name: 'balanced: exactly at the delay adds one group',
      spec: spec({ mode: 'balanced' }),
      from: state({ current: 1, counters: { up: 1 } }),
      obs: queued3(),
      actions: [add(1)],
      lines: [...queueLines(3), ...addLines(['impala-executor-001'], 2)],
      absent: ['enoughConsecutive Up'],
      counters: counters(),
      target: 2,
      state: 'ScalingUp',
    },
    {
      name: 'conservative (60 s = 3 ticks): first tick waits',
      spec: spec({ mode: 'conservative' }),
      from: state({ current: 1 }),
      obs: queued3(),
      actions: [],
      lines: ['enoughConsecutive Up calls false as current 0 target 3'],
      counters: counters({ up: 1 }),
      target: 1,
    },
    {
      name: 'conservative: one tick before the delay waits',
      spec: spec({ mode: 'conservative' }),
      from: state({ current: 1, counters: { up: 2 } }),
      obs: queued3(),
      actions: [],
      lines: ['enoughConsecutive Up calls false as current 2 target 3'],
      counters: counters({ up: 3 }),
      target: 1,
    },
    {
      name: 'conservative: exactly at the delay adds one group',
      spec: spec({ mode: 'conservative' }),
      from: state({ current: 1, counters: { up: 3 } }),
      obs: queued3(),
      actions: [add(1)],
      lines: addLines(['impala-executor-001'], 2),
      counters: counters(),
      target: 2,
    },
    {
      name: 'scaleUpDelaySeconds 30 overrides balanced: ceil(30/20) = 2 ticks, one before waits',
      spec: spec({ mode: 'balanced', scaleUpDelaySeconds: 30 }),
      from: state({ current: 1, counters: { up: 1 } }),
      obs: queued3(),
      actions: [],
      lines: ['enoughConsecutive Up calls false as current 1 target 2'],
      counters: counters({ up: 2 }),
    },
    {
      name: 'scaleUpDelaySeconds 30: at 2 ticks adds',
      spec: spec({ mode: 'balanced', scaleUpDelaySeconds: 30 }),
      from: state({ current: 1, counters: { up: 2 } }),
      obs: queued3(),
      actions: [add(1)],
      counters: counters(),
    },
    {
      name: 'scaleUpDelaySeconds 0 makes conservative add on the first tick (step stays +1)',
      spec: spec({ mode: 'conservative', scaleUpDelaySeconds: 0 }),
      from: state({ current: 1 }),
      obs: obs({ queued: 30, groups: ready(0) }),
      actions: [add(1)],
      counters: counters(),
    },
    {
      name: 'poll 10 s: balanced 20 s is 2 ticks',
      spec: spec({ mode: 'balanced', pollIntervalSeconds: 10 }),
      from: state({ current: 1, counters: { up: 1 } }),
      obs: queued3(),
      actions: [],
      lines: ['enoughConsecutive Up calls false as current 1 target 2', 'Impala-autoscaler sleeping for 10s'],
      counters: counters({ up: 2 }),
    },
    {
      name: 'aggressive with scaleUpDelaySeconds 40: waits 2 ticks (one before)',
      spec: spec({ mode: 'aggressive', scaleUpDelaySeconds: 40 }),
      from: state({ current: 1, counters: { up: 1 } }),
      obs: queued3(),
      actions: [],
      lines: ['enoughConsecutive Up calls false as current 1 target 2'],
      counters: counters({ up: 2 }),
    },
  ];
  test.each(rows)('$name', (row) => void checkRow(row));

  test.each([
    { mode: 'aggressive' as const, firstAdd: 0 },
    { mode: 'balanced' as const, firstAdd: 1 },
    { mode: 'conservative' as const, firstAdd: 3 },
  ])('$mode: a steady queue from a fresh state first adds on tick index $firstAdd', ({ mode, firstAdd }) => {
    const ds = run(
      spec({ mode }),
      initialState(),
      Array.from({ length: 6 }, () => queued3()),
    );
    expect(firstActionTick(ds)).toBe(firstAdd);
    expect(ds[firstAdd]!.actions).toEqual([add(1)]);
  });
});

describe('scale up: the step (aggressive by queued slots and by queued memory; others +1), capped at max', () => {
  const aggressive = (groups: [number, number], extra = {}) => spec({ mode: 'aggressive', groups, ...extra });
  const rows: Row[] = [
    {
      name: 'memory: 3 queued needing 10 GiB per executor on 16 GiB executors → 3 groups (two never share a group)',
      spec: aggressive([1, 8]),
      from: state({ current: 1 }),
      obs: queued3(ready(0), { queuedMem: [10 * GiB, 10 * GiB, 10 * GiB] }),
      actions: [add(1), add(2), add(3)],
      lines: [...queueLines(3), ...addLines(['impala-executor-001', 'impala-executor-002', 'impala-executor-003'], 4)],
      target: 4,
      counters: counters(),
      state: 'ScalingUp',
    },
    {
      name: 'slots: 30 small queued, queriesPerGroup 12 → ceil(30/12) = 3 groups',
      spec: aggressive([1, 8]),
      from: state({ current: 1 }),
      obs: obs({ queued: 30, running: 12, groups: ready(0) }),
      actions: [add(1), add(2), add(3)],
      target: 4,
    },
    {
      name: 'slots boundary: 12 queued → 1 group',
      spec: aggressive([1, 8]),
      from: state({ current: 1 }),
      obs: obs({ queued: 12, groups: ready(0) }),
      actions: [add(1)],
      target: 2,
    },
    {
      name: 'slots boundary: 13 queued → 2 groups',
      spec: aggressive([1, 8]),
      from: state({ current: 1 }),
      obs: obs({ queued: 13, groups: ready(0) }),
      actions: [add(1), add(2)],
      target: 3,
    },
    {
      name: 'memory boundary: 4 queued × 8 GiB exactly fill 2 groups of 16 GiB executors',
      spec: aggressive([1, 8]),
      from: state({ current: 1 }),
      obs: obs({ queued: 4, groups: ready(0), queuedMem: Array(4).fill(8 * GiB) }),
      actions: [add(1), add(2)],
      target: 3,
    },
    {
      name: 'memory boundary: 5 queued × 8 GiB → 3 groups',
      spec: aggressive([1, 8]),
      from: state({ current: 1 }),
      obs: obs({ queued: 5, groups: ready(0), queuedMem: Array(5).fill(8 * GiB) }),
      actions: [add(1), add(2), add(3)],
      target: 4,
    },
    {
      name: 'memory beats slots: 12 queued × 6 GiB fit 2 a group → 6 groups although 12 slots would be 1',
      spec: aggressive([1, 8]),
      from: state({ current: 1 }),
      obs: obs({ queued: 12, groups: ready(0), queuedMem: Array(12).fill(6 * GiB) }),
      actions: [1, 2, 3, 4, 5, 6].map(add),
      target: 7,
    },
    {
      name: 'slots beat memory: 24 queued × 1 GiB → 2 groups',
      spec: aggressive([1, 8]),
      from: state({ current: 1 }),
      obs: obs({ queued: 24, groups: ready(0), queuedMem: Array(24).fill(GiB) }),
      actions: [add(1), add(2)],
      target: 3,
    },
    {
      name: 'executorMemoryMb 32768: 3 × 10 GiB fit 3 to a group → 1 group',
      spec: aggressive([1, 8], { executorMemoryMb: 32768 }),
      from: state({ current: 1 }),
      obs: queued3(ready(0), { queuedMem: [10 * GiB, 10 * GiB, 10 * GiB] }),
      actions: [add(1)],
      target: 2,
    },
    {
      name: 'capped at max: aggressive wants 3 groups, 3 of max 4 exist → adds 1',
      spec: aggressive([1, 4]),
      from: state({ current: 3 }),
      obs: obs({ queued: 30, running: 36, groups: ready(0, 1, 2) }),
      actions: [add(3)],
      lines: addLines(['impala-executor-003'], 4),
      target: 4,
    },
    {
      name: 'capped at max: memory wants 3 groups, max 2 → adds 1',
      spec: aggressive([1, 2]),
      from: state({ current: 1 }),
      obs: queued3(ready(0), { queuedMem: [10 * GiB, 10 * GiB, 10 * GiB] }),
      actions: [add(1)],
      target: 2,
    },
    {
      name: 'balanced step is what the queue needs, after one tick (30 queued → 3 groups of 12)',
      spec: spec({ mode: 'balanced', groups: [1, 8] }),
      from: state({ current: 1, counters: { up: 1 } }),
      obs: obs({ queued: 30, groups: ready(0) }),
      actions: [add(1), add(2), add(3)],
      target: 4,
    },
    {
      name: 'conservative step is +1 whatever the queue (30 queued)',
      spec: spec({ mode: 'conservative', groups: [1, 8] }),
      from: state({ current: 2, counters: { up: 3 } }),
      obs: obs({ queued: 30, groups: ready(0, 1) }),
      actions: [add(2)],
      target: 3,
    },
    {
      name: 'at max with a queue: nothing added, the up counter resets',
      spec: spec({ mode: 'balanced' }),
      from: state({ current: 4, counters: { up: 1 } }),
      obs: obs({ queued: 5, running: 48, groups: ready(0, 1, 2, 3) }),
      actions: [],
      lines: [
        'needsScaleDown/needsSuspend is false as there are 5 queries queued.',
        'needsScaleUp is false as executor groups are at the maximum 4, with 5 queries queued.',
      ],
      absent: ['needsScaleUp is true', 'enoughConsecutive'],
      counters: counters(),
      target: 4,
      state: 'Running',
    },
    {
      name: 'at max with a queue, aggressive: nothing added',
      spec: spec({ mode: 'aggressive', groups: [1, 2] }),
      from: state({ current: 2 }),
      obs: obs({ queued: 30, groups: ready(0, 1) }),
      actions: [],
      lines: ['needsScaleUp is false as executor groups are at the maximum 2, with 30 queries queued.'],
      counters: counters(),
    },
    {
      name: 'one below max: balanced adds the last group',
      spec: spec({ mode: 'balanced' }),
      from: state({ current: 3, counters: { up: 1 } }),
      obs: obs({ queued: 5, groups: ready(0, 1, 2) }),
      actions: [add(3)],
      target: 4,
    },
  ];
  test.each(rows)('$name', (row) => void checkRow(row));
});

describe('bounds: below min is filled at once; above max (after a resize) removes idle groups, busy ones kept', () => {
  const rows: Row[] = [
    {
      name: 'below min (1 of min 3, no queue): adds 2 groups at once, no delay',
      spec: spec({ groups: [3, 4] }),
      from: state({ current: 1 }),
      obs: obs({ groups: ready(0) }),
      actions: [add(1), add(2)],
      lines: [
        'needsScaleUp is true as current executor groups 1 is below the minimum 3.',
        ...addLines(['impala-executor-001', 'impala-executor-002'], 3),
      ],
      target: 3,
      current: 1,
    },
    {
      name: 'below min in conservative mode with a queue: still at once',
      spec: spec({ mode: 'conservative', groups: [2, 4] }),
      from: state({ current: 1 }),
      obs: obs({ queued: 3, groups: ready(0) }),
      actions: [add(1)],
      lines: ['needsScaleUp is true as current executor groups 1 is below the minimum 2.'],
      counters: counters(),
      target: 2,
    },
    {
      name: 'above max 2 with 4 groups, 003 busy: removes the idle 002 and 001, keeps the busy 003',
      spec: spec({ groups: [1, 2] }),
      from: state({ current: 4 }),
      obs: obs({ running: 2, groups: [g(0), g(1), g(2), g(3, { running: 2 })] }),
      actions: [rm(2, 'above-max'), rm(1, 'above-max')],
      lines: [
        'needsScaleDown is true as there are 4 executor groups, above the maximum 2.',
        'Removing executor group: impala-executor-002',
        'Removing executor group: impala-executor-001',
      ],
      target: 2,
      counters: counters(),
      state: 'ScalingDown',
    },
    {
      name: 'above max 2 with 3 groups, 001 and 002 busy: removes the only idle one, 000',
      spec: spec({ groups: [1, 2] }),
      from: state({ current: 3 }),
      obs: obs({ running: 2, groups: [g(0), g(1, { running: 1 }), g(2, { running: 1 })] }),
      actions: [rm(0, 'above-max')],
      target: 2,
    },
    {
      name: 'above max 2 with 3 groups, all busy: waits, nothing removed',
      spec: spec({ groups: [1, 2] }),
      from: state({ current: 3 }),
      obs: obs({ running: 3, groups: [g(0, { running: 1 }), g(1, { running: 1 }), g(2, { running: 1 })] }),
      actions: [],
      lines: [
        'needsScaleDown is true as there are 3 executor groups, above the maximum 2.',
        '1 executor groups above the maximum have running queries; waiting for them to go idle.',
      ],
      target: 3,
      state: 'Running',
    },
    {
      name: 'above max with a queue: no scale-up',
      spec: spec({ mode: 'aggressive', groups: [1, 2] }),
      from: state({ current: 3 }),
      obs: obs({ queued: 4, running: 3, groups: [g(0, { running: 1 }), g(1, { running: 1 }), g(2, { running: 1 })] }),
      actions: [],
      absent: ['needsScaleUp is true', 'Adding new executor group'],
      target: 3,
    },
  ];
  test.each(rows)('$name', (row) => void checkRow(row));
});

describe('scale-up in progress (target > current) and its timeout with rollback (900 s / 20 s = 45 ticks)', () => {
  const pending = (o: Parameters<typeof state>[0] = {}) =>
    state({ tick: 10, current: 1, target: 2, pending: [{ name: 'impala-executor-001', sinceTick: 9 }], ...o });
  const notReady1 = (extra: { queued?: number; running?: number } = {}) =>
    obs({ queued: 3, running: 1, ...extra, groups: [g(0), g(1, { ready: false })] });
  const progressLines = (k: number, target = 45, from = 1, to = 2) => [
    `needsScaleDown/needsSuspend is false as scaling in progress, current executor groups=${from}, target =${to}`,
    `enoughConsecutive InScaleUp calls false as current ${k} target ${target}`,
    `Scale up from ${from} to ${to} Executor Groups is in progress.`,
  ];
  const rows: Row[] = [
    {
      name: 'first tick in progress: counts, no scale-up, no scale-down',
      spec: spec(),
      from: pending(),
      obs: notReady1(),
      actions: [],
      lines: progressLines(0),
      absent: ['needsScaleUp', 'CurrentExecutorGroups updated'],
      counters: counters({ inScaleUp: 1 }),
      current: 1,
      target: 2,
      state: 'ScalingUp',
    },
    {
      name: 'one tick before the timeout (counter 44 of 45): still waits',
      spec: spec(),
      from: pending({ counters: { inScaleUp: 44 } }),
      obs: notReady1(),
      actions: [],
      lines: progressLines(44),
      counters: counters({ inScaleUp: 45 }),
      target: 2,
      state: 'ScalingUp',
    },
    {
      name: 'exactly at the timeout (counter 45 of 45): rollback removes the group that never became ready, target = current',
      spec: spec(),
      from: pending({ counters: { inScaleUp: 45 } }),
      obs: notReady1(),
      actions: [rm(1, 'rollback')],
      lines: [
        'needsScaleDown/needsSuspend is false as scaling in progress, current executor groups=1, target =2',
        'Scale up from 1 to 2 Executor Groups has failed: impala-executor-001 not ready after 900s; removing the groups that never became ready.',
        'Removing executor group: impala-executor-001',
      ],
      absent: ['enoughConsecutive InScaleUp', 'is in progress'],
      counters: counters(),
      current: 1,
      target: 1,
    },
    {
      name: 'rollback removes every not-ready group',
      spec: spec(),
      from: pending({ target: 3, counters: { inScaleUp: 45 } }),
      obs: obs({ queued: 30, groups: [g(0), g(1, { ready: false }), g(2, { ready: false })] }),
      actions: [rm(1, 'rollback'), rm(2, 'rollback')],
      lines: [
        'Scale up from 1 to 3 Executor Groups has failed: impala-executor-001, impala-executor-002 not ready after 900s; removing the groups that never became ready.',
      ],
      target: 1,
    },
    {
      name: 'scaleUpTimeoutSeconds 100 (5 ticks): one before waits',
      spec: spec({ scaleUpTimeoutSeconds: 100 }),
      from: pending({ counters: { inScaleUp: 4 } }),
      obs: notReady1(),
      actions: [],
      lines: progressLines(4, 5),
      counters: counters({ inScaleUp: 5 }),
    },
    {
      name: 'scaleUpTimeoutSeconds 100 (5 ticks): at it rolls back',
      spec: spec({ scaleUpTimeoutSeconds: 100 }),
      from: pending({ counters: { inScaleUp: 5 } }),
      obs: notReady1(),
      actions: [rm(1, 'rollback')],
      lines: [
        'Scale up from 1 to 2 Executor Groups has failed: impala-executor-001 not ready after 100s; removing the groups that never became ready.',
      ],
    },
    {
      name: 'scaleUpTimeoutSeconds 110 rounds up to 6 ticks: counter 5 still waits',
      spec: spec({ scaleUpTimeoutSeconds: 110 }),
      from: pending({ counters: { inScaleUp: 5 } }),
      obs: notReady1(),
      actions: [],
      lines: progressLines(5, 6),
      counters: counters({ inScaleUp: 6 }),
    },
    {
      name: 'in progress resets the up, down and suspend counters',
      spec: spec(),
      from: pending({ counters: { up: 1, down: 7, suspend: 3, inScaleUp: 2 } }),
      obs: notReady1(),
      actions: [],
      counters: counters({ inScaleUp: 3 }),
    },
    {
      name: 'release 3: aggressive with a growing queue adds nothing while a scale-up is in progress',
      spec: spec({ mode: 'aggressive', groups: [1, 8] }),
      from: pending({ rules: 'release-3' }),
      obs: notReady1({ queued: 40 }),
      actions: [],
      absent: ['needsScaleUp', 'Adding new executor group'],
      counters: counters({ inScaleUp: 1 }),
    },
    {
      name: 'idle and above the floor while in progress: no scale-down, no suspend',
      spec: spec(),
      from: pending({ current: 2, target: 3, counters: { down: 30, suspend: 15 } }),
      obs: obs({ groups: [g(0), g(1), g(2, { ready: false })] }),
      actions: [],
      lines: progressLines(0, 45, 2, 3),
      absent: ['needsScaleDown is true', 'needsSuspend is true'],
      counters: counters({ inScaleUp: 1 }),
    },
    {
      name: 'partly ready: reconciles current and keeps counting',
      spec: spec(),
      from: pending({ target: 3, counters: { inScaleUp: 3 } }),
      obs: obs({ queued: 1, groups: [g(0), g(1), g(2, { ready: false })] }),
      actions: [],
      lines: ['CurrentExecutorGroups updated from 1 to 2', ...progressLines(3, 45, 2, 3)],
      counters: counters({ inScaleUp: 4 }),
      current: 2,
      target: 3,
    },
    {
      name: 'complete (all ready): the InScaleUp counter resets and normal rules resume',
      spec: spec(),
      from: pending({ counters: { inScaleUp: 10 } }),
      obs: obs({ queued: 1, running: 13, groups: ready(0, 1) }),
      actions: [],
      lines: [
        'CurrentExecutorGroups updated from 1 to 2',
        'needsScaleDown/needsSuspend is false as there are 1 queries queued.',
        'enoughConsecutive Up calls false as current 0 target 1',
      ],
      absent: ['scaling in progress'],
      counters: counters({ up: 1 }),
      current: 2,
      target: 2,
      state: 'Running',
    },
  ];
  test.each(rows)('$name', (row) => void checkRow(row));

  test('the rollback records the failure; the next ticks decide again and never reuse the name still deleting', () => {
    const sp = spec();
    const rolled = decide(sp, pending({ counters: { inScaleUp: 45 } }), notReady1());
    expect(rolled.state.lastScaleUpFailure).toEqual({
      tick: 11,
      groups: ['impala-executor-001'],
      reason: 'impala-executor-001 not ready after 900s',
    });
    expect(rolled.state.pending).toEqual([]);
    // 001 drains away while the queue is still there: the up counter starts again from 0, then adds 002, not 001.
    const draining = obs({ queued: 3, running: 1, groups: [g(0), g(1, { ready: false, deleting: true })] });
    const [wait, again] = run(sp, rolled.state, [draining, draining]);
    expect(wait!.actions).toEqual([]);
    expect(wait!.reasons).toContain('enoughConsecutive Up calls false as current 0 target 1');
    expect(wait!.reasons.some((r) => r.startsWith('CurrentExecutorGroups updated'))).toBe(false);
    expect(again!.actions).toEqual([add(2)]);
  });

  test('a group that never becomes ready is rolled back on the first tick past 900 s after it was added (tick 46 at 20 s)', () => {
    const sp = spec({ mode: 'aggressive' });
    const stuck = obs({ queued: 3, running: 1, groups: [g(0), g(1, { ready: false })] });
    const ds = run(sp, state({ current: 1 }), [queued3(), ...Array.from({ length: 47 }, () => stuck)]);
    expect(ds[0]!.actions).toEqual([add(1)]);
    const later = ds.slice(1);
    expect(firstActionTick(later)).toBe(45); // in-progress ticks at 20 s … 900 s after the add, rollback at 920 s
    expect(later[44]!.reasons).toContain('enoughConsecutive InScaleUp calls false as current 44 target 45');
    expect(later[45]!.actions).toEqual([rm(1, 'rollback')]);
  });
});
