// The reader against every fixture, over real HTTP: what a real coordinator's pages must become.
import { ImpalaLoadReader } from '../../../src/activities/impala/load-reader';
import { summarize } from '../../../src/policy/mem-summary';
import { serveFixture, type FixtureServer } from './support/fixture-server';

const GB = 1024 ** 3;
const MB = 1024 ** 2;
/** Impala's view of a group of 2 executors, all active. */
const healthy2 = { executors: 2, active: 2, healthy: true };
const servers: FixtureServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Serves each fixture directory as a coordinator; `null` is a coordinator that does not answer (a closed port). */
async function read(dirs: (string | null)[], executorsPerGroup = 2) {
  const urls: string[] = [];
  for (const d of dirs) {
    const s = await serveFixture(d ?? 'idle');
    if (d === null) await s.close();
    else servers.push(s);
    urls.push(s.url);
  }
  const reader = new ImpalaLoadReader({ timeoutMs: 2000 });
  return {
    urls,
    result: await reader.readDetailed({
      coordinators: urls.map((url) => ({ url })),
      groupSet: 'root.default',
      executorsPerGroup,
    }),
  };
}

describe('ImpalaLoadReader on fixtures', () => {
  test('idle: zero load, one healthy group', async () => {
    const { result } = await read(['idle']);
    expect(result.ok && result.view.load).toEqual({
      queued: 0,
      running: 0,
      memReservedBytes: 0,
      impalaGroups: { 'root.default-group-001': healthy2 },
      healthyGroups: 1,
      runningByGroup: { 'root.default-group-001': 0 },
      warnings: [],
      // PoolStats::ToJson's pool_max_requests, pool_max_mem_resources, pool_queue_timeout; no queue, so no cause.
      poolLimits: { maxRequests: -1, maxMemBytes: -1, queueTimeoutMs: 600_000 },
      impalaTotals: { timedOut: 0, rejected: 0 },
    });
    expect(result.ok && result.view.pool?.waitTimeMsEma).toBe(1520.4);
  });

  test('queued (the seed burst): 1 running, 3 queued needing 10 GB each, head reason passed through', async () => {
    const { result } = await read(['queued']);
    if (!result.ok) throw new Error(result.reason);
    expect(result.view.load).toMatchObject({ queued: 3, running: 1, memReservedBytes: 20 * GB, healthyGroups: 1 });
    // The history gets a bounded summary of the queue (and of the running queries); the view keeps the exact values.
    expect(result.view.load.queuedMem).toEqual({ bucketBytes: 160 * MB, counts: [[64, 3]] });
    expect(result.view.load.runningMem).toEqual(summarize([10 * GB]));
    expect(result.view.queuedQueryMemBytes).toEqual([10 * GB, 10 * GB, 10 * GB]);
    expect(result.view.load.impalaGroups).toEqual({ 'root.default-group-001': healthy2 });
    expect(result.view.load.runningByGroup).toEqual({ 'root.default-group-001': 1 });
    expect(result.view.pool?.headQueuedReasons[0]).toMatch(
      /^Not enough memory available on host impala-executor-001-0/,
    );
    expect(result.view.load).toMatchObject({
      queueCause: 'capacity',
      headQueuedReason: result.view.pool?.headQueuedReasons[0],
    });
    expect(result.view.groups).toEqual([
      {
        name: 'root.default-group-001',
        executors: 2,
        activeExecutors: 2,
        blacklisted: 0,
        healthy: true,
        quiescing: false,
        runningQueries: 1,
        admitMemLimitBytes: 16 * GB,
      },
    ]);
  });

  test('multi-group: only our pool and our groups count; queued memory in queue order', async () => {
    const { result } = await read(['multi-group']);
    if (!result.ok) throw new Error(result.reason);
    expect(result.view.load).toMatchObject({ queued: 5, running: 30, memReservedBytes: 90 * GB, healthyGroups: 4 });
    expect(result.view.queuedQueryMemBytes).toEqual([2 * GB, 512 * MB, 6.5 * MB, 4 * GB, 1 * GB]);
    expect(result.view.load.queuedMem).toEqual(summarize([2 * GB, 512 * MB, 6.5 * MB, 4 * GB, 1 * GB]));
    // root.adhoc's two running queries are not ours.
    expect(result.view.load.runningMem).toEqual({ bucketBytes: 16 * MB, counts: [[64, 30]] });
    expect(result.view.load.runningByGroup).toEqual({
      'root.default-group-001': 12,
      'root.default-group-002': 12,
      'root.default-group-003': 6,
    });
    expect(result.view.groups.map((g) => g.name)).toEqual([
      'root.default-group-001',
      'root.default-group-002',
      'root.default-group-003',
    ]);
  });

  test('two coordinators: agg values from the fresher one (not summed), local queues joined, executing counts summed', async () => {
    const { urls, result } = await read(['two-coordinators/coordinator-0', 'two-coordinators/coordinator-1']);
    if (!result.ok) throw new Error(result.reason);
    // coordinator-0 is 3200 ms stale (3 running, 1 queued), coordinator-1 90 ms (4 running, 2 queued).
    expect(result.view.load).toMatchObject({ queued: 2, running: 4, memReservedBytes: 8 * GB, healthyGroups: 2 });
    expect(result.view.queuedQueryMemBytes).toEqual([1 * GB, 3 * GB]);
    expect(result.view.load.runningMem).toEqual(summarize([GB, GB, GB, GB]));
    expect(result.view.load.unreachableCoordinators).toBeUndefined();
    expect(result.view.load.runningByGroup).toEqual({ 'root.default-group-001': 2, 'root.default-group-002': 2 });
    expect(result.view.pool).toMatchObject({ aggFrom: urls[1], stalenessMs: 90 });
    expect(result.coordinators).toEqual([
      { url: urls[0], ok: true },
      { url: urls[1], ok: true },
    ]);
    expect(result.view.load.warnings).toEqual([]);
  });

  test('two coordinators, one down: its URL in unreachableCoordinators, its own queries missing from every count', async () => {
    const { urls, result } = await read(['two-coordinators/coordinator-0', null]);
    if (!result.ok) throw new Error(result.reason);
    expect(result.view.load.unreachableCoordinators).toEqual([urls[1]]);
    expect(result.view.load.warnings).toEqual([
      expect.stringMatching(
        new RegExp(`^coordinator down, using the others: ${urls[1]}/admission\\?json: ECONNREFUSED`),
      ),
    ]);
    // coordinator-0 alone: its stale agg values, its own queue and running queries — group 002 shows 1 of its 2.
    expect(result.view.load).toMatchObject({
      queued: 1,
      running: 3,
      runningByGroup: { 'root.default-group-001': 2, 'root.default-group-002': 1 },
    });
    expect(result.view.load.runningMem).toEqual(summarize([GB, GB, GB]));
    expect(result.coordinators).toEqual([
      { url: urls[0], ok: true },
      { url: urls[1], ok: false, error: expect.stringContaining('ECONNREFUSED') },
    ]);
  });

  test('quiescing group: not healthy, marked quiescing, its running query still counted', async () => {
    const { result } = await read(['quiescing-group']);
    if (!result.ok) throw new Error(result.reason);
    expect(result.view.load).toMatchObject({
      running: 3,
      healthyGroups: 1,
      runningByGroup: { 'root.default-group-001': 2, 'root.default-group-002': 1 },
    });
    expect(result.view.groups.map((g) => [g.name, g.healthy, g.quiescing, g.activeExecutors])).toEqual([
      ['root.default-group-001', true, false, 2],
      ['root.default-group-002', false, true, 0],
    ]);
    expect(result.view.load.impalaGroups).toEqual({
      'root.default-group-001': healthy2,
      'root.default-group-002': { executors: 2, active: 0, quiescing: true, healthy: false },
    });
  });

  test('blacklisted executor: its group is unhealthy and a warning names it', async () => {
    const { result } = await read(['blacklisted-executor']);
    if (!result.ok) throw new Error(result.reason);
    expect(result.view.load.healthyGroups).toBe(1);
    expect(result.view.groups[1]).toMatchObject({
      name: 'root.default-group-002',
      executors: 2,
      activeExecutors: 1,
      blacklisted: 1,
      healthy: false,
    });
    expect(result.view.load.warnings).toEqual(['group root.default-group-002: 1 executor(s) blacklisted by Impala']);
    expect(result.view.load.impalaGroups!['root.default-group-002']).toEqual({
      executors: 2,
      active: 1,
      blacklisted: 1,
      healthy: false,
    });
  });

  test('pool absent: zero load (not an error); healthy groups counted from /backends with a warning', async () => {
    const { urls, result } = await read(['pool-absent']);
    if (!result.ok) throw new Error(result.reason);
    expect(result.view.pool).toBeUndefined();
    expect(result.view.load).toMatchObject({ queued: 0, running: 0, memReservedBytes: 0, healthyGroups: 1 });
    expect(result.view.load.queuedMem).toBeUndefined();
    expect(result.view.load.runningMem).toBeUndefined();
    expect(result.view.load.warnings).toEqual([
      `${urls[0]}/metrics?json has no cluster-membership.group-set.executor-groups.total-healthy.root.default (group set not configured in Impala?); counted 1 healthy groups from /backends`,
    ]);
  });

  test('malformed: load unknown, naming the page and every wrong field', async () => {
    const { urls, result } = await read(['malformed']);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toContain(
      `${urls[0]}/admission?json: unexpected JSON shape: resource_pools.0.agg_num_queued: Invalid input: expected number, received string`,
    );
    expect(result.reason).toContain(
      `${urls[0]}/backends?json: unexpected JSON shape: backends.1.admit_mem_limit: "16 GiB" is not an Impala byte string`,
    );
    expect(result.coordinators).toEqual([
      { url: urls[0], ok: false, error: expect.stringContaining('agg_num_queued') },
    ]);
  });

  test('truncated: load unknown, malformed JSON on the admission page', async () => {
    const { urls, result } = await read(['truncated']);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.reason).toMatch(
        new RegExp(`^load unknown: ${urls[0]}/admission\\?json: malformed JSON \\(.+\\) — body starts: "\\{`),
      );
  });

  test('read() gives the plain LoadResult the workflow uses', async () => {
    const s = await serveFixture('queued');
    servers.push(s);
    const r = await new ImpalaLoadReader().read({
      coordinators: [{ url: s.url }],
      groupSet: 'root.default',
      executorsPerGroup: 2,
    } as never);
    expect(r).toMatchObject({ ok: true, load: { queued: 3, running: 1 } });
  });
});
