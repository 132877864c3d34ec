// Chaos, the fleet: two warehouses under one fleet capacity limit on the real local Kubernetes control plane, each
// with the coordinator simulator admitting queries on its Ready pods, while the worker process running the fleet and
// both warehouses is killed with kill -9 at random points. A watch on both namespaces counts the executors of every
// StatefulSet from ADDED to DELETED: the limit is never passed, and once the low-priority warehouse's load is gone the
// other gets its capacity — no grant was lost or counted twice. Prints one `CHAOS` summary line; CHAOS_SEED replays.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type KubeConfig, Watch, type V1StatefulSet } from '@kubernetes/client-node';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { MANAGED_BY, MANAGER } from '../../src/activities/kubernetes/labels';
import { startDevServer, type DevServer } from '../../src/devenv/temporal-dev-server';
import type { FleetSpec } from '../../src/policy/fleet';
import { fleetWorkflowIdFor, workflowIdFor } from '../../src/policy/names';
import { freePorts } from '../../src/util/ports';
import { fleetStatusQuery, fleetWorkflow } from '../../src/workflows/fleet';
import { statusQuery, warehouseWorkflow } from '../../src/workflows/warehouse';
import { useLocalCluster } from '../support/local-cluster';
import { eventually } from '../support/temporal';
import {
  chaosCase,
  chaosSeed,
  counterProblems,
  DecisionLog,
  duplicatesOver,
  orphansBetween,
  rng,
  sleep,
} from './support/chaos';
import { buildWorker, type BuiltWorker, WorkerPool } from './support/worker-process';
import { startWorld, type World } from './support/world';

const SEED = chaosSeed();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chaos-fleet-'));
const LIMIT = 8;
const PER_GROUP = 2;
const KILLS = 12;

let dev: DevServer | undefined;
let connection: Connection | undefined;
let client: Client | undefined;
let built: BuiltWorker | undefined;
const worlds: World[] = [];
let workers: WorkerPool | undefined;

