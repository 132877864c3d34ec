// The admission model's pool limits and queue timeout, hand-computed against admission-controller.cc: the order of
// the checks (RejectForCluster, RejectForSchedule, CanAdmitRequest), each reason in Impala's words, and the counters
// a timed-out query lands in (total_timed_out, not total_rejected: PoolStats::Dequeue(true)).
import { AdmissionModel, type ModelGroup, type PoolLimits } from '../../src/sim/admission-model';

const GB = 1024 ** 3;
const group = (n: number): ModelGroup => ({
  name: `root.default-group-${String(n).padStart(3, '0')}`,
  executors: 2,
  healthy: true,
  quiescing: false,
});
const small = (id: string, durationMs = 60_000, memBytes = GB) => ({ id, pool: 'root.default', memBytes, durationMs });

function model(limits: Partial<PoolLimits>, queriesPerGroup = 12): AdmissionModel {
  return new AdmissionModel({
    queriesPerGroup,
    executorMemBytes: 16 * GB,
    poolLimits: { maxRequests: -1, maxMemBytes: -1, maxQueued: -1, ...limits },
  });
}

describe('AdmissionModel: pool limits', () => {
  test('max_requests holds the queue however many groups exist, in QUEUED_NUM_RUNNING words', () => {
    const m = model({ maxRequests: 10 });
    m.setGroups([group(1)], 0);
    for (let i = 0; i < 14; i++) m.submit(small(`q${i}`), 0);
    expect(m.poolStats('root.default')).toMatchObject({
      running: 10,
      queued: 4,
      headQueuedReason: 'number of running queries 10 is at or over limit 10.',
    });
    // A second group changes nothing: the limit is the pool's.
    m.setGroups([group(1), group(2)], 1000);
    expect(m.poolStats('root.default')).toMatchObject({ running: 10, queued: 4 });
    expect(m.groups().map((g) => g.running)).toEqual([10, 0]);
    // When the first ten end, the next four run.
    m.advance(60_000);
    expect(m.poolStats('root.default')).toMatchObject({ running: 4, queued: 0 });
  });

  test('slots are checked before the pool limit is reached: the host-slot reason while under max_requests', () => {
    const m = model({ maxRequests: 20 }, 12);
    m.setGroups([group(1)], 0);
    for (let i = 0; i < 14; i++) m.submit(small(`q${i}`), 0);
    expect(m.poolStats('root.default')!.headQueuedReason).toBe(
      'Not enough admission control slots available on host root.default-group-001-0:27000. Needed 1 slots but 12/12 are already in use.',
    );
  });

  test('max_mem_resources: cluster-wide memory (per executor × executors) in POOL_MEM_NOT_AVAILABLE words', () => {
    // 10 GB per executor × 2 executors = 20 GB a query; the pool admits 40 GB: two run, on two groups.
    const m = model({ maxMemBytes: 40 * GB });
    m.setGroups([group(1), group(2), group(3)], 0);
    for (const id of ['a', 'b', 'c']) m.submit(small(id, 60_000, 10 * GB), 0);
    expect(m.poolStats('root.default')).toMatchObject({
      running: 2,
      queued: 1,
      headQueuedReason:
        'Not enough aggregate memory available in pool root.default with max mem resources 40.00 GB. Needed 20.00 GB but only 0 was available.',
    });
  });

  test('a query over max_mem_resources alone is rejected (REASON_REQ_OVER_POOL_MEM), counted in total_rejected', () => {
    const m = model({ maxMemBytes: 16 * GB });
    m.setGroups([group(1)], 0);
    const { query } = m.submit(small('big', 1000, 10 * GB), 0);
    expect(query.state).toBe('rejected');
    expect(query.reason).toMatch(
      /^request memory needed 20\.00 GB is greater than pool max mem resources 16\.00 GB\.\n\nUse the MEM_LIMIT query option/,
    );
    expect(m.poolStats('root.default')).toMatchObject({ totalRejected: 1, totalTimedOut: 0 });
  });

  test('max_queued: an arrival to a full queue is rejected (REASON_QUEUE_FULL); a limit of 0 disables the pool', () => {
    const m = model({ maxRequests: 1, maxQueued: 2 });
    m.setGroups([group(1)], 0);
    for (const id of ['a', 'b', 'c']) m.submit(small(id), 0);
    expect(m.submit(small('d'), 0).query).toMatchObject({
      state: 'rejected',
      reason: 'queue full, limit=2, num_queued=2.',
    });
    const off = model({ maxRequests: 0 });
    expect(off.submit(small('x'), 0).query.reason).toBe('disabled by requests limit set to 0');
  });
});

describe('AdmissionModel: queue timeout', () => {
  test('a query still queued at the timeout is timed out with ADMISSION_TIMED_OUT, in total_timed_out only', () => {
    const m = model({ queueTimeoutMs: 60_000 });
    // No group: the queue waits for executors; one arrives too late for the first query, in time for the second.
    m.submit(small('early'), 0);
    m.submit(small('late'), 30_000);
    expect(m.nextEventTime()).toBe(60_000);
    const events = m.advance(60_000);
    expect(events).toEqual([{ type: 'timed-out', id: 'early', at: 60_000 }]);
    expect(m.query('early')).toMatchObject({
      state: 'rejected',
      timedOut: true,
      reason:
        'Admission for query exceeded timeout 60000ms in pool root.default. Queued reason: Waiting for executors to start. Only DDL queries and queries scheduled only on the coordinator (either NUM_NODES set to 1 or when small query optimization is triggered) can currently run. Additional Details: ',
    });
    m.setGroups([group(1)], 80_000);
    expect(m.query('late')).toMatchObject({ state: 'running', admittedAt: 80_000 });
    expect(m.poolStats('root.default')).toMatchObject({ totalTimedOut: 1, totalRejected: 0, totalAdmitted: 1 });
    // The timed-out wait (60 s) seeded the average, then the admitted one (50 s): 0.8 × 60000 + 0.2 × 50000.
    expect(m.poolStats('root.default')!.waitTimeMsEma).toBe(58_000);
  });

  test('capacity freed at the very instant of the timeout admits the query', () => {
    const m = model({ queueTimeoutMs: 60_000 }, 1);
    m.setGroups([group(1)], 0);
    m.submit(small('a', 60_000), 0);
    m.submit(small('b', 1000), 0);
    m.advance(100_000);
    expect(m.query('b')).toMatchObject({ state: 'finished', admittedAt: 60_000 });
  });
});
