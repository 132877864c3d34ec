// Chaos, part 1: the processes die. Real worker processes (kill -9), two workers sharing a task queue, and the
// Temporal dev server stopped and restarted on its database file — on the real local Kubernetes control plane with
// the coordinator simulator admitting queries on the warehouse's Ready pods. Every case prints one `CHAOS` summary
// line; CHAOS_SEED=<n> replays a run's random choices.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { startDevServer, type DevServer } from '../../src/devenv/temporal-dev-server';
import { workflowIdFor } from '../../src/policy/names';
import { freePorts } from '../../src/util/ports';
import { DECISIONS_KEPT, statusQuery, warehouseWorkflow, type WarehouseStatus } from '../../src/workflows/warehouse';
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
  settledAt,
  sleep,
} from './support/chaos';
import { buildWorker, type BuiltWorker, WorkerPool, type WorkerProcess } from './support/worker-process';
import { startWorld, type World } from './support/world';

const SEED = chaosSeed();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chaos-processes-'));
/** A dead worker's sticky queue holds a workflow task this long before another worker may take it (SDK default 10 s). */
const STICKY_MS = 1000;
/** Per workflow run: a worker killed while it holds a workflow task delays that task this long (server default 10 s). */
const WORKFLOW_TASK_TIMEOUT = '2s';

let dev: DevServer | undefined;
let devPorts: number[] = [];
let connection: Connection | undefined;
let client: Client | undefined;
let built: BuiltWorker | undefined;
const pools: WorkerPool[] = [];
const worlds: World[] = [];
const handles: WorkflowHandle[] = [];

