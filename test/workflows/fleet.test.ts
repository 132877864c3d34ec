// The fleet capacity limit end to end on a real dev server: `applyWarehouses` starts the fleet workflow and two
// warehouses of one file, each reading its own coordinator simulator over HTTP with the real Impala reader, their
// groups in-process. Every group's life (create → delete + drain) is kept, so the executors running at every instant
// are counted exactly, not sampled: the limit is never passed, the decision log says why a scale-up waits, and
// capacity freed by a raised limit goes to the waiting warehouse of higher priority first.
import type { WorkflowHandle } from '@temporalio/client';
import { ImpalaLoadReader } from '../../src/activities/impala/load-reader';
import type { ConnectedClient } from '../../src/client/connection';
import { applyWarehouses } from '../../src/client/commands/warehouse/apply';
import { fleetLine, fleetStatusLines, fleetStatusOf } from '../../src/client/commands/warehouse/fleet';
import { AutoscalerMetrics } from '../../src/observability/metrics';
import type { FleetSpec } from '../../src/policy/fleet';
import { fleetWorkflowIdFor, workflowIdFor } from '../../src/policy/names';
import type { WarehouseSpec } from '../../src/policy/types';
import { clusterOptionsFor } from '../../src/sim/cluster';
import { startCoordinator, type CoordinatorServer } from '../../src/sim/coordinator';
import { InProcessMembership } from '../../src/sim/in-process-membership';
import { fleetStatusQuery } from '../../src/workflows/fleet';
import { statusQuery, type warehouseWorkflow } from '../../src/workflows/warehouse';
import { eventually, replayAndRecord, useTemporalServer } from '../support/temporal';
import { Harness, InProcessExecutorGroups, reasonLines, testSpec } from '../support/warehouse-harness';

const env = useTemporalServer();
const DRAIN_MS = 200;
const open: CoordinatorServer[] = [];
afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
});

/** The most executors that ran at once over [fromMs, toMs): each group from its create until its delete has drained. */
export function peakExecutors(groups: InProcessExecutorGroups, perGroup: number, fromMs: number, toMs: number): number {
  const alive = new Map<string, number>();
  const edges: { at: number; d: number }[] = [];
  for (const c of groups.calls) {
    const key = `${c.warehouse}/${c.group}`;
    if (c.op === 'create') {
      alive.set(key, c.at);
      edges.push({ at: c.at, d: perGroup });
    } else {
      alive.delete(key);
      edges.push({ at: c.at + DRAIN_MS, d: -perGroup });
    }
  }
  let now = 2 * perGroup; // the pre-existing group 000 of each warehouse
  let peak = now;
  for (const e of edges.sort((a, b) => a.at - b.at || a.d - b.d)) {
    now += e.d;
    if (e.at >= fromMs && e.at < toMs) peak = Math.max(peak, now);
  }
  return peak;
}

