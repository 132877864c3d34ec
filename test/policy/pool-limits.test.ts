// The pool's own limits (src/policy/pool-limits.ts): a queue Impala says is held by max_requests or max_mem_resources
// adds no group (and keeps none its limit leaves idle), a scale-up stops at what the limits can ever admit, Impala's
// timed-out and rejected counts are logged, and a start-up longer than the queue timeout is warned about.
import { decide } from '../../src/policy/decide';
import type { Load, Observation } from '../../src/policy/types';
import { add, checkRow, counters, GiB, obs, ready, rm, run, spec, state, type LoadInput, type Row } from './support';

const NUM_RUNNING = 'number of running queries 10 is at or over limit 10.';
const HOST_SLOTS =
  'Not enough admission control slots available on host impala-executor-000-0:27000. Needed 1 slots but 12/12 are already in use.';
const POOL_MEM =
  'Not enough aggregate memory available in pool root.default with max mem resources 40.00 GB. Needed 20.00 GB but only 0 was available.';

/** An observation with Impala's queue cause, its reason and the pool's limits. */
function limited(o: LoadInput, extra: Partial<Load>): Observation {
  const base = obs(o);
  if (base.kind !== 'known') throw new Error('known');
  return { ...base, load: { ...base.load, ...extra } };
}

const limits = (maxRequests: number, queueTimeoutMs = 0, maxMemBytes = -1) => ({
  poolLimits: { maxRequests, maxMemBytes, queueTimeoutMs },
});

const held = () =>
  limited(
    { queued: 30, running: 10, groups: [...ready(0)] },
    { queueCause: 'pool-limit', headQueuedReason: NUM_RUNNING, ...limits(10) },
  );

describe('a queue held by the pool’s own limit', () => {
  const rows: Row[] = [
    {
      name: 'max_requests: no group is added, whatever the delay',
      spec: spec({ mode: 'aggressive' }),
      from: state({ current: 1, counters: { up: 3 } }),
      obs: held(),
      actions: [],
      lines: [`needsScaleUp is false as the queue is held by the pool's own limit: ${NUM_RUNNING}`],
      absent: ['needsScaleUp is true', 'Adding new executor group'],
      counters: counters(),
      state: 'Running',
    },
    {
      name: 'release 3 kept: the same queue adds a group, as before',
      spec: spec({ mode: 'aggressive' }),
      from: state({ current: 1, rules: 'release-3' }),
      obs: held(),
      actions: [add(1), add(2), add(3)],
      lines: ['needsScaleUp is true as there are 30 queries queued.'],
      absent: ["pool's own limit"],
    },
    {
      name: 'max_mem_resources: no group is added',
      spec: spec({ mode: 'aggressive' }),
      from: state({ current: 2 }),
      obs: limited(
        { queued: 4, running: 2, memReservedBytes: 40 * GiB, groups: ready(0, 1) },
        { queueCause: 'pool-limit', headQueuedReason: POOL_MEM, ...limits(-1, 0, 40 * GiB) },
      ),
      actions: [],
      lines: [`needsScaleUp is false as the queue is held by the pool's own limit: ${POOL_MEM}`],
      absent: ['Adding new executor group'],
    },
    {
      name: 'a capacity queue with the limit reached (head not yet re-evaluated): still no group',
      spec: spec({ mode: 'aggressive' }),
      from: state({ current: 1 }),
      obs: limited(
        { queued: 5, running: 10, groups: ready(0) },
        {
          queueCause: 'capacity',
          headQueuedReason: 'queue is not empty (size 4); queued queries are executed first.',
          ...limits(10),
        },
      ),
      actions: [],
      lines: [
        "needsScaleUp is false as the pool's own limits (max_requests 10) admit none of the 5 queries queued beside the 10 running.",
      ],
    },
    {
      name: 'a capacity queue under max_requests 20 with 12 queries a group: one group added, not three',
      spec: spec({ mode: 'aggressive' }),
      from: state({ current: 1 }),
      obs: limited(
        { queued: 30, running: 12, groups: ready(0) },
        { queueCause: 'capacity', headQueuedReason: HOST_SLOTS, ...limits(20) },
      ),
      actions: [add(1)],
      lines: ['needsScaleUp is true as there are 30 queries queued.', 'Adding new executor group: impala-executor-001'],
    },
    {
      name: 'release 3 kept: the same capacity queue adds the three groups the queue would fill',
      spec: spec({ mode: 'aggressive' }),
      from: state({ current: 1, rules: 'release-3' }),
      obs: limited(
        { queued: 30, running: 12, groups: ready(0) },
        { queueCause: 'capacity', headQueuedReason: HOST_SLOTS, ...limits(20) },
      ),
      actions: [add(1), add(2), add(3)],
    },
    {
      name: 'unknown wording is treated as capacity: the queue adds groups',
      spec: spec({ mode: 'aggressive' }),
      from: state({ current: 1 }),
      obs: limited(
        { queued: 3, running: 12, groups: ready(0) },
        { queueCause: 'unknown', headQueuedReason: 'Some future reason.' },
      ),
      actions: [add(1)],
    },
  ];
  test.each(rows)('$name', (row) => {
    checkRow(row);
  });

  test('groups the limit leaves idle are released by the normal scale-down rule, the queue notwithstanding', () => {
    // 3 groups, max_requests 10 all running on group 000; 20 queued behind the limit.
    const sp = spec({ mode: 'aggressive' });
    const o = limited(
      { queued: 20, running: 10, groups: [{ ...ready(0)[0], runningQueries: 10 }, ...ready(1, 2)] },
      { queueCause: 'pool-limit', headQueuedReason: NUM_RUNNING, ...limits(10) },
    );
    const ds = run(
      sp,
      state({ current: 3 }),
      Array.from({ length: 4 }, () => o),
    );
    const removed = ds.flatMap((d) => d.actions);
    expect(removed).toEqual([rm(2, 'scale-down'), rm(1, 'scale-down')]);
    expect(ds.find((d) => d.actions.length)!.reasons).toContain(
      "needsScaleDown is true as the queue is held by the pool's own limit and 2 executor groups would hold 10 running queries.",
    );
    expect(ds.every((d) => d.actions.every((a) => a.type === 'remove'))).toBe(true);
    expect(ds[0].state.queueHeld).toBe(`the queue is held by the pool's own limit: ${NUM_RUNNING}`);
  });
});

