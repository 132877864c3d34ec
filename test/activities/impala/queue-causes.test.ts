// The reader on a fixture for every queue reason in Impala's source (admission-controller.cc; the fixtures' README
// cites each constant) and for the admission-service topology: the queue cause `probe --json` reports, the pool's
// limits, Impala's timed-out and rejected counts.
import { ImpalaLoadReader } from '../../../src/activities/impala/load-reader';
import { probeJson } from '../../../src/client/commands/probe';
import type { QueueCause } from '../../../src/policy/types';
import { serveFixture, type FixtureServer } from './support/fixture-server';

const servers: FixtureServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const reader = new ImpalaLoadReader({ timeoutMs: 2000 });

async function serve(dir: string): Promise<FixtureServer> {
  const s = await serveFixture(dir);
  servers.push(s);
  return s;
}

async function probe(dir: string) {
  const s = await serve(dir);
  const result = await reader.readDetailed({
    coordinators: [{ url: s.url }],
    groupSet: 'root.default',
    executorsPerGroup: 2,
  });
  if (!result.ok) throw new Error(result.reason);
  return { url: s.url, result, json: probeJson('root.default', result) };
}

const cases: [string, QueueCause][] = [
  ['queued', 'capacity'], // HOST_MEM_NOT_AVAILABLE
  ['queue-host-slots', 'capacity'], // HOST_SLOT_NOT_AVAILABLE
  ['queue-no-executor-groups', 'capacity'], // REASON_NO_EXECUTOR_GROUPS
  ['queue-not-empty', 'capacity'], // QUEUED_QUEUE_NOT_EMPTY
  ['queue-stale', 'capacity'], // HOST_MEM_NOT_AVAILABLE + GetStalenessDetailLocked
  ['queue-pool-max-requests', 'pool-limit'], // QUEUED_NUM_RUNNING
  ['queue-pool-max-mem', 'pool-limit'], // POOL_MEM_NOT_AVAILABLE
  ['queue-user-quota', 'pool-limit'], // USER_QUOTA_EXCEEDED
  ['queue-wildcard-quota', 'pool-limit'], // USER_WILDCARD_QUOTA_EXCEEDED
  ['queue-group-quota', 'pool-limit'], // GROUP_QUOTA_EXCEEDED
  ['queue-coordinator-not-registered', 'unknown'], // REASON_COORDINATOR_NOT_FOUND
  ['queue-unrecognised', 'unknown'],
];

describe('queue cause from head_queued_reason', () => {
  test.each(cases)('%s: %s', async (dir, cause) => {
    const { result, json } = await probe(dir);
    expect(json.queueCause).toBe(cause);
    expect(result.view.load.queueCause).toBe(cause);
    expect(result.view.load.headQueuedReason).toBe(json.headQueuedReasons[0]);
    const warned = result.view.load.warnings.filter((w) => w.includes('head_queued_reason'));
    expect(warned).toEqual(
      cause === 'unknown'
        ? [
            `pool root.default: head_queued_reason does not say whether more executors would admit the queue; treated as capacity: ${JSON.stringify(json.headQueuedReasons[0])}`,
          ]
        : [],
    );
  });

  test('no queue, no cause (idle)', async () => {
    const { json, result } = await probe('idle');
    expect(json.queueCause).toBeUndefined();
    expect(result.view.load.headQueuedReason).toBeUndefined();
  });

  test("max_requests: the pool's limits and Impala's timed-out and rejected counts", async () => {
    const { json, result } = await probe('queue-pool-max-requests');
    expect(json).toMatchObject({
      queued: 5,
      running: 10,
      headQueuedReasons: ['number of running queries 10 is at or over limit 10.'],
      poolLimits: { maxRequests: 10, maxMemBytes: -1, queueTimeoutMs: 60_000 },
      timedOut: 3,
      rejected: 1,
    });
    expect(result.view.load.impalaTotals).toEqual({ timedOut: 3, rejected: 1 });
    expect(result.view.load.runningByGroup).toEqual({ 'root.default-group-001': 10 });
  });

  test('a stale statestore: the reason keeps its staleness warning and still classifies', async () => {
    const { result } = await probe('queue-stale');
    expect(result.view.load.headQueuedReason).toMatch(
      / Warning: admission control information from statestore is stale: 6s012ms since last update was received\.$/,
    );
    expect(result.view.load.warnings).toContain(
      `pool root.default: freshest admission state (${result.view.pool!.aggFrom}) is 6012 ms old; statestore updates are late`,
    );
  });
});

describe('the admission-service topology', () => {
  test('admissionService is read in place of the coordinators: every queue, the pool limit, its counters', async () => {
    const admissiond = await serve('admission-service/admissiond');
    const coordinator = await serve('admission-service/coordinator-0');
    const result = await reader.readDetailed({
      coordinators: [{ url: coordinator.url }],
      admissionService: { url: admissiond.url },
      groupSet: 'root.default',
      executorsPerGroup: 2,
    });
    if (!result.ok) throw new Error(result.reason);
    expect(result.view.load).toMatchObject({
      queued: 5,
      running: 10,
      queueCause: 'pool-limit',
      impalaTotals: { timedOut: 4, rejected: 0 },
      runningByGroup: { 'root.default-group-001': 10 },
    });
    expect(result.coordinators).toEqual([{ url: admissiond.url, ok: true }]);
    expect(coordinator.requests).toEqual([]);
  });

  test('reading a coordinator behind an admission service: load unknown, naming the spec field to set', async () => {
    const coordinator = await serve('admission-service/coordinator-0');
    const result = await reader.readDetailed({ coordinators: [{ url: coordinator.url }], groupSet: 'root.default' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toContain(`${coordinator.url}/admission?json: HTTP 404`);
    expect(result.reason).toContain("set the warehouse's admissionService.url");
  });
});