test('two warehouses under one fleet limit: never above it, the wait says why, freed capacity goes by priority', async () => {
  const groups = new InProcessExecutorGroups({ readyAfterMs: 500, drainMs: DRAIN_MS });
  const reader = new ImpalaLoadReader({ timeoutMs: 2000 });
  const h = new Harness(env(), groups, (s) => reader.read(s));
  const specs: WarehouseSpec[] = [];
  for (const name of ['sales', 'etl']) {
    const base = testSpec({
      name,
      mode: 'aggressive',
      nodes: { min: 2, max: 8 },
      autoSuspend: { enabled: false, timeoutSeconds: 2 },
    });
    groups.preexisting(name, [0]);
    const c = await startCoordinator({ port: 0, ...clusterOptionsFor(base, new InProcessMembership(groups, base)) });
    open.push(c);
    await c.cluster.refreshMembership();
    specs.push({ ...base, coordinators: [{ url: c.url }], fleet: 'main' });
  }
  const [sales, etl] = open;
  const fleet: FleetSpec = { name: 'main', maxExecutors: 8, priorities: { sales: 10, etl: 1 } };
  const client: ConnectedClient = {
    client: env().client,
    connection: env().connection,
    target: {
      address: env().address,
      namespace: 'default',
      tls: false,
      connectTimeoutMs: 5000,
      describe: 'dev server',
    },
    close: async () => undefined,
  };
  const apply = (f: FleetSpec) =>
    applyWarehouses(client, specs, { taskQueue: h.taskQueue, timeoutSeconds: 30, fleet: f });
  const handle = (name: string) => env().client.workflow.getHandle<typeof warehouseWorkflow>(workflowIdFor(name));
  const fleetHandle = env().client.workflow.getHandle(fleetWorkflowIdFor('main'));
  const live = async (name: string) => (await groups.list({ ...specs[0], name })).groups.filter((g) => !g.deleting);
  const submit = (c: CoordinatorServer, n: number) => {
    for (let i = 0; i < n; i++) c.cluster.submit({ durationMs: 600_000, coordinator: c.name });
  };

  const metrics = new AutoscalerMetrics();
  await h.startWorker('worker-1', metrics.sinks());
  const handles: WorkflowHandle[] = [];
  try {
    expect((await apply(fleet)).map((r) => [r.name, r.result])).toEqual([
      ['fleet main', 'created'],
      ['sales', 'created'],
      ['etl', 'created'],
    ]);
    handles.push(handle('sales'), handle('etl'), fleetHandle);
    // etl's flood wants 3 more groups (aggressive); 4 of the 8 executors are free: it gets 2 and waits for the third.
    submit(etl, 48);
    await eventually('etl at 3 groups', async () => (await live('etl')).length === 3, 30_000);
    submit(sales, 48);
    await eventually(
      'sales waiting on the fleet',
      async () => (await handle('sales').query(statusQuery)).fleet?.waiting !== undefined,
      30_000,
    );
    const salesStatus = await handle('sales').query(statusQuery);
    expect(reasonLines(salesStatus)).toContain(
      'needsScaleUp is true but the fleet limit of 8 executors is reached (sales 2, etl 6).',
    );
    // warehouse status and the metric say it too.
    expect(fleetLine(salesStatus.fleet!)).toMatch(
      /^Fleet main \(workflow fleet-main\): counts groups 000 for this warehouse; waiting since tick \d+: the fleet limit of 8 executors is reached \(sales 2, etl 6\)$/,
    );
    expect(await metrics.registry.metrics()).toContain('impala_autoscaler_fleet_waiting{warehouse="sales"} 1');
    expect(reasonLines(await handle('etl').query(statusQuery))).toContain(
      'needsScaleUp is true but the fleet limit of 8 executors is reached (sales 2, etl 6): adding 2 of the 3 executor groups wanted.',
    );
    // Several more ticks of both waiting: nothing more is added.
    const tick = (await handle('sales').query(statusQuery)).state.tick;
    await eventually(
      '3 more ticks',
      async () => (await handle('sales').query(statusQuery)).state.tick >= tick + 3,
      20_000,
    );
    expect((await live('sales')).length + (await live('etl')).length).toBe(4);
    const raisedAt = Date.now();
    expect(peakExecutors(groups, 2, 0, raisedAt)).toBeLessThanOrEqual(8);

    // The limit raised to 12: 4 executors free, both wait; sales, of higher priority, gets them although etl waited
    // longer, and etl is told they are kept for sales.
    const etlAddsBefore = groups.calls.filter((c) => c.warehouse === 'etl' && c.op === 'create').length;
    expect((await apply({ ...fleet, maxExecutors: 12 }))[0]).toMatchObject({
      name: 'fleet main',
      result: 'updated',
      changes: ['maxExecutors: 8 → 12'],
    });
    await eventually('sales at 3 groups', async () => (await live('sales')).length === 3, 30_000);
    const etlTick = (await handle('etl').query(statusQuery)).state.tick;
    await eventually(
      '3 more etl ticks',
      async () => (await handle('etl').query(statusQuery)).state.tick >= etlTick + 3,
      20_000,
    );
    expect(groups.calls.filter((c) => c.warehouse === 'etl' && c.op === 'create').length).toBe(etlAddsBefore);
    // What etl's ticks after the raise say depends on which loop ticks first: before sales has taken the 4 executors,
    // they are kept for sales; after, the limit is reached. Either way etl waits on the fleet, and says so.
    expect(reasonLines(await handle('etl').query(statusQuery))).toContainEqual(
      expect.stringMatching(
        /^needsScaleUp is true but the fleet limit of 12 executors (leaves \d+ executors free, kept for sales \(priority 10, \d+ executors\) waiting first \(sales \d+, etl 6\)|is reached \(sales 6, etl 6\))\.$/,
      ),
    );
    expect(peakExecutors(groups, 2, 0, Date.now())).toBeLessThanOrEqual(12);
    const status = await fleetHandle.query(fleetStatusQuery);
    expect(status).toMatchObject({ used: 12, held: { sales: 6, etl: 6 } });
    expect(status.waiting.map((w) => w.warehouse).sort()).toEqual(['etl', 'sales']);
    // `warehouse fleet main` says the same: the limit, then each warehouse by priority, with what it waits for.
    const fleetLines = fleetStatusLines(await fleetStatusOf(client, 'main', 10));
    expect(fleetLines).toEqual([
      'Fleet main (workflow fleet-main): 12 of 12 executors in use; 2 waiting for capacity',
      expect.stringMatching(/^WAREHOUSE +PRIORITY +EXECUTORS +GROUPS +WAITING FOR$/),
      expect.stringMatching(/^sales +10 +6 +\d{3}, \d{3}, \d{3} +\d+ more executors, since \S+Z$/),
      expect.stringMatching(/^etl +1 +6 +\d{3}, \d{3}, \d{3} +\d+ more executors, since \S+Z$/),
    ]);
    await expect(fleetStatusOf(client, 'nope', 10)).rejects.toThrow(
      'no fleet nope is running (workflow fleet-nope): `warehouse apply -f FILE` starts it from a warehouses file whose fleet: section is named nope',
    );
    // Applying the same file again changes nothing.
    expect((await apply({ ...fleet, maxExecutors: 12 }))[0].result).toBe('unchanged');
    // Both sides replay on the current code (RECORD_HISTORIES=1 keeps them for test/workflows/replay.test.ts).
    await replayAndRecord(env(), handle('sales'), 'fleet-warehouse');
    await replayAndRecord(env(), fleetHandle, 'fleet');
  } finally {
    for (const x of handles) await x.terminate('test over').catch(() => undefined);
    await h.stopWorker();
  }
}, 180_000);
