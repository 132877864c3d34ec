// The pool's own limits through the real workflow on a real dev server, the coordinator simulator over HTTP and the
// real Impala reader: a flood queued behind max_requests adds no executor group, and under a max_requests that two
// groups hold, a flood adds one group, not the three its queue would fill.
import { ImpalaLoadReader } from '../../src/activities/impala/load-reader';
import { AutoscalerMetrics } from '../../src/observability/metrics';
import { detailsTable } from '../../src/workflows/details';
import { tickReport } from '../../src/workflows/sinks';
import type { PoolLimits } from '../../src/sim/admission-model';
import { clusterOptionsFor } from '../../src/sim/cluster';
import { startCoordinator, type CoordinatorServer } from '../../src/sim/coordinator';
import { InProcessMembership } from '../../src/sim/in-process-membership';
import { eventually, useTemporalServer } from '../support/temporal';
import { Harness, InProcessExecutorGroups, reasonLines, testSpec } from '../support/warehouse-harness';

const env = useTemporalServer();
const open: CoordinatorServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

async function flood(url: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${url}/queries`, { method: 'POST', body: JSON.stringify({ durationMs: 600_000 }) });
    expect(res.status).toBe(201);
  }
}

async function warehouse(name: string, maxRequests: number) {
  const base = testSpec({
    name,
    mode: 'aggressive',
    nodes: { min: 2, max: 8 },
    autoSuspend: { enabled: false, timeoutSeconds: 2 },
  });
  const groups = new InProcessExecutorGroups({ readyAfterMs: 500, drainMs: 200 });
  groups.preexisting(base.name, [0]);
  const limits: PoolLimits = { maxRequests, maxMemBytes: -1, maxQueued: -1 };
  const c = await startCoordinator({
    port: 0,
    ...clusterOptionsFor(base, new InProcessMembership(groups, base), limits),
  });
  open.push(c);
  await c.cluster.refreshMembership();
  const spec = { ...base, coordinators: [{ url: c.url }] };
  const reader = new ImpalaLoadReader({ timeoutMs: 2000 });
  const h = new Harness(env(), groups, (s) => reader.read(s));
  return { spec, groups, c, h };
}

describe("a queue held by the pool's own limit, through the workflow", () => {
  test('max_requests 10 with 12 slots a group: 30 queries queue, no group is added', async () => {
    const { spec, groups, c, h } = await warehouse('poolheld', 10);
    await flood(c.url, 30);
    expect(c.cluster.model.poolStats('root.default')).toMatchObject({ running: 10, queued: 20 });
    await h.startWorker();
    const handle = await h.start(spec);
    try {
      await eventually('eight ticks', async () => (await h.status(handle)).state.tick >= 8, 30000);
      const status = await h.status(handle);
      expect(reasonLines(status)).toContain(
        "needsScaleUp is false as the queue is held by the pool's own limit: number of running queries 10 is at or over limit 10.",
      );
      expect(groups.calls.filter((x) => x.op === 'create')).toEqual([]);
      expect(status.state.queueHeld).toBe(
        "the queue is held by the pool's own limit: number of running queries 10 is at or over limit 10.",
      );
      expect(status.state.target).toBe(1);
      // The Web UI's current details, the metric and warehouse status say it too.
      expect(detailsTable(spec, status.state, status.lastObservation, status.decisions)).toContain(
        "No executor group is added for the queue: the queue is held by the pool's own limit: number of running queries 10 is at or over limit 10.",
      );
      expect(detailsTable(spec, status.state, status.lastObservation, status.decisions)).toContain(
        '| 1 | 1 | 20 queued (pool-limit), 10 running |',
      );
      const last = status.decisions[status.decisions.length - 1];
      const metrics = new AutoscalerMetrics();
      metrics.tick(
        tickReport(spec, status.state, status.lastObservation!, {
          state: status.state,
          actions: [],
          reasons: last.reasons,
          rule: 'hold',
        }),
      );
      expect(await metrics.registry.metrics()).toContain(
        'impala_autoscaler_queue_held_by_pool_limit{warehouse="poolheld"} 1',
      );
    } finally {
      await h.close([handle]);
    }
  }, 90000);

  test('max_requests 20 with 12 slots a group: the flood adds one group (what 20 can use), not three', async () => {
    const { spec, groups, c, h } = await warehouse('poolcap', 20);
    await flood(c.url, 42);
    expect(c.cluster.model.poolStats('root.default')).toMatchObject({ running: 12, queued: 30 });
    await h.startWorker();
    const handle = await h.start(spec);
    try {
      await eventually(
        'the queue held by max_requests on two groups',
        async () => {
          const s = await h.status(handle);
          return s.state.current === 2 && s.state.queueHeld !== undefined && s;
        },
        30000,
      );
      await eventually('four more ticks', async () => (await h.status(handle)).state.tick >= 10, 30000);
      expect(groups.calls.filter((x) => x.op === 'create').map((x) => x.group)).toEqual(['impala-executor-001']);
      expect(c.cluster.model.poolStats('root.default')).toMatchObject({ running: 20, queued: 22 });
    } finally {
      await h.close([handle]);
    }
  }, 90000);
});