test('the seasonal history records the groups a queue behind the limit could use, not those it would fill', () => {
  const sp = spec({ mode: 'aggressive', groups: [1, 8] });
  const at = Date.UTC(2026, 11, 7, 9, 0); // a Monday 09:00: a slot's opening, which release 4 records (openings.ts)
  const o = { ...held(), atMs: at };
  const recorded = (h: ReturnType<typeof decide>['state']['history']) => h!.peaks.filter((p) => p >= 0);
  // 10 running need one group; the 30 queued behind max_requests 10 need none.
  expect(recorded(decide(sp, state({ current: 1 }), o).state.openings)).toEqual([1]);
  // Release 3 kept: the queue's three groups are recorded too (and pre-warmed the next day).
  expect(recorded(decide(sp, state({ current: 1, rules: 'release-3' }), o).state.history)).toEqual([4]);
});

describe('queue timeout and Impala’s failure counts', () => {
  test('a start-up longer than the queue timeout is warned about, naming the settings to raise', () => {
    const sp = spec({ mode: 'aggressive' });
    // Start-up observed as 6 ticks (120 s); the pool times queued queries out after 60 s.
    const d = decide(
      sp,
      state({ current: 0, startupTicks: 6, autoSuspended: true, state: 'Suspended' }),
      limited(
        { queued: 1, groups: [] },
        { queueCause: 'capacity', headQueuedReason: 'Waiting for executors to start. x', ...limits(-1, 60_000) },
      ),
    );
    const warning =
      "executor groups take about 120s to become ready, and a queued query waits up to 20s more for the tick that adds them: longer than pool root.default's queue timeout 60s, so Impala times it out before they are ready; raise impala.admission-control.pool-queue-timeout-ms.root.default (llama-site.xml) or impalad's --queue_wait_timeout_ms above 140000";
    expect(d.reasons).toContain(`Warning: ${warning}.`);
    expect(d.reasons).toContain('Resuming warehouse as there are 1 queries queued.');
    expect(d.state.queueTimeoutShort).toEqual({ startupSeconds: 120, timeoutSeconds: 60, warning });
    // A timeout above the start-up and a poll: no warning.
    const fine = decide(
      sp,
      state({ current: 0, startupTicks: 6, autoSuspended: true, state: 'Suspended' }),
      limited({ queued: 1, groups: [] }, { queueCause: 'capacity', ...limits(-1, 300_000) }),
    );
    expect(fine.reasons.some((r) => r.includes('queue timeout'))).toBe(false);
    expect(fine.state.queueTimeoutShort).toBeUndefined();
  });

  test('timed-out and rejected queries are counted per tick from Impala’s counters (a coordinator restart resets them)', () => {
    const sp = spec();
    const at = (timedOut: number, rejected: number) =>
      limited({ running: 1, groups: ready(0) }, { impalaTotals: { timedOut, rejected } });
    const ds = run(sp, state({ current: 1 }), [at(5, 1), at(8, 1), at(2, 0)]);
    expect(ds[0].reasons.some((r) => r.startsWith('Impala timed out'))).toBe(false);
    expect(ds[1].reasons).toContain(
      'Impala timed out 3 queued queries in pool root.default since the last tick (total_timed_out 8).',
    );
    expect(ds[1].state.impalaCounts).toEqual({ timedOutTotal: 8, rejectedTotal: 1, timedOut: 3, rejected: 0 });
    expect(ds[2].state.impalaCounts).toEqual({ timedOutTotal: 2, rejectedTotal: 0, timedOut: 2, rejected: 0 });
  });
});
