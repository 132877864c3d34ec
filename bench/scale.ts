// npm run bench:scale -- --warehouses N [--duration-seconds 240] [--poll-seconds 20] [--workers 1|2|1,2]
//                        [--server dev|postgres|dev,postgres] [--repeat 3] [--json]
//
// N warehouse workflows at a poll interval on a fresh Temporal server and 1 or 2 worker processes, each warehouse with
// its own simulated load, measured for a bounded time after a warm-up that begins once every workflow has ticked;
// then the machine's ceiling: the bare loop (a no-op local activity and a timer) at the same N on a fresh server and
// the same workers. The server is the CLI's
// dev server (SQLite), or with --server postgres the production topology (temporal-server on PostgreSQL, set up as
// docker-compose.yml deploys it: src/devenv/postgres-stack.ts); --server dev,postgres measures both in one run. Prints
// a markdown table (stderr shows progress); with --json one object per server and worker count on stdout with the
// keys the README's scale figures quote, plus the server. The warehouse and the bare loop run alternately --repeat
// times (one run of each is not a figure): the table shows each run and the medians with their spread, and each run
// says how busy the machine was just before it started (other work skews a run; a busy start is flagged). The
// progress lines and the JSON split the first worker's CPU by thread (where a tick's cost goes: the workflow thread,
// the SDK core's runtime, the main thread's activities and sinks, V8's helpers).
//
// Experiments: --max-cached-workflows, --wft-slots, --la-slots, --wft-polls, --sticky-timeout-seconds override the
// worker's options (without them the worker is createWarehouseWorker exactly); --warmup-seconds; --no-bare skips the
// ceiling.
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { Command, InvalidArgumentError } from 'commander';
import { parseWarehouseSpec } from '../src/config/warehouse-spec';
import { startPostgresStack } from '../src/devenv/postgres-stack';
import { startDevServer } from '../src/devenv/temporal-dev-server';
import { workflowIdFor } from '../src/policy/names';
import { freePorts } from '../src/util/ports';
import { percentile } from '../src/util/stats';
import { warehouseWorkflow } from '../src/workflows/warehouse';
import { bundleWarehouseWorkflows } from '../src/worker';
import { bareLoopWorkflow } from './bare-loop-workflow';
import { idleTickEvents, type IdleTickEvents } from './idle-tick-events';
import { type StarvedWarehouse, starvedText, starvedWarehouses } from './starved-warehouses';

const int = (what: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new InvalidArgumentError(`${what} must be an integer ≥ ${min} (got "${v}")`);
  return n;
};

const program = new Command('bench:scale')
  .option('--warehouses <n>', 'warehouse workflows', int('--warehouses', 1), 500)
  .option('--duration-seconds <s>', 'measured time, after the warm-up', int('--duration-seconds', 10), 240)
  .option(
    '--warmup-seconds <s>',
    'warm-up once every workflow has ticked (default: max(60, 2 × poll))',
    int('--warmup-seconds', 0),
  )
  .option('--poll-seconds <s>', 'poll interval of every warehouse', int('--poll-seconds', 1), 20)
  .option(
    '--workers <list>',
    'worker processes: 1, 2, or 1,2 for both in one run',
    (v: string) => {
      const list = v.split(',').map(Number);
      if (list.some((n) => n !== 1 && n !== 2))
        throw new InvalidArgumentError(`--workers must be 1, 2 or 1,2 (got "${v}")`);
      return list;
    },
    [1],
  )
  .option(
    '--server <list>',
    "Temporal server: dev (the CLI's dev server on SQLite), postgres (temporal-server on PostgreSQL, as docker-compose.yml deploys it), or dev,postgres for both in one run",
    (v: string) => {
      const list = v.split(',');
      if (list.some((x) => x !== 'dev' && x !== 'postgres'))
        throw new InvalidArgumentError(`--server must be dev, postgres or dev,postgres (got "${v}")`);
      return list as ServerKind[];
    },
    ['dev'] as ServerKind[],
  )
  .option(
    '--json',
    'one JSON object per server and worker count on stdout (the keys the README quotes, plus the server)',
  )
  .option('--no-bare', 'skip the bare-loop ceiling')
  .option('--no-warehouse', 'run only the bare loop (experiments on the ceiling)')
  // With the default synchronous=FULL the dev server fsyncs every workflow task to its SQLite file, and that, not CPU,
  // caps the ceiling (bare loop, 2,500 at 20 s: 41 ticks/s with FULL, 88 with OFF, CPU idle in between). A production
  // Temporal cluster persists to Cassandra/PostgreSQL/MySQL, so the benchmark measures the loop, not this disk.
  .option('--sqlite-pragma <pragma...>', "the dev server's SQLite pragmas, PRAGMA=VALUE", ['synchronous=OFF'])
  .option(
    '--max-cached-workflows <n>',
    "each worker's workflow cache (default: --warehouses, so that none replays from an eviction)",
    int('--max-cached-workflows', 0),
  )
  .option('--wft-slots <n>', 'maxConcurrentWorkflowTaskExecutions override', int('--wft-slots', 2))
  .option('--la-slots <n>', 'maxConcurrentLocalActivityExecutions override', int('--la-slots', 1))
  .option('--wft-polls <n>', 'maxConcurrentWorkflowTaskPolls override', int('--wft-polls', 2))
  .option(
    '--sticky-timeout-seconds <n>',
    'stickyQueueScheduleToStartTimeout override: how long a task waits for its worker before any may take it',
    int('--sticky-timeout-seconds', 1),
  )
  .option(
    '--max-old-space-mb <n>',
    "worker processes' V8 heap limit (the SDK sizes its workflow cache from it)",
    int('--max-old-space-mb', 256),
  )
  .option('--cpu-prof <dir>', 'write V8 CPU profiles of the worker processes (every thread) to this directory')
  .option('--start-parallelism <n>', 'workflow starts in flight at once', int('--start-parallelism', 1), 32)
  .option('--repeat <n>', 'runs of the warehouse and the bare loop, alternately', int('--repeat', 1), 3);