afterAll(async () => {
  await workers?.close();
  await Promise.all(worlds.map((w) => w.close()));
  await connection?.close();
  await dev?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);
const cluster = useLocalCluster({ podReadyDelayMs: 1000 });

beforeAll(async () => {
  const ports = await freePorts(2);
  [dev, built] = await Promise.all([
    startDevServer({
      dbFile: path.join(dir, 'temporal.db'),
      port: ports[0],
      uiPort: ports[1],
      logFile: path.join(dir, 'temporal.log'),
    }),
    buildWorker(dir),
  ]);
  connection = await Connection.connect({ address: dev.address });
  client = new Client({ connection });
}, 120_000);

/**
 * The executors of every managed StatefulSet in the namespaces, from ADDED to DELETED (a deleting group's pods still
 * run): after every event, the sum over all namespaces; `peak` is its highest. Re-lists after a watch ends.
 */
class ExecutorWatch {
  readonly live = new Map<string, Set<string>>();
  peak = 0;
  peakAt = '';
  private stopped = false;
  private readonly requests: { abort(): void }[] = [];

  constructor(
    private readonly kc: KubeConfig,
    private readonly namespaces: string[],
  ) {}

  async start(): Promise<void> {
    for (const ns of this.namespaces) await this.watch(ns);
  }

  private note(): void {
    const total = [...this.live.values()].reduce((a, s) => a + s.size, 0) * PER_GROUP;
    if (total > this.peak) {
      this.peak = total;
      this.peakAt = [...this.live.entries()].map(([ns, s]) => `${ns}: ${[...s].sort().join(' ')}`).join('; ');
    }
  }

  private async watch(ns: string): Promise<void> {
    if (this.stopped) return;
    const names = this.live.get(ns) ?? new Set<string>();
    this.live.set(ns, names);
    const req = await new Watch(this.kc).watch(
      `/apis/apps/v1/namespaces/${ns}/statefulsets`,
      { labelSelector: `${MANAGED_BY}=${MANAGER}` },
      (type: string, obj: V1StatefulSet) => {
        const name = obj.metadata?.name ?? '?';
        if (type === 'ADDED') names.add(name);
        if (type === 'DELETED') names.delete(name);
        this.note();
      },
      () => {
        if (!this.stopped) setTimeout(() => void this.watch(ns).catch(() => undefined), 200);
      },
    );
    this.requests.push(req);
  }

  stop(): void {
    this.stopped = true;
    for (const r of this.requests) r.abort();
  }
}

/** `12 (1..12)`: the ticks read, and the first and last of them (consecutive, as counterProblems checked). */
function tickRange(log: DecisionLog): string {
  const t = log.ticks();
  return `${t.length} (${t[0]?.tick}..${t[t.length - 1]?.tick})`;
}

test('kill -9 of the worker running a fleet and its two warehouses: the fleet limit holds, no capacity is lost', async () => {
  await chaosCase('fleet limit, worker kill -9', SEED, async (say) => {
    const r = rng(SEED, 'fleet');
    fs.copyFileSync(cluster().kubeconfigPath, path.join(dir, 'kubeconfig'));
    const fleetName = 'chaos';
    const overrides = {
      scaleDownDelaySeconds: 2,
      autoSuspend: { enabled: false, timeoutSeconds: 300 },
      fleet: fleetName,
    };
    const sales = await startWorld(cluster(), 'fsales', overrides);
    worlds.push(sales);
    const etl = await startWorld(cluster(), 'fetl', overrides);
    worlds.push(etl);
    const watch = new ExecutorWatch(cluster().kubeConfig(), [sales.spec.namespace, etl.spec.namespace]);
    await watch.start();
    workers = new WorkerPool({
      built: built!,
      prefix: 'fleet',
      address: dev!.address,
      taskQueue: 'chaos-fleet',
      kubeconfigPath: path.join(dir, 'kubeconfig'),
      stickyQueueScheduleToStartTimeoutMs: 1000,
      impalaTimeoutMs: 1000,
    });
    let current = await workers.start();
    const fleet: FleetSpec = { name: fleetName, maxExecutors: LIMIT, priorities: { fsales: 10, fetl: 1 } };
    const start = { taskQueue: 'chaos-fleet', workflowTaskTimeout: '2s' as const };
    const handles: WorkflowHandle[] = [
      await client!.workflow.start(fleetWorkflow, {
        ...start,
        workflowId: fleetWorkflowIdFor(fleetName),
        args: [{ spec: fleet }],
      }),
    ];
    for (const w of [sales, etl])
      handles.push(
        await client!.workflow.start(warehouseWorkflow, {
          ...start,
          workflowId: workflowIdFor(w.spec.name),
          args: [{ spec: w.spec }],
        }),
      );
    const status = (w: World) =>
      connection!.withDeadline(Date.now() + 3000, () =>
        client!.workflow.getHandle<typeof warehouseWorkflow>(workflowIdFor(w.spec.name)).query(statusQuery),
      );
    const logs = new Map([sales, etl].map((w) => [w, new DecisionLog()]));
    let collecting = true;
    const collector = (async () => {
      while (collecting) {
        for (const [w, log] of logs)
          await status(w)
            .then((s) => log.add(s))
            .catch(() => undefined);
        await sleep(400);
      }
    })();

    const kills: string[] = [];
    let phase = 'start';
    let killing = true;
    // Each kill lands 0–2 ticks of both warehouses after the new worker took over, at a random point of the tick: the
    // sequence moves on between kills whatever the machine's speed.
    const lastTicks = () => [...logs.values()].map((l) => l.ticks().pop()?.tick ?? 0);
    const killer = (async () => {
      while (killing && kills.length < KILLS) {
        const from = lastTicks();
        const ticks = Math.floor(r.between(0, 3));
        await eventually(
          `${ticks} ticks of both warehouses on the new worker`,
          async () => !killing || lastTicks().every((t, i) => t >= from[i] + ticks),
          120_000,
          50,
        );
        await sleep(r.between(0, 1000));
        if (!killing) break;
        await current.kill9();
        const open = current.inFlight();
        kills.push(`${phase}${open ? `(in ${open.op} ${open.index})` : ''}`);
        current = await workers!.start();
      }
    })();
    const live = async (w: World) => (await w.live()).filter((g) => g.ready).length;
    try {
      // etl first: its queue wants the 2 groups more it may have (6 executors), 4 are free: it takes them.
      phase = 'etl-up';
      etl.submit(30, 45_000);
      await eventually('etl at 3 ready groups', async () => (await live(etl)) === 3, 120_000, 250);
      // sales' queue wants 2 groups more; the fleet is full: it waits, whatever the kills.
      phase = 'sales-waits';
      sales.submit(30, 300_000);
      await eventually(
        'sales waiting on the fleet',
        async () =>
          logs
            .get(sales)!
            .all()
            .some((d) =>
              d.reasons.some((x) => x.startsWith('needsScaleUp is true but the fleet limit of 8 executors')),
            ),
        60_000,
        250,
      );
      // etl's queries end and it scales down: the capacity it releases goes to sales.
      phase = 'handover';
      await eventually(
        'sales at 3 ready groups and etl back at 1',
        async () => (await live(sales)) === 3 && (await etl.live()).length === 1,
        180_000,
        250,
      );
      killing = false;
      await killer;
      phase = 'settled';
      const fleetStatus = await eventually(
        'the fleet counting exactly what runs',
        async () => {
          const s = await connection!.withDeadline(Date.now() + 3000, () => handles[0].query(fleetStatusQuery));
          return s.used === LIMIT && s.held.fsales === 6 && s.held.fetl === 2 ? s : undefined;
        },
        60_000,
        500,
      );
      collecting = false;
      await collector;
      // The last worker may still be replaying both histories: each query is retried until it answers, and until the
      // warehouse has observed what Kubernetes shows (a group that just became Ready is pending until its next tick).
      const finals = await Promise.all(
        [sales, etl].map((w) =>
          eventually(
            `the status of ${w.spec.name}, settled on its ready groups`,
            async () => {
              const s = await status(w);
              return s && s.state.pending.length === 0 && s.state.current === (await live(w)) ? s : undefined;
            },
            30_000,
            500,
          ),
        ),
      );
      for (const [w, log] of logs) {
        log.add(finals[w === sales ? 0 : 1]);
        const problems = counterProblems(log.ticks());
        if (problems.length)
          throw new Error(`${w.spec.name}: counters or ticks restarted:\n  ${problems.join('\n  ')}`);
      }
      let duplicates = 0;
      let orphans = 0;
      const details: string[] = [];
      for (const [i, w] of [sales, etl].entries()) {
        const decided = logs.get(w)!.addsDecided();
        const expected = { ...decided, 'impala-executor-000': (decided['impala-executor-000'] ?? 0) + 1 };
        duplicates += duplicatesOver(w.recorder.creations(), expected);
        const o = orphansBetween(await w.recorder.snapshot(), finals[i]);
        orphans += o.count;
        details.push(`${w.spec.name}: creations ${JSON.stringify(w.recorder.creations())}, orphans ${o.detail}`);
      }
      say(details.join('; '));
      say(`kills: ${kills.join(', ')}; peak at ${watch.peakAt}`);
      expect({ peakExecutors: watch.peak }).toEqual({ peakExecutors: LIMIT });
      expect(fleetStatus.waiting.map((x) => x.warehouse)).not.toContain('fetl');
      return {
        faults: kills.length,
        restarts: kills.length,
        groupsCreated: sales.recorder.total() + etl.recorder.total() - 2,
        duplicates,
        orphans,
        extra: `fleet limit ${LIMIT} executors, peak ${watch.peak}, fleet counts ${JSON.stringify(fleetStatus.held)}, ticks ${[sales, etl].map((w) => tickRange(logs.get(w)!)).join(' and ')}`,
      };
    } catch (err) {
      for (const [w, log] of logs)
        say(
          `${w.spec.name} last decisions:\n${log
            .all()
            .slice(-5)
            .map((d) => `  tick ${d.tick}: ${[...d.reasons, ...d.actions].join(' | ')}`)
            .join('\n')}`,
        );
      say(
        `peak ${watch.peak} at ${watch.peakAt}; kills ${kills.join(', ')}; worker output ${current.output().slice(-2000)}`,
      );
      throw err;
    } finally {
      killing = false;
      collecting = false;
      await killer.catch(() => undefined);
      await collector.catch(() => undefined);
      watch.stop();
      for (const h of handles)
        await connection!.withDeadline(Date.now() + 5000, () => h.terminate('case over')).catch(() => undefined);
    }
  });
}, 420_000);
