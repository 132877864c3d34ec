// Hand-computed admission cases: every expected wait below is worked out from the query sizes and durations.
import { AdmissionModel, REASON_NO_EXECUTOR_GROUPS, type ModelGroup } from '../../src/sim/admission-model';

const GB = 1024 ** 3;
const group = (n: number, extra: Partial<ModelGroup> = {}): ModelGroup => ({
  name: `root.default-group-${String(n).padStart(3, '0')}`,
  executors: 2,
  healthy: true,
  quiescing: false,
  ...extra,
});
const large = (id: string, durationMs = 60_000) => ({ id, pool: 'root.default', memBytes: 10 * GB, durationMs });

function model(queriesPerGroup = 12): AdmissionModel {
  return new AdmissionModel({ queriesPerGroup, executorMemBytes: 16 * GB });
}

describe('AdmissionModel', () => {
  test('seed burst: 4 large queries on one group, 1 runs and 3 queue, then run one after another', () => {
    const m = model();
    m.setGroups([group(1)], 0);
    for (const id of ['q1', 'q2', 'q3', 'q4']) m.submit(large(id), 0);
    const pool = m.poolStats('root.default')!;
    expect([pool.running, pool.queued]).toEqual([1, 3]);
    expect(pool.headQueuedReason).toBe(
      'Not enough memory available on host root.default-group-001-0:27000. Needed 10.00 GB but only 6.00 GB out of 16.00 GB was available.',
    );
    expect(m.query('q3')!.reason).toBe('queue is not empty (size 1); queued queries are executed first.');
    expect(pool.memReservedBytes).toBe(10 * GB * 2);
    expect(m.nextEventTime()).toBe(60_000);

    // One jump to the end: waits must still be exact, each admission at the previous query's end.
    m.advance(1_000_000);
    const waits = ['q1', 'q2', 'q3', 'q4'].map((id) => m.query(id)!.admittedAt! - m.query(id)!.submittedAt);
    expect(waits).toEqual([0, 60_000, 120_000, 180_000]);
    expect(m.queries().every((q) => q.state === 'finished')).toBe(true);
    expect(m.nextEventTime()).toBeUndefined();
  });

  test('a second group joining admits the head at once; the rest go to whichever group frees first', () => {
    const m = model();
    m.setGroups([group(1)], 0);
    for (const id of ['q1', 'q2', 'q3', 'q4']) m.submit(large(id), 0);
    const events = m.setGroups([group(1), group(2)], 30_000);
    expect(events).toEqual([{ type: 'admitted', id: 'q2', at: 30_000, group: 'root.default-group-002' }]);
    // Both groups full: the reason is the last group tried (group-002).
    expect(m.poolStats('root.default')!.headQueuedReason).toContain('host root.default-group-002-0:27000');
    m.advance(200_000);
    expect(m.query('q3')).toMatchObject({ admittedAt: 60_000, group: 'root.default-group-001' });
    expect(m.query('q4')).toMatchObject({ admittedAt: 90_000, group: 'root.default-group-002' });
  });

  test('slots bound a group: the third query waits with the slots reason', () => {
    const m = model(2);
    m.setGroups([group(1)], 0);
    m.submit({ id: 'a', pool: 'root.default', memBytes: GB, durationMs: 1000 }, 0);
    m.submit({ id: 'b', pool: 'root.default', memBytes: GB, durationMs: 2000 }, 0);
    m.submit({ id: 'c', pool: 'root.default', memBytes: GB, durationMs: 1000 }, 0);
    expect(m.query('c')).toMatchObject({
      state: 'queued',
      reason:
        'Not enough admission control slots available on host root.default-group-001-0:27000. Needed 1 slots but 2/2 are already in use.',
    });
    m.advance(1000);
    expect(m.query('c')).toMatchObject({ state: 'running', admittedAt: 1000, endAt: 2000 });
  });

  test('groups are tried in name order, so the highest-numbered group gets queries last', () => {
    const m = model(1);
    m.setGroups([group(3), group(1), group(2)], 0);
    m.submit({ id: 'a', pool: 'root.default', memBytes: GB, durationMs: 10 }, 0);
    m.submit({ id: 'b', pool: 'root.default', memBytes: GB, durationMs: 10 }, 0);
    expect([m.query('a')!.group, m.query('b')!.group]).toEqual(['root.default-group-001', 'root.default-group-002']);
  });

  test('FIFO: a small query behind a blocked large head waits even though it would fit', () => {
    const m = model();
    m.setGroups([group(1)], 0);
    m.submit(large('big1', 5000), 0);
    m.submit(large('big2', 5000), 0);
    m.submit({ id: 'small', pool: 'root.default', memBytes: GB, durationMs: 100 }, 10);
    expect(m.query('small')!.state).toBe('queued');
    m.advance(5000);
    expect(m.query('big2')!.admittedAt).toBe(5000);
    expect(m.query('small')!.admittedAt).toBe(5000);
  });

  test('no healthy group: queued with Impala\'s "Waiting for executors" reason; an unhealthy group admits nothing', () => {
    const m = model();
    m.setGroups([group(1, { healthy: false, executors: 1 })], 0);
    m.submit(large('q'), 0);
    expect(m.poolStats('root.default')!.headQueuedReason).toBe(REASON_NO_EXECUTOR_GROUPS);
    m.setGroups([group(1)], 45_000);
    expect(m.query('q')).toMatchObject({ state: 'running', admittedAt: 45_000 });
  });

  test('a quiescing group admits nothing new and finishes what it runs; a vanished group kills its queries', () => {
    const m = model();
    m.setGroups([group(1), group(2)], 0);
    m.submit(large('on1'), 0);
    m.submit(large('on2'), 0);
    m.setGroups([group(1), group(2, { quiescing: true })], 1000);
    m.submit(large('later'), 2000);
    expect(m.query('later')!.state).toBe('queued');
    m.advance(60_000);
    expect(m.query('on2')!.state).toBe('finished');
    expect(m.query('later')).toMatchObject({ state: 'running', group: 'root.default-group-001', admittedAt: 60_000 });
    m.setGroups([group(2)], 61_000);
    expect(m.query('later')).toMatchObject({ state: 'killed', endAt: 61_000 });
  });

  test('a query larger than an executor can ever admit is rejected, not queued forever', () => {
    const m = model();
    m.setGroups([group(1)], 0);
    const { query } = m.submit({ id: 'huge', pool: 'root.default', memBytes: 20 * GB, durationMs: 1 }, 0);
    expect(query.state).toBe('rejected');
    expect(query.reason).toMatch(
      /^request memory needed 20.00 GB is greater than memory available for admission 16.00 GB/,
    );
    expect(m.poolStats('root.default')!.totalRejected).toBe(1);
  });

  test('pools queue independently and only see their own groups; a pool appears after its first query', () => {
    const m = model(1);
    m.setGroups([group(1), { ...group(1), name: 'root.etl-group-001' }], 0);
    expect(m.pools()).toEqual([]);
    m.submit({ id: 'd1', pool: 'root.default', memBytes: GB, durationMs: 100 }, 0);
    m.submit({ id: 'd2', pool: 'root.default', memBytes: GB, durationMs: 100 }, 0);
    m.submit({ id: 'e1', pool: 'root.etl', memBytes: GB, durationMs: 100 }, 0);
    expect(m.query('e1')).toMatchObject({ state: 'running', group: 'root.etl-group-001' });
    expect(m.pools().map((p) => [p.pool, p.running, p.queued])).toEqual([
      ['root.default', 1, 1],
      ['root.etl', 1, 0],
    ]);
  });

  test('wait_time_ms_ema follows Impala: first wait seeds it, then 0.8 old + 0.2 new', () => {
    const m = model(1);
    m.setGroups([group(1)], 0);
    m.submit({ id: 'a', pool: 'root.default', memBytes: GB, durationMs: 1000 }, 0);
    m.submit({ id: 'b', pool: 'root.default', memBytes: GB, durationMs: 1000 }, 0);
    m.submit({ id: 'c', pool: 'root.default', memBytes: GB, durationMs: 1000 }, 0);
    m.advance(2000);
    // waits 0 (leaves it 0), 1000 (seeds), 2000 → 0.8·1000 + 0.2·2000
    expect(m.poolStats('root.default')!.waitTimeMsEma).toBeCloseTo(1200);
  });

  test('time never goes backwards', () => {
    const m = model();
    m.advance(10);
    expect(() => m.advance(5)).toThrow('time must not go backwards (model at 10 ms, asked for 5 ms)');
  });
});