type ServerKind = 'dev' | 'postgres';

/** The longest the warm-up waits for every workflow's first tick. */
const FIRST_TICK_BOUND_MS = 10 * 60_000;

interface Opts {
  warehouses: number;
  durationSeconds: number;
  warmupSeconds?: number;
  pollSeconds: number;
  workers: number[];
  server: ServerKind[];
  json?: boolean;
  bare: boolean;
  warehouse: boolean;
  sqlitePragma?: string[];
  maxCachedWorkflows?: number;
  wftSlots?: number;
  laSlots?: number;
  wftPolls?: number;
  stickyTimeoutSeconds?: number;
  maxOldSpaceMb?: number;
  startParallelism: number;
  cpuProf?: string;
  repeat: number;
}

const progress = (line: string) =>
  process.stderr.write(`[bench:scale ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

interface WorkerReport {
  lateness: number[];
  laQueue: number[];
  ticks: number;
  ticksBy: Record<string, number>;
  actionsBy: Record<string, number>;
  counts: Record<string, number>;
  wftScheduleToStart: number[];
  gauges: Record<string, number>;
  maxCachedWorkflows?: number;
  heapLimitMb: number;
}

interface ProcSample {
  cpuSeconds: number;
  rssBytes: number;
}

const CLK_TCK = 100;
/** User + system CPU seconds from a /proc stat file (a process's, or one thread's under task/). */
function statCpuSeconds(statPath: string): number {
  const stat = fs.readFileSync(statPath, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

function procSample(pid: number): ProcSample | undefined {
  try {
    const cpuSeconds = statCpuSeconds(`/proc/${pid}/stat`);
    const rss = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { cpuSeconds, rssBytes: rss ? Number(rss[1]) * 1024 : 0 };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of each thread of a process, by thread id. Node does not name its threads, so the split is by id: the
 * main thread (tid = pid), and the others by how busy they are — the workflow thread, V8's platform threads (its
 * concurrent garbage collection) and the SDK core's runtime.
 */
function threadCpu(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      try {
        out.set(Number(tid), statCpuSeconds(`/proc/${pid}/task/${tid}/stat`));
      } catch {
        // the thread ended
      }
    }
  } catch {
    // the process ended
  }
  return out;
}

/** Percent of one core per thread over `seconds`: the main thread first, then the others from the busiest. */
function threadPercents(pid: number, before: Map<number, number>, after: Map<number, number>, seconds: number) {
  const pct = (tid: number) => (100 * ((after.get(tid) ?? 0) - (before.get(tid) ?? 0))) / seconds;
  const others = [...after.keys()]
    .filter((t) => t !== pid)
    .map(pct)
    .sort((a, b) => b - a);
  return { main: pct(pid), others: others.filter((p) => p >= 0.5) };
}

/** The whole machine's busy CPU seconds (all processes, other engineers' included): context for the numbers. */
function machineCpuSeconds(): number {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
  const idle = line[3] + line[4];
  return (line.reduce((a, b) => a + b, 0) - idle) / CLK_TCK;
}

/** The dev server's pid: the process whose command line names our database file. */
function serverPid(dbFile: string): number | undefined {
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(dbFile)) return Number(d);
    } catch {
      // gone
    }
  }
  return undefined;
}

/** A process and its children (PostgreSQL's postmaster and its backends). */
function withChildren(pid: number): number[] {
  const children: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(d));
    } catch {
      // gone
    }
  }
  return [pid, ...children];
}

/** CPU seconds per pid now. */
const cpuOf = (pids: number[]) => new Map(pids.map((p) => [p, procSample(p)?.cpuSeconds ?? 0]));
/** CPU seconds the processes alive at the end used since `before` (a process started in between counts from zero). */
const cpuSince = (before: Map<number, number>, after: Map<number, number>) =>
  [...after].reduce((a, [pid, cpu]) => a + cpu - (before.get(pid) ?? 0), 0);

interface BenchServer {
  address: string;
  /** The Temporal server's processes, and the database's (none for the dev server: SQLite runs inside it). */
  pids(): { server: number[]; database: number[] };
  stop(): Promise<void>;
}

async function startServer(kind: ServerKind, o: Opts, dir: string): Promise<BenchServer> {
  if (kind === 'postgres') {
    const stack = await startPostgresStack({ log: progress });
    return {
      address: stack.address,
      pids: () => ({ server: [stack.serverPid()], database: withChildren(stack.postgresPid()) }),
      stop: () => stack.stop(),
    };
  }
  const [port, uiPort] = await freePorts(2);
  const dbFile = path.join(dir, 'temporal.db');
  progress(`starting the dev server (${dbFile})`);
  const server = await startDevServer({
    dbFile,
    port,
    uiPort,
    logFile: path.join(dir, 'server.log'),
    sqlitePragmas: o.sqlitePragma,
  });
  const pid = serverPid(dbFile);
  return {
    address: server.address,
    pids: () => ({ server: pid ? [pid] : [], database: [] }),
    stop: () => server.stop(),
  };
}

async function pool<T>(
  items: T[],
  parallel: number,
  fn: (item: T, i: number) => Promise<void>,
  label?: string,
): Promise<void> {
  let next = 0;
  let done = 0;
  const every = Math.max(1, Math.ceil(items.length / 10));
  await Promise.all(
    Array.from({ length: Math.min(parallel, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
        done += 1;
        if (label && (done % every === 0 || done === items.length)) progress(`${label}: ${done}/${items.length}`);
      }
    }),
  );
}

const quantile = (xs: number[], q: number) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    q * 100,
  );

/** The SDK's workflow-task schedule-to-start samples (ms): how many, p50 / p99 / max in seconds. */
function wftSummary(ms: number[]): string {
  const s = (q: number) => (quantile(ms, q) / 1000).toFixed(2);
  return `n ${ms.length}, p50 ${s(0.5)} / p99 ${s(0.99)} / max ${s(1)} s, over 10 s: ${ms.filter((x) => x > 10_000).length}`;
}

/** How busy the machine was just before a run: its CPU over 5 s (every process; 100 % = one core) and load average. */
interface MachineBefore {
  cpuPercent: number;
  loadAverage: number;
  /** More than a quarter of a core busy before the run started: its figures are suspect. */
  busy: boolean;
}

async function machineBefore(): Promise<MachineBefore> {
  const c0 = machineCpuSeconds();
  const t0 = Date.now();
  await sleep(5000);
  const cpuPercent = (100 * (machineCpuSeconds() - c0)) / ((Date.now() - t0) / 1000);
  return { cpuPercent, loadAverage: os.loadavg()[0], busy: cpuPercent > 25 };
}

export interface PhaseResult {
  server: ServerKind;
  run: number;
  before: MachineBefore;
  mode: 'warehouse' | 'bare';
  workers: number;
  warehouses: number;
  durationSeconds: number;
  lateness: { p50: number; p99: number; max: number };
  laQueueP99: number;
  ticksPerSecond: number;
  wantedTicksPerSecond: number;
  workerRssBytes: number;
  workerCpuPercent: number;
  /** The first worker's CPU by thread (threadPercents). */
  workerThreadCpuPercent: { main: number; others: number[] };
  serverCpuPercent: number;
  databaseCpuPercent: number;
  machineCpuPercent: number;
  eventsPerIdleTick: number;
  /** Event types an idle tick wrote beyond the bare loop's six, per tick (src: bench/idle-tick-events.ts). */
  idleTickExtra: IdleTickEvents['extra'];
  slowestWorkflowTasks: IdleTickEvents['slowestTasks'];
  historyBytesPerWarehouseHour: number;
  historyEventsPerWarehouseHour: number;
  workflowTasksPerSecond: number;
  wftScheduleToStartP99: number;
  stickyHits: number;
  stickyMisses: number;
  cacheSize: number;
  maxCachedWorkflows?: number;
  startSeconds: number;
  /** From the first start until every workflow had ticked once (or the bound): the start-up's backlog. */
  firstTicksSeconds: number;
  maxHistoryLength: number;
  /** Ticks each warehouse got in the window: the fewest, and the median (a starved warehouse shows as min ≪ median). */
  ticksPerWarehouse: { min: number; median: number };
  /** The 5 warehouses that ticked least: their histories over the window (bench/starved-warehouses.ts). */
  fewestTicks: StarvedWarehouse[];
}

async function runPhase(
  o: Opts,
  kind: ServerKind,
  mode: 'warehouse' | 'bare',
  workers: number,
  bundles: Record<'warehouse' | 'bare', string>,
  run: number,
): Promise<PhaseResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-scale-${mode}-`));
  const before = await machineBefore();
  progress(
    `${mode}, run ${run} of ${o.repeat}, ${workers} worker(s), ${o.warehouses} warehouses, ${kind} server; machine before: ` +
      `${before.cpuPercent.toFixed(0)} % CPU, load ${before.loadAverage.toFixed(2)}${before.busy ? ' (BUSY: figures suspect)' : ''}`,
  );
  let server: BenchServer | undefined;
  const children: ChildProcess[] = [];
  const pollMs = o.pollSeconds * 1000;
  try {
    server = await startServer(kind, o, dir);
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection });
    const taskQueue = `bench-${mode}`;
    const maxCachedWorkflows = o.maxCachedWorkflows ?? o.warehouses;
    const overrides = {
      ...(o.wftSlots !== undefined && { maxConcurrentWorkflowTaskExecutions: o.wftSlots }),
      ...(o.laSlots !== undefined && { maxConcurrentLocalActivityExecutions: o.laSlots }),
      ...(o.wftPolls !== undefined && { maxConcurrentWorkflowTaskPolls: o.wftPolls }),
      ...(o.stickyTimeoutSeconds !== undefined && { stickyQueueScheduleToStartTimeout: `${o.stickyTimeoutSeconds}s` }),
    };
    const reports: WorkerReport[] = [];
    const waiting = new Map<ChildProcess, (r: WorkerReport) => void>();
    /** Workflows that have ticked at least once, on any worker. */
    const ticked = new Set<string>();
    for (let i = 0; i < workers; i++) {
      const child = fork(
        path.join(__dirname, 'scale-worker-main.js'),
        [
          JSON.stringify({
            address: server.address,
            taskQueue,
            mode,
            bundlePath: bundles[mode],
            pollMs,
            maxCachedWorkflows,
            overrides,
          }),
        ],
        {
          execArgv: [
            ...(o.maxOldSpaceMb ? [`--max-old-space-size=${o.maxOldSpaceMb}`] : []),
            ...(o.cpuProf
              ? ['--cpu-prof', `--cpu-prof-dir=${path.join(path.resolve(o.cpuProf), `${mode}-${workers}w`)}`]
              : []),
          ],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        },
      );
      children.push(child);
      await new Promise<void>((resolve, reject) => {
        child.on('message', (m: { type: string; ids?: string[] } & WorkerReport) => {
          if (m.type === 'ready') resolve();
          if (m.type === 'ticked') for (const id of m.ids ?? []) ticked.add(id);
          if (m.type === 'report') waiting.get(child)?.(m);
        });
        child.once('exit', (code) => reject(new Error(`worker ${i + 1} exited (${code}) before it was ready`)));
      });
    }

    // Start N workflows, bounded parallelism, with progress.
    const ids = Array.from({ length: o.warehouses }, (_, i) => `wh-${String(i).padStart(5, '0')}`);
    const started = Date.now();
    await pool(
      ids,
      o.startParallelism,
      async (name) => {
        if (mode === 'bare') {
          await client.workflow.start(bareLoopWorkflow, { taskQueue, workflowId: `bare-${name}`, args: [pollMs] });
        } else {
          const spec = parseWarehouseSpec({
            name,
            namespace: 'impala',
            executorsPerGroup: 2,
            nodes: { min: 2, max: 6 },
            pollIntervalSeconds: o.pollSeconds,
            autoSuspend: { enabled: false },
          });
          await client.workflow.start(warehouseWorkflow, {
            taskQueue,
            workflowId: workflowIdFor(name),
            args: [{ spec }],
          });
        }
      },
      `started (${mode})`,
    );
    const startSeconds = (Date.now() - started) / 1000;
    // Started is not running: a saturated worker takes minutes to run every workflow's first tick (the warehouse's
    // first tick also validates its spec and captures its template), and a window opened before that counts the
    // start-up's backlog as late and starved ticks. So the warm-up begins once every workflow has ticked.
    const firstTickBound = Date.now() + FIRST_TICK_BOUND_MS;
    while (ticked.size < o.warehouses && Date.now() < firstTickBound) {
      await sleep(5000);
      progress(`first ticks: ${ticked.size}/${o.warehouses}`);
    }
    const notTicked = o.warehouses - ticked.size;
    if (notTicked)
      progress(
        `${notTicked} workflows had not ticked ${FIRST_TICK_BOUND_MS / 60000} min after the last start: measuring anyway`,
      );
    const firstTicksSeconds = (Date.now() - started) / 1000;
    const warmup = o.warmupSeconds ?? Math.max(60, 2 * o.pollSeconds);
    progress(
      `${o.warehouses} started in ${startSeconds.toFixed(1)} s, ticked in ${firstTicksSeconds.toFixed(1)} s; warming up ${warmup} s`,
    );
    await sleep(warmup * 1000);

    // History sample: the same workflows described at the start and the end of the window.
    const workflowId = (name: string) => (mode === 'bare' ? `bare-${name}` : workflowIdFor(name));
    const sample = ids.filter((_, i) => i % Math.max(1, Math.floor(ids.length / 200)) === 0).slice(0, 200);
    const describeAll = async () => {
      const out = new Map<string, { runId: string; length: number; size: number }>();
      await pool(sample, 16, async (name) => {
        const d = await client.workflow.getHandle(workflowId(name)).describe();
        out.set(name, { runId: d.runId, length: d.historyLength ?? 0, size: d.historySize ?? 0 });
      });
      return out;
    };
    const histBefore = await describeAll();

    const pids = children.map((c) => c.pid!);
    const cpu0 = pids.map((p) => procSample(p)?.cpuSeconds ?? 0);
    const threads0 = threadCpu(pids[0]);
    const pids0 = server.pids();
    const server0 = cpuOf(pids0.server);
    const database0 = cpuOf(pids0.database);
    const machine0 = machineCpuSeconds();
    for (const c of children) c.send({ type: 'mark' });
    const t0 = Date.now();
    let maxRss = 0;
    progress(`measuring ${o.durationSeconds} s`);
    const sampler = setInterval(() => {
      const rss = pids.map((p) => procSample(p)?.rssBytes ?? 0);
      maxRss = Math.max(maxRss, ...rss);
    }, 2000);
    const tick = setInterval(
      () => progress(`  ${Math.round((Date.now() - t0) / 1000)} / ${o.durationSeconds} s`),
      60000,
    );
    await sleep(o.durationSeconds * 1000);
    clearInterval(sampler);
    clearInterval(tick);
    const seconds = (Date.now() - t0) / 1000;
    const cpu1 = pids.map((p) => procSample(p)?.cpuSeconds ?? 0);
    const threads = threadPercents(pids[0], threads0, threadCpu(pids[0]), seconds);
    const pids1 = server.pids();
    const server1 = cpuOf(pids1.server);
    const database1 = cpuOf(pids1.database);
    const machine1 = machineCpuSeconds();
    for (const p of pids) maxRss = Math.max(maxRss, procSample(p)?.rssBytes ?? 0);
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            waiting.set(c, (r) => {
              reports.push(r);
              resolve();
            });
            c.send({ type: 'report' });
          }),
      ),
    );
    const histAfter = await describeAll();
    const window = { fromMs: t0, toMs: t0 + seconds * 1000 };
    const idle = await idleTickEvents(client, sample.slice(0, 40).map(workflowId), window);

    const ticksBy: Record<string, number> = {};
    const actionsBy: Record<string, number> = {};
    const sum = (k: string) => reports.reduce((a, r) => a + (r.counts[k] ?? 0), 0);
    for (const r of reports) {
      for (const [k, v] of Object.entries(r.ticksBy)) ticksBy[k] = (ticksBy[k] ?? 0) + v;
      for (const [k, v] of Object.entries(r.actionsBy)) actionsBy[k] = (actionsBy[k] ?? 0) + v;
    }
    let dEvents = 0;
    let dBytes = 0;
    let counted = 0;
    let maxHistoryLength = 0;
    for (const name of sample) {
      const a = histBefore.get(name);
      const b = histAfter.get(name);
      if (!a || !b) continue;
      maxHistoryLength = Math.max(maxHistoryLength, b.length);
      const t = ticksBy[workflowId(name)] ?? 0;
      if (a.runId !== b.runId || actionsBy[name] || t === 0) continue; // continued-as-new, or not idle, in the window
      dEvents += b.length - a.length;
      dBytes += b.size - a.size;
      counted += 1;
    }
    const hours = seconds / 3600;
    const lateness = reports.flatMap((r) => r.lateness).map((ms) => ms / 1000);
    const ticks = reports.reduce((a, r) => a + r.ticks, 0);
    const perWarehouse = ids.map((name) => ticksBy[workflowId(name)] ?? 0);
    const fewestTicks = await starvedWarehouses(
      client,
      [...ids]
        .sort((a, b) => (ticksBy[workflowId(a)] ?? 0) - (ticksBy[workflowId(b)] ?? 0))
        .slice(0, 5)
        .map(workflowId),
      window,
    );
    const result: PhaseResult = {
      server: kind,
      run,
      before,
      mode,
      workers,
      warehouses: o.warehouses,
      durationSeconds: Math.round(seconds),
      lateness: { p50: quantile(lateness, 0.5), p99: quantile(lateness, 0.99), max: quantile(lateness, 1) },
      laQueueP99:
        quantile(
          reports.flatMap((r) => r.laQueue),
          0.99,
        ) / 1000,
      ticksPerSecond: ticks / seconds,
      wantedTicksPerSecond: o.warehouses / o.pollSeconds,
      workerRssBytes: maxRss,
      workerCpuPercent: (100 * cpu1.reduce((a, c, i) => a + c - cpu0[i], 0)) / seconds,
      workerThreadCpuPercent: threads,
      serverCpuPercent: (100 * cpuSince(server0, server1)) / seconds,
      databaseCpuPercent: (100 * cpuSince(database0, database1)) / seconds,
      machineCpuPercent: (100 * (machine1 - machine0)) / seconds,
      eventsPerIdleTick: idle.perTick,
      idleTickExtra: idle.extra,
      slowestWorkflowTasks: idle.slowestTasks,
      historyBytesPerWarehouseHour: counted ? dBytes / counted / hours : 0,
      historyEventsPerWarehouseHour: counted ? dEvents / counted / hours : 0,
      workflowTasksPerSecond: sum('temporal_workflow_task_execution_latency') / seconds,
      wftScheduleToStartP99:
        quantile(
          reports.flatMap((r) => r.wftScheduleToStart),
          0.99,
        ) / 1000,
      stickyHits: sum('temporal_sticky_cache_hit'),
      stickyMisses: sum('temporal_sticky_cache_miss'),
      cacheSize: reports.reduce((a, r) => a + (r.gauges.temporal_sticky_cache_size ?? 0), 0),
      maxCachedWorkflows: reports[0]?.maxCachedWorkflows,
      startSeconds,
      firstTicksSeconds,
      maxHistoryLength,
      ticksPerWarehouse: { min: Math.min(...perWarehouse), median: quantile(perWarehouse, 0.5) },
      fewestTicks,
    };
    progress(
      `${mode}: ${result.ticksPerSecond.toFixed(1)} of ${result.wantedTicksPerSecond.toFixed(1)} ticks/s, lateness p99 ${result.lateness.p99.toFixed(2)} s, ` +
        `worker CPU ${result.workerCpuPercent.toFixed(0)} % (threads: main ${threads.main.toFixed(0)} %, others ${threads.others.map((p) => p.toFixed(0)).join(' ')} %), server CPU ${result.serverCpuPercent.toFixed(0)} %, database CPU ${result.databaseCpuPercent.toFixed(0)} %, machine ${result.machineCpuPercent.toFixed(0)} %; ` +
        `WFT schedule→start (SDK metric) ${wftSummary(reports.flatMap((r) => r.wftScheduleToStart))}; ` +
        `slowest workflow tasks in the sampled histories (schedule→start, after): ${result.slowestWorkflowTasks.map((w) => `${w.waitSeconds.toFixed(1)} s ${w.sticky ? 'sticky ' : ''}${w.cause}`).join(', ') || 'none'}`,
    );
    // A starved warehouse (min ≪ median): what its history says it waited on.
    if (result.ticksPerWarehouse.min < result.ticksPerWarehouse.median / 2)
      for (const s of fewestTicks) progress(`  fewest ticks: ${starvedText(s)}`);
    await connection.close();
    return result;
  } finally {
    for (const c of children) {
      if (c.exitCode === null) {
        c.send({ type: 'stop' });
        const gone = new Promise((r) => c.once('exit', r));
        const t = setTimeout(() => c.kill('SIGKILL'), 15000);
        await gone;
        clearTimeout(t);
      }
    }
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One run: the warehouse and the bare loop measured one after the other on the same server and workers. */
interface Pair {
  ours?: PhaseResult;
  bare?: PhaseResult;
}

const median = (xs: number[]) => quantile(xs, 0.5);
const ratioOf = (p: Pair) => (p.ours && p.bare ? p.ours.ticksPerSecond / p.bare.ticksPerSecond : undefined);

function runJson(p: Pair) {
  const { ours, bare } = p;
  return {
    run: (ours ?? bare)!.run,
    ticksPerSecond: ours ? round(ours.ticksPerSecond) : null,
    bareLoopTicksPerSecond: bare ? round(bare.ticksPerSecond) : null,
    ratio: ratioOf(p) === undefined ? null : round(ratioOf(p)!),
    lateness: ours?.lateness ?? null,
    bareLoopLateness: bare?.lateness ?? null,
    wftScheduleToStartP99: ours ? round(ours.wftScheduleToStartP99) : null,
    bareLoopWftScheduleToStartP99: bare ? round(bare.wftScheduleToStartP99) : null,
    eventsPerIdleTick: ours ? round(ours.eventsPerIdleTick) : null,
    workerRssBytes: ours?.workerRssBytes ?? null,
    workerCpuPercent: ours ? round(ours.workerCpuPercent) : null,
    bareLoopWorkerCpuPercent: bare ? round(bare.workerCpuPercent) : null,
    workerThreadCpuPercent: ours?.workerThreadCpuPercent ?? null,
    bareLoopWorkerThreadCpuPercent: bare?.workerThreadCpuPercent ?? null,
    serverCpuPercent: ours ? round(ours.serverCpuPercent) : null,
    bareLoopServerCpuPercent: bare ? round(bare.serverCpuPercent) : null,
    historyBytesPerWarehouseHour: ours ? round(ours.historyBytesPerWarehouseHour) : null,
    bareLoopHistoryBytesPerWarehouseHour: bare ? round(bare.historyBytesPerWarehouseHour) : null,
    ticksPerWarehouse: ours?.ticksPerWarehouse ?? null,
    machineBefore: { warehouse: ours?.before ?? null, bareLoop: bare?.before ?? null },
  };
}

/** The README's keys, as medians over the runs, with every run beside them. */
function jsonOf(pairs: Pair[]) {
  const first = (pairs[0].ours ?? pairs[0].bare)!;
  const ours = pairs.flatMap((p) => (p.ours ? [p.ours] : []));
  const bare = pairs.flatMap((p) => (p.bare ? [p.bare] : []));
  const ratios = pairs.flatMap((p) => (ratioOf(p) === undefined ? [] : [ratioOf(p)!]));
  const med = (rs: PhaseResult[], f: (r: PhaseResult) => number) => (rs.length ? round(median(rs.map(f))) : null);
  return {
    server: first.server,
    warehouses: first.warehouses,
    workers: first.workers,
    durationSeconds: first.durationSeconds,
    runs: pairs.length,
    lateness: ours.length
      ? {
          p50: med(ours, (r) => r.lateness.p50),
          p99: med(ours, (r) => r.lateness.p99),
          max: med(ours, (r) => r.lateness.max),
        }
      : null,
    ticksPerSecond: med(ours, (r) => r.ticksPerSecond),
    wantedTicksPerSecond: round(first.wantedTicksPerSecond),
    bareLoopTicksPerSecond: med(bare, (r) => r.ticksPerSecond),
    ratio: ratios.length ? round(median(ratios)) : null,
    ratioSpread: ratios.length ? [round(Math.min(...ratios)), round(Math.max(...ratios))] : null,
    bareLoopLatenessP99: med(bare, (r) => r.lateness.p99),
    wftScheduleToStartP99: med(ours, (r) => r.wftScheduleToStartP99),
    bareLoopWftScheduleToStartP99: med(bare, (r) => r.wftScheduleToStartP99),
    workerRssBytes: ours.length ? Math.max(...ours.map((r) => r.workerRssBytes)) : null,
    eventsPerIdleTick: med(ours, (r) => r.eventsPerIdleTick),
    historyBytesPerWarehouseHour: med(ours, (r) => r.historyBytesPerWarehouseHour),
    workflowTasksPerSecond: med(ours, (r) => r.workflowTasksPerSecond),
    busyRuns: pairs.filter((p) => p.ours?.before.busy || p.bare?.before.busy).length,
    each: pairs.map(runJson),
  };
}

const round = (x: number) => Math.round(x * 100) / 100;
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

function table(groups: Pair[][]): string {
  const head = [
    'server',
    'warehouses',
    'workers',
    'run',
    'machine before',
    'ticks/s (wanted)',
    'vs bare loop',
    'lateness p50 / p99 / max (s)',
    'ticks per warehouse min / median',
    'LA queue p99 (s)',
    'WFT sched→start p99 (s)',
    'WFT/s',
    'worker CPU',
    'server CPU',
    'database CPU',
    'machine CPU',
    'worker RSS (max)',
    'events/idle tick',
    'history events / bytes per warehouse-hour',
    'sticky hit / miss',
    'cache (max)',
  ];
  const line = (r: PhaseResult, ratio: string) => [
    r.server === 'postgres' ? 'temporal-server + PostgreSQL' : 'dev server (SQLite)',
    String(r.warehouses),
    String(r.workers),
    `${r.run}: ${r.mode === 'bare' ? 'bare loop' : 'warehouse'}`,
    `${r.before.cpuPercent.toFixed(0)} %${r.before.busy ? ' BUSY' : ''}`,
    `${r.ticksPerSecond.toFixed(1)} (${r.wantedTicksPerSecond.toFixed(1)})`,
    ratio,
    `${r.lateness.p50.toFixed(2)} / ${r.lateness.p99.toFixed(2)} / ${r.lateness.max.toFixed(2)}`,
    `${r.ticksPerWarehouse.min} / ${r.ticksPerWarehouse.median}`,
    r.laQueueP99.toFixed(2),
    r.wftScheduleToStartP99.toFixed(2),
    r.workflowTasksPerSecond.toFixed(1),
    `${r.workerCpuPercent.toFixed(0)} %`,
    `${r.serverCpuPercent.toFixed(0)} %`,
    r.server === 'postgres' ? `${r.databaseCpuPercent.toFixed(0)} %` : 'in server',
    `${r.machineCpuPercent.toFixed(0)} %`,
    mib(r.workerRssBytes),
    [
      r.eventsPerIdleTick.toFixed(2),
      ...Object.entries(r.idleTickExtra).map(([t, n]) => `${t} ${n > 0 ? '+' : ''}${n}`),
    ].join('; '),
    `${r.historyEventsPerWarehouseHour.toFixed(0)} / ${(r.historyBytesPerWarehouseHour / 1024).toFixed(1)} KiB`,
    `${r.stickyHits} / ${r.stickyMisses}`,
    `${r.cacheSize} (${r.maxCachedWorkflows ?? '?'})`,
  ];
  const pct = (x: number) => `${(100 * x).toFixed(0)} %`;
  const out = [head, head.map(() => '---')];
  for (const pairs of groups) {
    for (const p of pairs) {
      if (p.ours) out.push(line(p.ours, ratioOf(p) === undefined ? '-' : pct(ratioOf(p)!)));
      if (p.bare) out.push(line(p.bare, '100 %'));
    }
    const ratios = pairs.flatMap((p) => (ratioOf(p) === undefined ? [] : [ratioOf(p)!]));
    if (pairs.length > 1 && ratios.length) {
      const j = jsonOf(pairs);
      const blank = head.map(() => '');
      blank[0] = `**median of ${pairs.length}**`;
      blank[5] = `${j.ticksPerSecond} (${j.wantedTicksPerSecond}); bare ${j.bareLoopTicksPerSecond}`;
      blank[6] = `**${pct(median(ratios))}** (${pct(Math.min(...ratios))}–${pct(Math.max(...ratios))})`;
      blank[7] = `p99 ${j.lateness?.p99} (bare ${j.bareLoopLatenessP99})`;
      blank[10] = `${j.wftScheduleToStartP99} (bare ${j.bareLoopWftScheduleToStartP99})`;
      blank[17] = String(j.eventsPerIdleTick);
      out.push(blank);
    }
  }
  return out.map((r) => `| ${r.join(' | ')} |`).join('\n');
}

async function main(): Promise<void> {
  program.parse(process.argv);
  const o = program.opts<Opts>();
  progress('bundling the workflows');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-scale-bundles-'));
  const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} };
  const bundles = { warehouse: path.join(dir, 'warehouse.js'), bare: path.join(dir, 'bare.js') };
  fs.writeFileSync(bundles.warehouse, (await bundleWarehouseWorkflows(quiet)).code);
  fs.writeFileSync(
    bundles.bare,
    (await bundleWorkflowCode({ workflowsPath: require.resolve('./bare-loop-workflow'), logger: quiet })).code,
  );
  const groups: Pair[][] = [];
  try {
    for (const kind of o.server) {
      for (const workers of o.workers) {
        const pairs: Pair[] = [];
        for (let run = 1; run <= o.repeat; run++) {
          const ours = o.warehouse ? await runPhase(o, kind, 'warehouse', workers, bundles, run) : undefined;
          const bare = o.bare ? await runPhase(o, kind, 'bare', workers, bundles, run) : undefined;
          pairs.push({ ours, bare });
        }
        groups.push(pairs);
        if (o.json) process.stdout.write(`${JSON.stringify(jsonOf(pairs))}\n`);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const md = [
    `### bench:scale — ${o.warehouses} warehouses, poll ${o.pollSeconds} s, ${o.durationSeconds} s measured, ${o.repeat} run(s) of each (${os.cpus().length} cores)`,
    '',
    table(groups),
    '',
    'Lateness: tick start (the local activity) minus (previous tick end + poll interval). Machine CPU counts every process (other work on the machine too); 100 % = one core. Machine before: its CPU in the 5 s before the run (BUSY above 25 %: other work skews that run).',
    `The dev server runs SQLite inside itself (--sqlite-pragma ${(o.sqlitePragma ?? []).join(' ') || 'none'}); PostgreSQL keeps its defaults (fsync and synchronous commit on), as in production.`,
  ].join('\n');
  if (o.json) process.stderr.write(`${md}\n`);
  else process.stdout.write(`${md}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
