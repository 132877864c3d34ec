// One worker process of bench:scale (forked by bench/scale.ts, so that its RSS and CPU can be read from /proc). Mode
// `warehouse`: the production worker as `worker` runs it (createWarehouseWorker, its Prometheus sinks, and its pino
// logger at info, writing to /dev/null) with a cheap simulated load per warehouse; mode `bare`: the bare loop, with
// the same logger. Measures, per tick, the lateness: when the tick's local activity starts, against when the tick was
// due — the previous tick's local activity end plus the poll interval (the loop's timer starts right after that end,
// so any slack before the timer starts counts as lateness too). Counts workflow tasks from the SDK's own metrics.
import fs from 'node:fs';
import { Context } from '@temporalio/activity';
import { MetricsBuffer, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../src/activities';
import type { ExecutorGroups, GroupListing, LoadResult } from '../src/activities/interfaces';
import { InProcessLoadReader } from '../src/activities/in-process';
import { createLogger, PinoTemporalLogger } from '../src/observability/logger';
import { AutoscalerMetrics } from '../src/observability/metrics';
import { groupName } from '../src/policy/names';
import type { WarehouseSpec } from '../src/policy/types';
import { createWarehouseWorker, withSteadyLines } from '../src/worker';

interface Args {
  address: string;
  taskQueue: string;
  mode: 'warehouse' | 'bare';
  bundlePath: string;
  pollMs: number;
  maxCachedWorkflows: number;
  /** Worker option overrides (experiments); none: the production worker exactly. */
  overrides: Partial<
    Pick<
      WorkerOptions,
      | 'maxConcurrentWorkflowTaskExecutions'
      | 'maxConcurrentLocalActivityExecutions'
      | 'maxConcurrentWorkflowTaskPolls'
      | 'stickyQueueScheduleToStartTimeout'
    >
  >;
}

const args = JSON.parse(process.argv[2]) as Args;

// Measurement state: reset by `mark`, sent by `report`.
let measuring = false;
let lateness: number[] = [];
let laQueue: number[] = [];
let ticks = 0;
const ticksBy = new Map<string, number>();
const actionsBy = new Map<string, number>();
const counts = new Map<string, number>();
const wftScheduleToStart: number[] = [];
const lastEnd = new Map<string, number>();
let gauges: Record<string, number> = {};

/** Workflows that have ticked since the worker started, and those not yet sent to bench/scale.ts (its warm-up). */
const everTicked = new Set<string>();
let newlyTicked: string[] = [];

function tickStarted(): void {
  const info = Context.current().info;
  const id = info.workflowExecution?.workflowId ?? '?';
  const now = Date.now();
  const prev = lastEnd.get(id);
  if (!everTicked.has(id)) {
    everTicked.add(id);
    newlyTicked.push(id);
  }
  if (!measuring) return;
  ticks += 1;
  ticksBy.set(id, (ticksBy.get(id) ?? 0) + 1);
  if (prev !== undefined) lateness.push(Math.max(0, now - (prev + args.pollMs)));
  laQueue.push(Math.max(0, now - info.currentAttemptScheduledTimestampMs));
}

function tickEnded(): void {
  lastEnd.set(Context.current().info.workflowExecution?.workflowId ?? '?', Date.now());
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * Each warehouse's own load: 1–6 queries running (varying per warehouse and every minute), none queued — within one
 * group's 12 slots, so every tick is an idle tick (no scaling), and the groups stay the one it has. Stateless, so that
 * with two workers a warehouse sees the same cluster whichever worker runs its tick.
 */
function load(spec: WarehouseSpec): LoadResult {
  const h = hash(spec.name);
  const running = 1 + ((h + Math.floor(Date.now() / 60000)) % 6);
  return {
    ok: true,
    load: {
      queued: 0,
      running,
      memReservedBytes: running * 2 ** 30,
      queuedQueryMemBytes: [],
      healthyGroups: 1,
      runningByGroup: { [`${spec.groupSet}-group-000`]: running },
      warnings: [],
    },
  };
}

const groups: ExecutorGroups = {
  async list(): Promise<GroupListing> {
    tickStarted();
    return { groups: [{ name: groupName(0), index: 0, ready: true, deleting: false }], takenIndexes: [] };
  },
  async captureTemplate(spec) {
    return {
      manifest: null,
      revision: 'bench',
      source: `bench:scale (no template; executorTemplate ${spec.executorTemplate})`,
      capturedAt: new Date().toISOString(),
    };
  },
  async create(spec) {
    actionsBy.set(spec.name, (actionsBy.get(spec.name) ?? 0) + 1);
  },
  async delete(spec) {
    actionsBy.set(spec.name, (actionsBy.get(spec.name) ?? 0) + 1);
  },
};
const loadReader = new InProcessLoadReader((spec) => {
  const r = load(spec);
  tickEnded();
  return r;
});

async function main(): Promise<void> {
  const buffer = new MetricsBuffer({ maxBufferSize: 200000, useSecondsForDurations: false });
  // Every line the worker would print is formatted, then dropped: the cost of logging counts, a terminal does not.
  const log = createLogger({ level: 'info', pretty: false, destination: fs.createWriteStream('/dev/null') });
  Runtime.install({ logger: new PinoTemporalLogger(log), telemetryOptions: { metrics: { buffer } } });
  setInterval(() => {
    for (const u of buffer.retrieveUpdates()) {
      const name = u.metric.name;
      if (u.metric.kind === 'gauge') {
        gauges[name] = u.value;
        continue;
      }
      if (!measuring) continue;
      counts.set(name, (counts.get(name) ?? 0) + (u.metric.kind === 'histogram' ? 1 : u.value));
      if (name === 'temporal_workflow_task_schedule_to_start_latency') wftScheduleToStart.push(u.value);
    }
  }, 250).unref();

  const connection = await NativeConnection.connect({ address: args.address });
  const bundle = { codePath: args.bundlePath };
  let worker: Worker;
  if (args.mode === 'bare') {
    worker = await Worker.create({
      connection,
      taskQueue: args.taskQueue,
      workflowBundle: bundle,
      activities: {
        async noop() {
          tickStarted();
          tickEnded();
        },
      },
      maxCachedWorkflows: args.maxCachedWorkflows,
      ...args.overrides,
    });
  } else if (Object.keys(args.overrides).length === 0) {
    worker = await createWarehouseWorker({
      connection,
      taskQueue: args.taskQueue,
      workflowBundle: bundle,
      deps: { loadReader, executorGroups: groups },
      sinks: new AutoscalerMetrics().sinks(),
      maxCachedWorkflows: args.maxCachedWorkflows,
    });
  } else {
    // As createWarehouseWorker, plus the options under test.
    worker = await Worker.create({
      connection,
      namespace: 'default',
      taskQueue: args.taskQueue,
      workflowBundle: bundle,
      activities: createActivities({ loadReader, executorGroups: groups }),
      sinks: withSteadyLines(new AutoscalerMetrics().sinks()),
      maxCachedWorkflows: args.maxCachedWorkflows,
      ...args.overrides,
    });
  }
  process.on('message', (m: { type: string }) => {
    if (m.type === 'mark') {
      measuring = true;
      lateness = [];
      laQueue = [];
      ticks = 0;
      ticksBy.clear();
      actionsBy.clear();
      counts.clear();
      wftScheduleToStart.length = 0;
    } else if (m.type === 'report') {
      measuring = false;
      process.send!({
        type: 'report',
        lateness,
        laQueue,
        ticks,
        ticksBy: Object.fromEntries(ticksBy),
        actionsBy: Object.fromEntries(actionsBy),
        counts: Object.fromEntries(counts),
        wftScheduleToStart,
        gauges,
        maxCachedWorkflows: (worker.options as { maxCachedWorkflows?: number }).maxCachedWorkflows,
        heapLimitMb: Math.round(require('node:v8').getHeapStatistics().heap_size_limit / 2 ** 20),
      });
    } else if (m.type === 'stop') {
      worker.shutdown();
    }
  });
  setInterval(() => {
    if (!newlyTicked.length) return;
    process.send!({ type: 'ticked', ids: newlyTicked });
    newlyTicked = [];
  }, 1000).unref();
  const running = worker.run();
  process.send!({ type: 'ready' });
  await running;
  await connection.close();
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
