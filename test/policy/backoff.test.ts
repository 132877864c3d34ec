// A failed scale-up backs off and says why: afterActions records a refused create, the rollback at
// scaleUpTimeoutSeconds records pods that never became ready, each further failure doubles the wait up to 15 minutes,
// a queue (or the minimum, or a resume) logs the reason instead of retrying, and a group that becomes ready clears it.
import { afterActions, backoffSeconds, backoffSecondsLeft, MAX_BACKOFF_SECONDS } from '../../src/policy/backoff';
import { decide } from '../../src/policy/decide';
import type { Action } from '../../src/policy/types';
import { tickReport } from '../../src/workflows/sinks';
import { detailsTable } from '../../src/workflows/details';
import { add, checkRow, counters, g, obs, ready, spec, state, type Row } from './support';

const QUOTA =
  'statefulsets.apps "impala-executor-001" is forbidden: exceeded quota: executors, requested: requests.cpu=4, used: requests.cpu=8, limited: requests.cpu=8';
const failedAdd = (index: number, error = QUOTA): { action: Action; error: string } => ({ action: add(index), error });
const backingOff = (o: Parameters<typeof state>[0] = {}) =>
  state({
    tick: 20,
    current: 1,
    scaleUpBackoff: { failures: 2, untilTick: 22, reason: `creating impala-executor-001 failed: ${QUOTA}` },
    ...o,
  });

describe('backoffSeconds: one poll, doubling, capped at 15 minutes', () => {
  test.each([
    [1, 20],
    [2, 40],
    [3, 80],
    [4, 160],
    [5, 320],
    [6, 640],
    [7, MAX_BACKOFF_SECONDS],
    [30, MAX_BACKOFF_SECONDS],
  ])('failure %i at poll 20 s → %i s', (failures, seconds) => {
    expect(backoffSeconds({ pollIntervalSeconds: 20 }, failures)).toBe(seconds);
  });

  test('a poll longer than the cap waits one poll', () => {
    expect(backoffSeconds({ pollIntervalSeconds: 3600 }, 1)).toBe(MAX_BACKOFF_SECONDS);
  });
});

describe('afterActions: a create the Kubernetes API refused is a failed scale-up', () => {
  const sp = spec();
  const added = state({
    tick: 10,
    current: 1,
    target: 3,
    pending: [
      { name: 'impala-executor-001', sinceTick: 10 },
      { name: 'impala-executor-002', sinceTick: 10 },
    ],
  });

  test('one failed attempt per tick, however many groups it tried; neither pending nor wanted any more', () => {
    const s = afterActions(sp, added, [failedAdd(1), failedAdd(2)]);
    const reason = `creating impala-executor-001, impala-executor-002 failed: ${QUOTA}`;
    expect(s.scaleUpBackoff).toEqual({ failures: 1, untilTick: 11, reason });
    expect(s.lastScaleUpFailure).toEqual({ tick: 10, groups: ['impala-executor-001', 'impala-executor-002'], reason });
    expect(s.pending).toEqual([]);
    expect(s.target).toBe(1);
  });

  test('consecutive failures double the wait: 1, 2, 4 … ticks, up to 45 ticks (900 s at 20 s)', () => {
    let s = added;
    const waits: number[] = [];
    for (let i = 0; i < 9; i++) {
      s = afterActions(sp, { ...s, tick: s.tick + 1 }, [failedAdd(1)]);
      waits.push(s.scaleUpBackoff!.untilTick - s.tick);
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 45, 45, 45]);
  });

  test('failed removals and successes change nothing', () => {
    expect(afterActions(sp, added, [])).toBe(added);
    expect(
      afterActions(sp, added, [
        { action: { type: 'remove', group: 'impala-executor-000', index: 0, why: 'scale-down' }, error: 'timeout' },
      ]),
    ).toBe(added);
  });

  test('a failed replacement drops the replacement: the degraded group waits for one that is created', () => {
    const s = afterActions(sp, { ...added, replacing: [{ name: 'impala-executor-000', by: 'impala-executor-001' }] }, [
      failedAdd(1),
    ]);
    expect(s.replacing).toEqual([]);
  });

  test('runs started before the current rules keep their state', () => {
    const old = { ...added, rules: 'release-2' as const };
    expect(afterActions(sp, old, [failedAdd(1)])).toBe(old);
  });
});

