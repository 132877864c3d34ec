// The real reader against the coordinator simulator over HTTP, for Impala's admission as it really is: pool limits and
// the queue cause, the queue timeout and its counters, statestore lag, a coordinator restart, the admission service.
import { ImpalaLoadReader } from '../../src/activities/impala/load-reader';
import type { PoolLimits } from '../../src/sim/admission-model';
import { startCoordinator, type CoordinatorOptions, type CoordinatorServer } from '../../src/sim/coordinator';
import { fixedMembership } from '../../src/sim/in-process-membership';
import { eventually } from '../support/eventually';

const GB = 1024 ** 3;
const open: CoordinatorServer[] = [];
afterEach(async () => {
  // Coordinators sharing a cluster first, the one that owns it last.
  for (const s of open.splice(0).reverse()) await s.close();
});

async function coordinator(options: CoordinatorOptions): Promise<CoordinatorServer> {
  const s = await startCoordinator(options);
  open.push(s);
  return s;
}
const limits = (over: Partial<PoolLimits>): PoolLimits => ({
  maxRequests: -1,
  maxMemBytes: -1,
  maxQueued: -1,
  ...over,
});

async function submit(url: string, body: object): Promise<{ id: string; state: string; reason?: string }> {
  const res = await fetch(`${url}/queries`, { method: 'POST', body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; state: string; reason?: string };
}

const reader = new ImpalaLoadReader({ timeoutMs: 1000 });
const read = async (urls: string[], admissionService?: string) => {
  const r = await reader.readDetailed({
    coordinators: urls.map((url) => ({ url })),
    ...(admissionService ? { admissionService: { url: admissionService } } : {}),
    groupSet: 'root.default',
    executorsPerGroup: 2,
  });
  if (!r.ok) throw new Error(r.reason);
  return r.view;
};

describe('the reader against the simulator: Impala admission as it really is', () => {
  test("max_requests: the pool's own limit holds the queue, on two groups with slots to spare", async () => {
    const c = await coordinator({
      port: 0,
      membership: fixedMembership(2, 2),
      poolLimits: limits({ maxRequests: 10 }),
    });
    for (let i = 0; i < 14; i++) await submit(c.url, { durationMs: 600_000 });
    const view = await read([c.url]);
    expect(view.load).toMatchObject({
      queued: 4,
      running: 10,
      queueCause: 'pool-limit',
      headQueuedReason: 'number of running queries 10 is at or over limit 10.',
      poolLimits: { maxRequests: 10, maxMemBytes: -1, queueTimeoutMs: 0 },
    });
  });

  test('max_mem_resources: the pool memory reason, classified pool-limit', async () => {
    const c = await coordinator({
      port: 0,
      membership: fixedMembership(3, 2),
      poolLimits: limits({ maxMemBytes: 40 * GB }),
    });
    for (let i = 0; i < 3; i++) await submit(c.url, { durationMs: 600_000, memMb: 10 * 1024 });
    const view = await read([c.url]);
    expect(view.load).toMatchObject({ queued: 1, running: 2, queueCause: 'pool-limit' });
    expect(view.load.headQueuedReason).toBe(
      'Not enough aggregate memory available in pool root.default with max mem resources 40.00 GB. Needed 20.00 GB but only 0 was available.',
    );
  });

  test('queue timeout: queued queries are timed out and counted in total_timed_out, per coordinator, summed', async () => {
    const c0 = await coordinator({
      port: 0,
      membership: fixedMembership(0, 2),
      poolLimits: limits({ queueTimeoutMs: 300 }),
    });
    const c1 = await coordinator({ port: 0, cluster: c0.cluster });
    await submit(c0.url, { durationMs: 1000 });
    await submit(c1.url, { durationMs: 1000 });
    await submit(c1.url, { durationMs: 1000 });
    const before = await read([c0.url, c1.url]);
    expect(before.load).toMatchObject({ queued: 3, queueCause: 'capacity' });
    const after = await eventually(
      'the three queued queries timed out',
      async () => (await read([c0.url, c1.url])).load,
      10_000,
      100,
      (l) => l.impalaTotals?.timedOut === 3,
    );
    expect(after).toMatchObject({ queued: 0, impalaTotals: { timedOut: 3, rejected: 0 } });
    expect(c0.cluster.model.queries().every((q) => q.state === 'rejected' && q.timedOut)).toBe(true);
  });

  test('statestore lag: agg_* values are those of the last statestore update', async () => {
    const c = await coordinator({ port: 0, membership: fixedMembership(1, 2), statestoreUpdateMs: 1500 });
    // Wait for a fresh update, then queue behind it.
    await eventually('a fresh statestore update', async () => c.cluster.aggAgeMs() < 300, 5000, 20);
    for (let i = 0; i < 3; i++) await submit(c.url, { durationMs: 600_000, memMb: 10 * 1024 });
    const lagging = await read([c.url]);
    // Not yet published: the local queue is there, the cluster-wide counts are not.
    expect(lagging.queuedQueryMemBytes).toHaveLength(2);
    expect(lagging.load).toMatchObject({ queued: 0, running: 0 });
    const caughtUp = await eventually(
      'the next statestore update',
      async () => (await read([c.url])).load,
      5000,
      100,
      (l) => l.queued === 2,
    );
    expect(caughtUp.running).toBe(1);
  });

  test('agg_mem_reserved below the memory admitted: the reader reports Impala’s figure, runningMem the admitted one', async () => {
    const c = await coordinator({ port: 0, membership: fixedMembership(1, 2), memReservedFraction: 0.25 });
    await submit(c.url, { durationMs: 600_000, memMb: 8 * 1024 });
    const view = await read([c.url]);
    expect(view.load.memReservedBytes).toBe(4 * GB); // 8 GB × 2 executors × 0.25
    expect(view.load.runningMem?.counts).toEqual([[view.load.runningMem!.counts[0][0], 1]]);
  });

  test('a coordinator restart loses its local queue; the other coordinator keeps its own', async () => {
    const c0 = await coordinator({ port: 0, membership: fixedMembership(1, 2), queriesPerGroup: 1 });
    const c1 = await coordinator({ port: 0, cluster: c0.cluster });
    await submit(c0.url, { durationMs: 600_000 }); // runs
    await submit(c0.url, { durationMs: 600_000 });
    await submit(c1.url, { durationMs: 600_000 });
    expect((await read([c0.url, c1.url])).load).toMatchObject({ queued: 2, running: 1 });
    const res = await fetch(`${c0.url}/restart`, { method: 'POST' });
    expect(res.status).toBe(200);
    // c0's running query and its queued one are gone; c1's queued query is admitted in the slot that freed.
    const view = await read([c0.url, c1.url]);
    expect(view.load).toMatchObject({ queued: 0, running: 1 });
    expect(view.load.runningByGroup).toEqual({ 'root.default-group-001': 1 });
    const admission = (await (await fetch(`${c0.url}/admission?json`)).json()) as { resource_pools: unknown[] };
    expect(admission.resource_pools).toEqual([]);
  });

  test('admission service: read in place of the coordinators, which serve no /admission', async () => {
    const c0 = await coordinator({
      port: 0,
      membership: fixedMembership(2, 2),
      poolLimits: limits({ maxRequests: 3 }),
    });
    const c1 = await coordinator({ port: 0, cluster: c0.cluster });
    const admissiond = await coordinator({ port: 0, cluster: c0.cluster, role: 'admissiond' });
    for (let i = 0; i < 2; i++) await submit(c0.url, { durationMs: 600_000 });
    for (let i = 0; i < 3; i++) await submit(c1.url, { durationMs: 600_000 });
    expect((await fetch(`${c0.url}/admission?json`)).status).toBe(404);
    const view = await read([c0.url, c1.url], admissiond.url);
    expect(view.load).toMatchObject({ queued: 2, running: 3, queueCause: 'pool-limit' });
    expect(view.queuedQueryMemBytes).toHaveLength(2);
    expect(view.load.runningByGroup).toEqual({ 'root.default-group-001': 3, 'root.default-group-002': 0 });
    await expect(
      reader.readDetailed({ coordinators: [{ url: c0.url }], groupSet: 'root.default' }),
    ).resolves.toMatchObject({ ok: false, reason: expect.stringContaining('admissionService.url') });
  });
});