// Before the cluster's hooks (jest runs afterAll hooks in order): workers and watches stop before the servers.
afterAll(async () => {
  for (const h of handles) await bounded(5000, () => h.terminate('chaos test over')).catch(() => undefined);
  await Promise.all(pools.map((p) => p.close()));
  await Promise.all(worlds.map((w) => w.close()));
  await connection?.close();
  await dev?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);
const cluster = useLocalCluster({ podReadyDelayMs: 1000 });

const startDev = () =>
  startDevServer({
    dbFile: path.join(dir, 'temporal.db'),
    port: devPorts[0],
    uiPort: devPorts[1],
    logFile: path.join(dir, 'temporal.log'),
  });

beforeAll(async () => {
  devPorts = await freePorts(2);
  [dev, built] = await Promise.all([startDev(), buildWorker(dir)]);
  connection = await Connection.connect({ address: dev.address });
  client = new Client({ connection });
}, 120_000);

function pool(prefix: string): WorkerPool {
  const p = new WorkerPool({
    built: built!,
    prefix,
    address: dev!.address,
    taskQueue: `chaos-${prefix}`,
    kubeconfigPath: path.join(dir, 'kubeconfig'),
    stickyQueueScheduleToStartTimeoutMs: STICKY_MS,
    impalaTimeoutMs: 1000,
  });
  pools.push(p);
  return p;
}

async function world(name: string, overrides: Record<string, unknown> = {}): Promise<World> {
  fs.copyFileSync(cluster().kubeconfigPath, path.join(dir, 'kubeconfig'));
  const w = await startWorld(cluster(), name, overrides);
  worlds.push(w);
  return w;
}

async function startWarehouse(w: World, taskQueue: string): Promise<WorkflowHandle<typeof warehouseWorkflow>> {
  const h = await client!.workflow.start(warehouseWorkflow, {
    taskQueue,
    workflowId: workflowIdFor(w.spec.name),
    args: [{ spec: w.spec }],
    workflowTaskTimeout: WORKFLOW_TASK_TIMEOUT,
  });
  handles.push(h);
  return h;
}

/** A client call with a deadline: a call still retrying when the connection closes would throw from a timer. */
const bounded = <T>(ms: number, fn: () => Promise<T>): Promise<T> => connection!.withDeadline(Date.now() + ms, fn);
const status = (h: WorkflowHandle<typeof warehouseWorkflow>) => bounded(3000, () => h.query(statusQuery));

/** Reads the status in the background (it fails while no worker runs) and merges its decisions into one log. */
function collect(h: WorkflowHandle<typeof warehouseWorkflow>, log: DecisionLog): { stop(): Promise<void> } {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await status(h)
        .then((s) => log.add(s))
        .catch(() => undefined);
      await sleep(400);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

const settledStatus = (h: WorkflowHandle<typeof warehouseWorkflow>, n: number, log: DecisionLog, timeoutMs: number) =>
  settledAt(() => status(h), n, log, timeoutMs, 300);

/**
 * Every StatefulSet ever created against every add the workflow decided, plus 000 (created before it started): a
 * creation beyond that is a duplicate, a decided add not created was lost to a fault.
 */
async function creationsAgainstDecisions(w: World, log: DecisionLog, final: WarehouseStatus) {
  const listed = await w.recorder.snapshot();
  const creations = w.recorder.creations();
  const decided = log.addsDecided();
  const expected = { ...decided, 'impala-executor-000': (decided['impala-executor-000'] ?? 0) + 1 };
  return {
    listed,
    orphans: orphansBetween(listed, final),
    creations,
    decided,
    expected,
    duplicates: duplicatesOver(creations, expected),
  };
}

function checkCounters(log: DecisionLog): void {
  const problems = counterProblems(log.ticks());
  if (problems.length) throw new Error(`counters or ticks restarted:\n  ${problems.join('\n  ')}`);
}

test('kill -9 of the worker process at 20 random points of scale-up → scale-down → suspend → resume', async () => {
  await chaosCase('worker kill -9 ×20', SEED, async (say) => {
    const r = rng(SEED, 'kill');
    const w = await world('kill');
    const workers = pool('kill');
    let current: WorkerProcess = await workers.start();
    const h = await startWarehouse(w, 'chaos-kill');
    const log = new DecisionLog();
    const collector = collect(h, log);
    let phase = 'start';
    const kills: { phase: string; inFlight?: string; downMs: number }[] = [];
    const KILLS = 20;
    const deadline = Date.now() + 150_000;

    let stopKilling = false;
    const lastTick = () => log.ticks().pop()?.tick ?? 0;
    // Each kill lands 0–2 ticks after the new worker took over, at a random point of the tick: the sequence moves on
    // between kills whatever the machine's speed, and a kill before the first tick hits a takeover (replay) itself.
    const killer = (async () => {
      while (kills.length < KILLS && !stopKilling) {
        if (Date.now() > deadline) throw new Error(`only ${kills.length} of ${KILLS} kills before the deadline`);
        const ticksToWait = Math.floor(r.between(0, 3));
        const from = lastTick();
        await eventually(
          `${ticksToWait} ticks on the new worker`,
          async () => stopKilling || lastTick() >= from + ticksToWait,
          Math.max(1000, deadline - Date.now()),
          50,
        );
        await sleep(r.between(0, 1000));
        if (stopKilling) break;
        const at = Date.now();
        await current.kill9();
        const open = current.inFlight();
        current = await workers.start();
        kills.push({
          phase,
          inFlight: open && `${open.op} ${String(open.index).padStart(3, '0')}`,
          downMs: Date.now() - at,
        });
      }
    })();
    // A failed killer must fail the case at once, not after the sequence's own timeouts.
    let killerFailed: unknown;
    killer.catch((err) => (killerFailed = err));
    const step = async (name: string, what: string, check: () => Promise<boolean>) => {
      phase = name;
      await eventually(
        what,
        async () => {
          if (killerFailed) throw killerFailed;
          return check();
        },
        Math.max(1000, deadline - Date.now()),
        250,
      );
      say(`${name} done after ${kills.length} kills`);
    };

    try {
      // Queries long enough that group 000 alone cannot clear them before the scale-up lands, even on a loaded machine
      // where every worker restart is slow (the simulator's queries run in real time, the loop does not).
      w.submit(30, 12_000);
      await step('scale-up', '3 ready groups and an empty queue', async () => {
        const live = await w.live();
        return live.length === 3 && live.every((g) => g.ready) && w.queued() === 0;
      });
      await step('scale-down', 'back to 1 group', async () => (await w.live()).length === 1);
      // Gone from the cluster and from Impala's membership: a query submitted now is queued, not sent to a draining group.
      await step(
        'suspend',
        'suspended: 0 groups',
        async () => (await w.recorder.snapshot()).length === 0 && w.coordinator.cluster.memberGroups().length === 0,
      );
      // Long queries: the warehouse stays resumed (not suspended again) until the case ends.
      w.submit(4, 300_000);
      await step('resume', '1 ready group running the queries', async () => {
        const live = await w.live();
        return live.length === 1 && live[0].ready && w.queued() === 0;
      });
      phase = 'steady';
      await killer;
      const final = await settledStatus(h, 1, log, 60_000);
      await collector.stop();

      checkCounters(log);
      // The decision log is complete (checkCounters: ticks 1..N without a gap).
      const { listed, orphans, creations, decided, expected, duplicates } = await creationsAgainstDecisions(
        w,
        log,
        final,
      );
      say(
        `creations ${JSON.stringify(creations)}; adds decided ${JSON.stringify(decided)}; orphans: ${orphans.detail}`,
      );
      say(`kills: ${kills.map((k) => `${k.phase}${k.inFlight ? `(in ${k.inFlight})` : ''}`).join(', ')}`);
      expect(listed.filter((g) => !g.deleting).map((g) => g.name)).toEqual(['impala-executor-000']);
      // And every decided add was carried out: none lost to a kill.
      expect(creations).toEqual(expected);
      expect(log.ticks().length).toBeGreaterThan(10);
      const downs = kills.map((k) => k.downMs).sort((a, b) => a - b);
      const byPhase = kills.reduce<Record<string, number>>((m, k) => ((m[k.phase] = (m[k.phase] ?? 0) + 1), m), {});
      return {
        faults: kills.length,
        restarts: kills.length,
        groupsCreated: w.recorder.total() - 1,
        duplicates,
        orphans: orphans.count,
        extra: `ticks ${log.ticks().length} (1..${final.state.tick}, none lost), kills by phase ${JSON.stringify(byPhase)}, mid-activity ${kills.filter((k) => k.inFlight).length}, worker down p50 ${downs[downs.length >> 1]} ms`,
      };
    } catch (err) {
      say(`last decisions:\n${log.tail(6)}`);
      say(
        `current worker ${current.name} output: ${current.output().slice(-3000)}; k8s events: ${JSON.stringify(current.events.filter((e) => e.event === 'k8s').slice(-6))}`,
      );
      say(await w.report());
      throw err;
    } finally {
      stopKilling = true;
      await collector.stop();
      await killer.catch(() => undefined);
      await bounded(5000, () => h.terminate('case over')).catch(() => undefined);
      await workers.close();
    }
  });
}, 300_000);

/** The identity of the worker that completed the workflow's last workflow task (the one holding it in its cache). */
async function lastWorkflowTaskWorker(h: WorkflowHandle<typeof warehouseWorkflow>): Promise<string | undefined> {
  const history = await bounded(5000, () => h.fetchHistory());
  const done = (history.events ?? []).filter((e) => e.workflowTaskCompletedEventAttributes);
  return done[done.length - 1]?.workflowTaskCompletedEventAttributes?.identity ?? undefined;
}

test('two workers on one task queue, one killed mid-sequence: the other carries on within one tick', async () => {
  await chaosCase('two workers, one killed', SEED, async (say) => {
    const r = rng(SEED, 'duo');
    const poll = 3;
    const w = await world('duo', {
      pollIntervalSeconds: poll,
      scaleDownDelaySeconds: 2,
      autoSuspend: { enabled: false, timeoutSeconds: 300 },
    });
    const workers = pool('duo');
    const both = [await workers.start(), await workers.start()];
    const h = await startWarehouse(w, 'chaos-duo');
    const log = new DecisionLog();
    const collector = collect(h, log);
    try {
      w.submit(30, 12_000);
      await eventually(
        'the scale-up to start',
        async () => {
          const s = await status(h);
          log.add(s);
          return s.state.target > 1;
        },
        30_000,
        100,
      );
      // Between two ticks, at a random point of the sleep: the kill is of a worker, not of a tick in flight.
      const seen = log.ticks().length;
      await eventually('the next tick', async () => log.ticks().length > seen, 10_000, 50);
      await sleep(r.between(100, poll * 1000 - 600));
      const holder = await lastWorkflowTaskWorker(h);
      const victim = both.find((x) => x.name === holder) ?? both[0];
      const survivor = both.find((x) => x !== victim)!;
      const killedAt = Date.now();
      await victim.kill9();
      say(`killed ${victim.name} (it completed the last workflow task); ${survivor.name} remains`);
      await eventually(
        '3 ready groups and an empty queue',
        async () => {
          const live = await w.live();
          return live.length === 3 && live.every((g) => g.ready) && w.queued() === 0;
        },
        60_000,
        250,
      );
      await eventually('back to 1 group', async () => (await w.live()).length === 1, 60_000, 250);
      const final = await settledStatus(h, 1, log, 30_000);
      await collector.stop();
      checkCounters(log);

      const ticks = log.ticks().map((d) => ({ tick: d.tick, at: Date.parse(d.at) }));
      const before = ticks.filter((t) => t.at <= killedAt).pop();
      const after = ticks.find((t) => t.at > killedAt);
      if (!before || !after)
        throw new Error(`no ticks around the kill at ${new Date(killedAt).toISOString()}: ${JSON.stringify(ticks)}`);
      const gapMs = after.at - before.at;
      const lastHolder = await lastWorkflowTaskWorker(h);
      const { orphans, creations, expected, duplicates } = await creationsAgainstDecisions(w, log, final);
      say(
        `ticks ${before.tick} → ${after.tick} ${gapMs} ms apart across the kill (poll ${poll} s, sticky timeout ${STICKY_MS} ms); last workflow task by ${lastHolder}`,
      );
      expect(after.tick).toBe(before.tick + 1);
      // Due poll seconds after the last one; at most one tick late.
      expect(gapMs).toBeLessThanOrEqual(2 * poll * 1000);
      expect(lastHolder).toBe(survivor.name);
      expect(creations).toEqual(expected);
      return {
        faults: 1,
        restarts: 0,
        groupsCreated: w.recorder.total() - 1,
        duplicates,
        orphans: orphans.count,
        extra: `tick gap across the kill ${gapMs} ms (poll ${poll * 1000} ms, sticky timeout ${STICKY_MS} ms)`,
      };
    } finally {
      await collector.stop();
      await bounded(5000, () => h.terminate('case over')).catch(() => undefined);
      await workers.close();
    }
  });
}, 180_000);

test('the Temporal dev server stopped and restarted on its database file mid-sequence', async () => {
  await chaosCase('Temporal server restart', SEED, async (say) => {
    const r = rng(SEED, 'server');
    const downTicks = 8;
    const w = await world('srv', {
      scaleDownDelaySeconds: downTicks,
      autoSuspend: { enabled: false, timeoutSeconds: 300 },
    });
    const workers = pool('srv');
    await workers.start();
    const h = await startWarehouse(w, 'chaos-srv');
    const log = new DecisionLog();
    try {
      // As in the kill case: queries long enough that group 000 alone cannot clear them before the scale-up lands, or
      // a slow first tick on a loaded machine finds an empty queue and the warehouse never reaches 3 groups.
      w.submit(30, 12_000);
      await eventually(
        '3 ready groups and an empty queue',
        async () => {
          log.add(await status(h));
          const live = await w.live();
          return live.length === 3 && live.every((g) => g.ready) && w.queued() === 0;
        },
        60_000,
        250,
      );
      const at = 2 + Math.floor(r.between(0, 4));
      const before = await eventually(
        `the scale-down delay at ${at} of ${downTicks} ticks`,
        async () => {
          const s = await status(h);
          log.add(s);
          return s.state.counters.down >= at ? s : undefined;
        },
        60_000,
        100,
      );
      const downForMs = Math.round(r.between(500, 3000));
      const t0 = Date.now();
      await dev!.stop();
      await sleep(downForMs);
      dev = await startDev();
      say(
        `server down ${Date.now() - t0} ms (scale-down counter ${before.state.counters.down}, tick ${before.state.tick})`,
      );
      const after = await eventually(
        'a tick after the restart',
        async () => {
          const s = await status(h);
          log.add(s);
          return s.state.tick > before.state.tick ? s : undefined;
        },
        60_000,
        200,
      );
      say(
        `first status after the restart: tick ${after.state.tick}, scale-down counter ${after.state.counters.down}, ${Date.now() - t0} ms after the stop`,
      );
      await eventually(
        'back to 1 group',
        async () => {
          log.add(await status(h));
          return (await w.live()).length === 1;
        },
        60_000,
        300,
      );
      const final = await settledStatus(h, 1, log, 30_000);
      checkCounters(log);
      // Nothing recorded before the stop is missing after it: the first status after the restart holds the records
      // read before the stop, unchanged and in order, up to the DECISIONS_KEPT it keeps.
      const last = before.decisions[before.decisions.length - 1];
      const lastAt = after.decisions.findIndex((d) => d.tick === last.tick && d.at === last.at);
      const newer = after.decisions.length - (lastAt + 1);
      expect({ lastRecordBeforeTheStopFound: lastAt >= 0 }).toEqual({ lastRecordBeforeTheStopFound: true });
      expect(after.decisions.slice(0, lastAt + 1)).toEqual(
        before.decisions.slice(-Math.min(before.decisions.length, DECISIONS_KEPT - newer)),
      );
      // The scale-down delay carried on across the restart: the groups went at the tick the counter read before the
      // stop predicts (the delay's last tick removes them), not a whole delay after the restart.
      const removal = log
        .all()
        .find((d) => d.tick > before.state.tick && d.actions.some((a) => a.startsWith('remove ')));
      expect({ removalTick: removal?.tick }).toEqual({
        removalTick: before.state.tick + downTicks + 1 - before.state.counters.down,
      });
      const { orphans, creations, expected, duplicates } = await creationsAgainstDecisions(w, log, final);
      expect(creations).toEqual(expected);
      return {
        faults: 1,
        restarts: 1,
        groupsCreated: w.recorder.total() - 1,
        duplicates,
        orphans: orphans.count,
        extra: `server down ${downForMs} ms at scale-down counter ${before.state.counters.down}/${downTicks}; ticks ${log.ticks().length} continuous`,
      };
    } catch (err) {
      say(`last decisions:\n${log.tail(8)}`);
      say(await w.report());
      throw err;
    } finally {
      await bounded(5000, () => h.terminate('case over')).catch(() => undefined);
      await workers.close();
    }
  });
}, 180_000);