describe('while backing off, every scale-up says why instead of retrying', () => {
  const rows: Row[] = [
    {
      name: 'a queue: the needsScaleUp line carries the attempts, the end and the reason; the up counter is held',
      spec: spec(),
      from: backingOff({ counters: { up: 1 } }),
      obs: obs({ queued: 3, running: 1, groups: ready(0) }),
      actions: [],
      lines: [
        `needsScaleUp is true as there are 3 queries queued, but scale-up is backing off after 2 failed attempts until tick 22: creating impala-executor-001 failed: ${QUOTA}.`,
      ],
      absent: ['Adding'],
      counters: counters({ up: 1 }),
    },
    {
      name: 'with the tick’s time: when the backoff ends',
      spec: spec(),
      from: backingOff({ tick: 19 }),
      obs: obs({ queued: 3, groups: ready(0), atMs: Date.UTC(2025, 0, 6, 9, 0, 0) }),
      actions: [],
      lines: [
        `needsScaleUp is true as there are 3 queries queued, but scale-up is backing off after 2 failed attempts until tick 22 (2025-01-06T09:00:40.000Z): creating impala-executor-001 failed: ${QUOTA}.`,
      ],
    },
    {
      name: 'the last tick of the backoff is over: the queue adds',
      spec: spec(),
      from: backingOff({ tick: 21, counters: { up: 1 } }),
      obs: obs({ queued: 3, groups: ready(0) }),
      actions: [add(1)],
      absent: ['backing off'],
    },
    {
      name: 'below the minimum: held too (no retry on every tick)',
      spec: spec({ groups: [2, 4] }),
      from: backingOff(),
      obs: obs({ groups: ready(0) }),
      actions: [],
      lines: [
        `needsScaleUp is true as current executor groups 1 is below the minimum 2, but scale-up is backing off after 2 failed attempts until tick 22: creating impala-executor-001 failed: ${QUOTA}.`,
      ],
    },
    {
      name: 'a suspended warehouse with a queue: not resumed yet, says why',
      spec: spec({ groups: [0, 4] }),
      from: backingOff({ current: 0, state: 'Suspended', autoSuspended: true }),
      obs: obs({ queued: 1, groups: [] }),
      actions: [],
      lines: [
        /* the same reason */ `needsScaleUp is true as there are 1 queries queued, but scale-up is backing off after 2 failed attempts until tick 22: creating impala-executor-001 failed: ${QUOTA}.`,
      ],
      state: 'Suspended',
    },
    {
      name: 'an operator resume is obeyed at once',
      spec: spec({ groups: [0, 4] }),
      from: backingOff({ current: 0, state: 'Suspended', operatorSuspended: true, intent: 'resume' }),
      obs: obs({ groups: [] }),
      actions: [add(0)],
    },
  ];
  test.each(rows)('$name', (row) => void checkRow(row));

  test('a created group that becomes ready clears the backoff', () => {
    const d = decide(
      spec(),
      backingOff({ target: 2, pending: [{ name: 'impala-executor-001', sinceTick: 15 }] }),
      obs({ groups: ready(0, 1) }),
    );
    expect(d.state.scaleUpBackoff).toBeUndefined();
  });

  test('a group created on the tick of the refused create does not clear it: the schedule goes on', () => {
    const failure = { tick: 18, groups: ['impala-executor-002'], reason: QUOTA };
    const sameTick = decide(
      spec(),
      backingOff({ target: 2, lastScaleUpFailure: failure, pending: [{ name: 'impala-executor-001', sinceTick: 18 }] }),
      obs({ groups: ready(0, 1) }),
    );
    expect(sameTick.state.scaleUpBackoff).toMatchObject({ failures: 2, untilTick: 22 });
    const later = decide(
      spec(),
      backingOff({ target: 2, lastScaleUpFailure: failure, pending: [{ name: 'impala-executor-001', sinceTick: 19 }] }),
      obs({ groups: ready(0, 1) }),
    );
    expect(later.state.scaleUpBackoff).toBeUndefined();
  });

  test('pods that stay Pending: add → timeout → remove no longer loops every scaleUpTimeoutSeconds', () => {
    // A queue that never drains and a group that never schedules, for 6 hours at 20 s: count the creates.
    const sp = spec({ scaleUpTimeoutSeconds: 100 });
    let s = state({ current: 1 });
    let existing = [g(0)];
    const adds: number[] = [];
    for (let tick = 1; tick <= 1080; tick++) {
      const d = decide(sp, s, obs({ queued: 3, running: 1, groups: existing }));
      s = d.state;
      existing = existing.filter((x) => !d.actions.some((a) => a.type === 'remove' && a.group === x.name));
      for (const a of d.actions)
        if (a.type === 'add') {
          adds.push(tick);
          existing.push(
            g(a.index, {
              ready: false,
              problem:
                'pod impala-executor-001-0 is Pending: Unschedulable: 0/1 nodes are available: 1 Insufficient cpu.',
            }),
          );
        }
    }
    // Without backoff: one attempt every 8 ticks (5 of timeout, the rollback, 1 of delay) ≈ 135. With it, the gaps
    // grow to the cap.
    expect(adds.length).toBeLessThan(30);
    const gaps = adds.slice(1).map((t, i) => t - adds[i]!);
    expect(gaps.slice(0, 6)).toEqual([8, 9, 11, 15, 23, 39]);
    expect(Math.max(...gaps)).toBe(52);
    expect(s.scaleUpBackoff?.reason).toContain('Insufficient cpu');
  });
});

describe('the backoff is shown: TickReport (metrics) and the Web UI details', () => {
  const sp = spec();
  test('a tick that records a failure counts one; the gauge is the seconds left', () => {
    const s = afterActions(sp, state({ tick: 10, current: 1 }), [failedAdd(1), failedAdd(1)]);
    const d = decide(sp, state({ tick: 9 }), obs({ groups: ready(0) }));
    expect(tickReport(sp, s, obs({ groups: ready(0) }), d)).toMatchObject({
      scaleUpFailures: 1,
      scaleUpBackoffSeconds: 20,
    });
    expect(tickReport(sp, { ...s, tick: 11 }, obs({ groups: ready(0) }), d)).toMatchObject({
      scaleUpFailures: 0,
      scaleUpBackoffSeconds: 0,
    });
    expect(backoffSecondsLeft(sp, backingOff())).toBe(40);
  });

  test('details: the backoff with its reason, and every group that is not capacity with why', () => {
    const s = backingOff({
      notCapacity: [
        {
          name: 'impala-executor-001',
          why: 'not ready yet: pod impala-executor-001-0 is Pending: Unschedulable | odd',
        },
      ],
    });
    const table = detailsTable(sp, s, null, []);
    expect(table).toContain(
      `Scale-up: scale-up is backing off after 2 failed attempts until tick 22: creating impala-executor-001 failed: ${QUOTA}.`,
    );
    expect(table).toContain(
      '| impala-executor-001 | not ready yet: pod impala-executor-001-0 is Pending: Unschedulable \\| odd |',
    );
  });
});
