// The real reader against the coordinator simulator over real HTTP: what the reader sees equals what the simulator
// holds, and every failure mode is load unknown (or a warning) with the coordinator's URL in the message.
import { ImpalaLoadReader } from '../../src/activities/impala/load-reader';
import { InProcessExecutorGroups } from '../../src/activities/in-process';
import type { WarehouseSpec } from '../../src/policy/types';
import { clusterOptionsFor } from '../../src/sim/cluster';
import { startCoordinator, type CoordinatorServer } from '../../src/sim/coordinator';
import { fixedMembership, InProcessMembership } from '../../src/sim/in-process-membership';
import { summarize } from '../../src/policy/mem-summary';

const GB = 1024 ** 3;
const open: CoordinatorServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function coordinator(...args: Parameters<typeof startCoordinator>): Promise<CoordinatorServer> {
  const s = await startCoordinator(...args);
  open.push(s);
  return s;
}

async function submit(url: string, body: object): Promise<{ id: string; state: string; queueWaitMs: number }> {
  const res = await fetch(`${url}/queries`, { method: 'POST', body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; state: string; queueWaitMs: number };
}

const target = (...urls: string[]) => ({
  coordinators: urls.map((url) => ({ url })),
  groupSet: 'root.default',
  executorsPerGroup: 2,
});
const reader = new ImpalaLoadReader({ timeoutMs: 1000 });

describe('ImpalaLoadReader against the coordinator simulator', () => {
  test('the seed burst reads back exactly as the simulator holds it', async () => {
    const c = await coordinator({ port: 0, membership: fixedMembership(1, 2) });
    for (let i = 0; i < 4; i++) await submit(c.url, { durationMs: 60_000, memMb: 10240, sql: `select ${i}` });
    const r = await reader.readDetailed(target(c.url));
    if (!r.ok) throw new Error(r.reason);
    const pool = c.cluster.model.poolStats('root.default')!;
    expect(r.view.load).toEqual({
      queued: pool.queued,
      running: pool.running,
      memReservedBytes: pool.memReservedBytes,
      queuedMem: summarize([10 * GB, 10 * GB, 10 * GB]),
      runningMem: summarize([10 * GB]),
      impalaGroups: { 'root.default-group-001': { executors: 2, active: 2, healthy: true } },
      healthyGroups: 1,
      runningByGroup: { 'root.default-group-001': 1 },
      warnings: [],
      queueCause: 'capacity',
      headQueuedReason: pool.headQueuedReason,
      poolLimits: { maxRequests: -1, maxMemBytes: -1, queueTimeoutMs: 0 },
      impalaTotals: { timedOut: 0, rejected: 0 },
    });
    expect(r.view.queuedQueryMemBytes).toEqual([10 * GB, 10 * GB, 10 * GB]);
    expect([pool.queued, pool.running]).toEqual([3, 1]);
    expect(r.view.pool!.headQueuedReasons).toEqual([pool.headQueuedReason]);
  });

  test('pool missing (no query seen yet): zero load, groups still read', async () => {
    const c = await coordinator({ port: 0, membership: fixedMembership(2, 2) });
    const r = await reader.readDetailed(target(c.url));
    if (!r.ok) throw new Error(r.reason);
    expect(r.view.pool).toBeUndefined();
    expect(r.view.load).toMatchObject({ queued: 0, running: 0, memReservedBytes: 0, healthyGroups: 2, warnings: [] });
  });

  test('simulator down: load unknown naming the URL', async () => {
    const c = await startCoordinator({ port: 0, membership: fixedMembership(1, 2) });
    await c.close();
    const r = await reader.readDetailed(target(c.url));
    expect(r).toMatchObject({
      ok: false,
      reason: expect.stringContaining(`no coordinator answered: ${c.url}/admission?json: ECONNREFUSED`),
    });
  });

  test('slower than the timeout: load unknown; healed, it reads again', async () => {
    const c = await coordinator({ port: 0, membership: fixedMembership(1, 2) });
    c.setFaults({ delayMs: 1500 });
    const r = await new ImpalaLoadReader({ timeoutMs: 150 }).readDetailed(target(c.url));
    expect(r).toMatchObject({ ok: false, reason: expect.stringContaining('no answer within 150 ms') });
    c.setFaults({});
    expect((await reader.readDetailed(target(c.url))).ok).toBe(true);
  });

  test('malformed (truncated) JSON and HTTP errors: load unknown, faults set over the control API', async () => {
    const c = await coordinator({ port: 0, membership: fixedMembership(1, 2) });
    expect((await fetch(`${c.url}/faults`, { method: 'PUT', body: JSON.stringify({ truncate: true }) })).status).toBe(
      200,
    );
    expect(await reader.readDetailed(target(c.url))).toMatchObject({
      ok: false,
      reason: expect.stringContaining(`${c.url}/admission?json: malformed JSON`),
    });
    c.setFaults({ status: 503 });
    expect(await reader.readDetailed(target(c.url))).toMatchObject({
      ok: false,
      reason: expect.stringContaining(`${c.url}/admission?json: HTTP 503`),
    });
  });

  test('two coordinators on one cluster: agg values not double-counted, executing summed; one down is a warning', async () => {
    const a = await coordinator({ port: 0, membership: fixedMembership(2, 2), queriesPerGroup: 2 });
    const b = await coordinator({ port: 0, cluster: a.cluster, stalenessMs: 400 });
    for (let i = 0; i < 3; i++) await submit(a.url, { durationMs: 60_000, memMb: 512 });
    for (let i = 0; i < 3; i++) await submit(b.url, { durationMs: 60_000, memMb: 512 });
    const both = await reader.readDetailed(target(a.url, b.url));
    if (!both.ok) throw new Error(both.reason);
    expect(both.view.load).toMatchObject({
      running: 4,
      queued: 2,
      runningByGroup: { 'root.default-group-001': 2, 'root.default-group-002': 2 },
    });
    expect(both.view.pool!.aggFrom).toBe(a.url);

    expect(both.view.load.runningMem).toEqual(summarize([512, 512, 512, 512].map((m) => m * 1024 * 1024)));
    expect(both.view.load.unreachableCoordinators).toBeUndefined();

    await b.close();
    const one = await reader.readDetailed(target(a.url, b.url));
    if (!one.ok) throw new Error(one.reason);
    expect(one.view.load).toMatchObject({ running: 4, queued: 2 });
    expect(one.view.load.warnings).toEqual([
      expect.stringContaining(`coordinator down, using the others: ${b.url}/admission?json: ECONNREFUSED`),
    ]);
    // b's running query (the fourth admitted, on group 002) is missing from the per-group counts: the reader says whose.
    expect(one.view.load.unreachableCoordinators).toEqual([b.url]);
    expect(one.view.load.runningByGroup).toEqual({ 'root.default-group-001': 2, 'root.default-group-002': 1 });
  });

  test('a coordinator slower than the timeout is unreachable too: named until it answers again', async () => {
    const a = await coordinator({ port: 0, membership: fixedMembership(1, 2) });
    const b = await coordinator({ port: 0, cluster: a.cluster });
    b.setFaults({ delayMs: 1500 });
    const fast = new ImpalaLoadReader({ timeoutMs: 200 });
    const slow = await fast.readDetailed(target(a.url, b.url));
    expect(slow).toMatchObject({ ok: true, view: { load: { unreachableCoordinators: [b.url] } } });
    b.setFaults({});
    const healed = await fast.readDetailed(target(a.url, b.url));
    expect(healed.ok && healed.view.load.unreachableCoordinators).toBeUndefined();
  });

  test("a backup coordinator that has not seen the pool does not hide the primary's queue", async () => {
    const a = await coordinator({ port: 0, membership: fixedMembership(1, 2), queriesPerGroup: 1 });
    const b = await coordinator({ port: 0, cluster: a.cluster });
    await submit(a.url, { durationMs: 60_000 });
    await submit(a.url, { durationMs: 60_000 });
    const r = await reader.readDetailed(target(b.url, a.url));
    expect(r).toMatchObject({ ok: true, view: { load: { running: 1, queued: 1 } } });
  });
});

describe('coordinator simulator with in-process executor groups', () => {
  const spec = {
    name: 'wh1',
    namespace: 'ns',
    groupSet: 'root.default',
    executorsPerGroup: 2,
    queriesPerGroup: 1,
    executorMemoryMb: 16384,
  } as WarehouseSpec;

  test("Impala's view (Load.impalaGroups): a group's executors are registered once it is ready, and quiesce when it is deleted", async () => {
    let now = 0;
    const groups = new InProcessExecutorGroups({ readyAfterMs: 1000, drainMs: 5000, now: () => now });
    groups.preexisting(spec.name, [0]);
    const c = await coordinator({
      port: 0,
      ...clusterOptionsFor(spec, new InProcessMembership(groups, spec)),
      membershipPollMs: 60_000,
    });
    await groups.create(spec, 1);
    await c.cluster.refreshMembership();
    const healthy = { executors: 2, active: 2, healthy: true };
    const starting = await reader.readDetailed(target(c.url));
    if (!starting.ok) throw new Error(starting.reason);
    expect(starting.view.load.impalaGroups).toEqual({ 'root.default-group-000': healthy });
    now = 1000;
    await c.cluster.refreshMembership();
    const joined = await reader.readDetailed(target(c.url));
    expect(joined.ok && joined.view.load.impalaGroups).toEqual({
      'root.default-group-000': healthy,
      'root.default-group-001': healthy,
    });
    await groups.delete(spec, 0);
    await c.cluster.refreshMembership();
    const leaving = await reader.readDetailed(target(c.url));
    expect(leaving.ok && leaving.view.load.impalaGroups!['root.default-group-000']).toEqual({
      executors: 2,
      active: 0,
      quiescing: true,
      healthy: false,
    });
  });

  test('a group created by the autoscaler joins when ready and admits the queue; a deleted one quiesces, then leaves', async () => {
    let now = 0;
    const groups = new InProcessExecutorGroups({ readyAfterMs: 1000, drainMs: 5000, now: () => now });
    const c = await coordinator({
      port: 0,
      ...clusterOptionsFor(spec, new InProcessMembership(groups, spec)),
      membershipPollMs: 60_000,
    });
    const q1 = await submit(c.url, { durationMs: 60_000 });
    expect(q1.state).toBe('queued');
    await groups.create(spec, 1);
    await c.cluster.refreshMembership();
    expect((await reader.readDetailed(target(c.url))).ok && c.cluster.model.poolStats('root.default')!.queued).toBe(1);
    now = 1000;
    await c.cluster.refreshMembership();
    const admitted = (await (await fetch(`${c.url}/queries/${encodeURIComponent(q1.id)}`)).json()) as {
      state: string;
      group: string;
      queueWaitMs: number;
    };
    expect(admitted).toMatchObject({ state: 'running', group: 'root.default-group-001' });
    expect(admitted.queueWaitMs).toBeGreaterThanOrEqual(0);

    await groups.delete(spec, 1);
    await c.cluster.refreshMembership();
    const draining = await reader.readDetailed(target(c.url));
    if (!draining.ok) throw new Error(draining.reason);
    expect(draining.view.groups).toEqual([
      expect.objectContaining({ name: 'root.default-group-001', quiescing: true, healthy: false, runningQueries: 1 }),
    ]);
    expect(draining.view.load.healthyGroups).toBe(0);
    const q2 = await submit(c.url, { durationMs: 10 });
    expect(q2.state).toBe('queued');
  });

  test('control API: validation errors say what to send; unknown ids are 404', async () => {
    const c = await coordinator({ port: 0, membership: fixedMembership(1, 2) });
    const bad = await fetch(`${c.url}/queries`, { method: 'POST', body: JSON.stringify({ memMb: 5 }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain('durationMs');
    expect((await fetch(`${c.url}/queries/nope`)).status).toBe(404);
    await submit(c.url, { durationMs: 1, pool: 'root.default' });
    const list = (await (await fetch(`${c.url}/queries`)).json()) as { queries: unknown[] };
    expect(list.queries).toHaveLength(1);
  });

  test('/metrics?metric_group= and /jsonmetrics carry the same values as the nested page', async () => {
    const c = await coordinator({ port: 0, membership: fixedMembership(3, 2) });
    await submit(c.url, { durationMs: 60_000 });
    const flat = (await (await fetch(`${c.url}/jsonmetrics`)).json()) as Record<string, number>;
    expect(flat['cluster-membership.group-set.executor-groups.total-healthy.root.default']).toBe(3);
    expect(flat['admission-controller.executor-group.num-queries-executing.root.default-group-001']).toBe(1);
    const one = (await (await fetch(`${c.url}/metrics?json&metric_group=cluster-membership`)).json()) as {
      metric_group: { name: string; child_groups?: unknown };
    };
    expect(one.metric_group.name).toBe('cluster-membership');
    expect(one.metric_group.child_groups).toBeUndefined();
  });
});
