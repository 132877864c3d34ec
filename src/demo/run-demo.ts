// `impala-autoscaler demo`: the seed scenario for real — a Temporal dev server, the Impala coordinator simulator,
// the worker and one warehouse workflow. 4 large queries on 1 group (1 running, 3 queued) → groups added (balanced:
// both at once, sized by the queue; conservative: one per decision, as the seed system did) → queue drains → groups
// removed, busy ones last → suspend → one more query resumes it at once. With `groupSets`, a warehouse of a small and a
// large executor group set: a burst of small queries resumes and scales the small set, one large query resumes the
// large set, each on its own queue, and both suspend once idle.
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type LogEntry } from '@temporalio/worker';
import { InProcessExecutorGroups } from '../activities/in-process';
import type { ExecutorGroups } from '../activities/interfaces';
import { ImpalaLoadReader } from '../activities/impala/load-reader';
import { parseWarehouseSpec } from '../config/warehouse-spec';
import { setSpecs } from '../policy/group-sets';
import { workflowIdFor } from '../policy/names';
import type { WarehouseSpec } from '../policy/types';

/** The modes the demo runs: its shortened delays make aggressive behave as balanced, so it is left out. */
export const DEMO_MODES = ['balanced', 'conservative'] as const;
export type DemoMode = (typeof DEMO_MODES)[number];
import { groupSetOptionsFor } from '../sim/cluster';
import { startCoordinator, type QueryView } from '../sim/coordinator';
import { InProcessMembership } from '../sim/in-process-membership';
import type { Membership } from '../sim/membership';
import { createWarehouseWorker } from '../worker';
import { statusQuery, warehouseWorkflow, type WarehouseStatus } from '../workflows/warehouse';
import { startDemoServer, type DemoServerKind } from './demo-server';
import { summarize, type DemoSummary } from './summary';

export interface DemoOptions {
  keepRunning: boolean;
  /** balanced (the default) sizes each scale-up by the queue; conservative is the seed system's rule, one group at a time. */
  mode?: DemoMode;
  dataDir: string;
  /** Groups on Kubernetes (a local control plane) instead of in-process. */
  kubernetes?: {
    namespace: string;
    executorTemplate: string;
    groups: ExecutorGroups;
    membership: (spec: WarehouseSpec) => Membership;
    describe: string;
  };
  /** A warehouse of two executor group sets (DEMO_GROUP_SETS) and the mixed scenario instead of the seed's. */
  groupSets?: boolean;
  /** The Temporal server (src/demo/demo-server.ts); default the dev server. */
  server?: DemoServerKind;
  out?: (line: string) => void;
  status?: (line: string) => void;
}

/** Delays shortened so the whole scenario runs in about a minute; production defaults are in the README's Configuration table. */
export const DEMO_SPEC = {
  name: 'demo',
  namespace: 'impala-demo',
  executorsPerGroup: 2,
  nodes: { min: 2, max: 6 },
  queriesPerGroup: 12,
  executorMemoryMb: 16384,
  mode: 'balanced',
  pollIntervalSeconds: 2,
  scaleUpDelaySeconds: 2,
  scaleDownDelaySeconds: 10,
  autoSuspend: { enabled: true, timeoutSeconds: 10 },
  scaleUpTimeoutSeconds: 120,
} as const;

const QUERY = { memMb: 10240, durationMs: 15000 };

/** The two sets of `demo --group-sets`: small groups for small queries, large groups for those over 4 GiB an executor. */
export const DEMO_GROUP_SETS = [
  { groupSet: 'root.small', executorsPerGroup: 1, nodes: { min: 0, max: 3 }, queriesPerGroup: 4, maxQueryMemMb: 4096 },
  { groupSet: 'root.large', executorsPerGroup: 4, nodes: { min: 0, max: 8 }, queriesPerGroup: 2 },
];
const BI_QUERY = { memMb: 512, durationMs: 10000 };
const ETL_QUERY = { memMb: 10240, durationMs: 20000 };

export async function runDemo(o: DemoOptions): Promise<DemoSummary> {
  const out = o.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const started = Date.now();
  // On a terminal the live status line sits on stderr's last line: clear it before each log line.
  const clear = process.stderr.isTTY ? () => process.stderr.write('\r\x1b[K') : () => undefined;
  const stamp = (line: string) => (
    clear(),
    out(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}`)
  );
  Runtime.install({ logger: new DefaultLogger('INFO', (e: LogEntry) => forward(e, stamp)) });
  fs.mkdirSync(o.dataDir, { recursive: true });
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
  };
  try {
    const server = await startDemoServer(o.server ?? 'dev', o.dataDir, out);
    cleanups.push(() => server.stop());

    const groups = o.kubernetes?.groups ?? new InProcessExecutorGroups({ readyAfterMs: 4000, drainMs: 1000 });
    const onCluster = o.kubernetes
      ? { namespace: o.kubernetes.namespace, executorTemplate: o.kubernetes.executorTemplate }
      : {};
    const mode: DemoMode = o.mode ?? DEMO_SPEC.mode;
    // A warehouse of sets names its bounds and group sizes on each set.
    const { executorsPerGroup: _e, nodes: _n, queriesPerGroup: _q, ...warehouseOnly } = DEMO_SPEC;
    const input = o.groupSets
      ? { ...warehouseOnly, mode, ...onCluster, groupSets: DEMO_GROUP_SETS }
      : { ...DEMO_SPEC, mode, ...onCluster };
    const base = parseWarehouseSpec({ ...input, coordinators: [] });
    const membershipOf = (set: WarehouseSpec) =>
      o.kubernetes ? o.kubernetes.membership(set) : new InProcessMembership(groups, set);
    // The seed's scenario starts with group 000; a warehouse of sets starts suspended, each set resuming on its queue.
    if (!o.groupSets) {
      if (groups instanceof InProcessExecutorGroups) groups.preexisting(base.name, [0]);
      else await groups.create(base, 0);
    }
    const coordinator = await startCoordinator(
      o.groupSets
        ? { port: 0, sets: setSpecs(base).map((set) => groupSetOptionsFor(set, membershipOf(set))) }
        : {
            port: 0,
            membership: membershipOf(base),
            groupSet: base.groupSet,
            executorsPerGroup: base.executorsPerGroup,
            queriesPerGroup: base.queriesPerGroup,
            executorMemoryMb: base.executorMemoryMb,
          },
    );
    cleanups.push(() => coordinator.close());
    const spec = parseWarehouseSpec({ ...input, coordinators: [{ url: coordinator.url }] });
    out(
      `Impala coordinator simulator on ${coordinator.url}; executor groups ${o.kubernetes?.describe ?? 'are in-process (ready 4 s after create)'}.`,
    );
    out(
      `Demo delays: poll ${spec.pollIntervalSeconds}s, scale-up ${spec.scaleUpDelaySeconds}s, scale-down ${spec.scaleDownDelaySeconds}s, auto-suspend ${spec.autoSuspend.timeoutSeconds}s (production: 20s, 20s, 600s, 300s).`,
    );
    out(o.groupSets ? GROUP_SETS_NOTE : MODE_NOTES[mode]);

    const nativeConnection = await NativeConnection.connect({ address: server.address });
    cleanups.push(() => nativeConnection.close());
    const worker = await createWarehouseWorker({
      connection: nativeConnection,
      deps: { loadReader: new ImpalaLoadReader({ timeoutMs: 2000 }), executorGroups: groups },
    });
    const workerDone = worker.run();
    cleanups.push(async () => {
      worker.shutdown();
      await workerDone;
    });
    const connection = await Connection.connect({ address: server.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection });
    const handle = await client.workflow.start(warehouseWorkflow, {
      taskQueue: 'impala-autoscaler',
      workflowId: workflowIdFor(spec.name),
      args: [{ spec }],
    });
    out(`Warehouse workflow ${handle.workflowId} started: ${server.workflowLink(handle.workflowId)}`);

    const submit = async (n: number, durationMs = QUERY.durationMs, memMb = QUERY.memMb) => {
      for (let i = 0; i < n; i++) {
        const res = await fetch(`${coordinator.url}/queries`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ memMb, durationMs, sql: `SELECT /* demo ${i + 1} */ …` }),
        });
        if (!res.ok)
          throw new Error(
            `submitting a query to ${coordinator.url}/queries failed: HTTP ${res.status} ${await res.text()}`,
          );
      }
      stamp(`Submitted ${n} queries of ${memMb} MB per executor, ${durationMs / 1000}s each.`);
    };
    const watch = statusWatcher(() => handle.query(statusQuery), o.status ?? defaultStatus());
    cleanups.push(() => watch.stop());

    if (o.groupSets) {
      await submit(12, BI_QUERY.durationMs, BI_QUERY.memMb);
      await sleep(3000);
      await submit(1, ETL_QUERY.durationMs, ETL_QUERY.memMb);
      await watch.until(
        'every query to finish and both sets to suspend',
        (s) =>
          coordinator.cluster.queries().every((q) => q.state !== 'queued' && q.state !== 'running') &&
          (s.sets ?? []).every(
            (set) =>
              set.state.state === 'Suspended' &&
              set.lastObservation?.kind === 'known' &&
              set.lastObservation.groups.length === 0,
          ),
        240000,
      );
    } else {
      await submit(4);
      // Suspended and every group gone (drained): the next query finds no executors and is queued, as in Impala.
      await watch.until(
        'the warehouse to suspend',
        (s) =>
          s.state.state === 'Suspended' && s.lastObservation?.kind === 'known' && s.lastObservation.groups.length === 0,
        240000,
      );
      await submit(1, 5000);
      await watch.until(
        'the resumed warehouse to run the query',
        () => coordinator.cluster.queries().every((q) => q.state !== 'queued' && q.state !== 'running'),
        120000,
      );
    }
    const lost = coordinator.cluster.queries().filter((q) => q.state !== 'finished');
    if (lost.length)
      throw new Error(
        `${lost.length} queries did not finish: ${lost.map((q) => `${q.id} ${q.state} (${q.reason})`).join('; ')}`,
      );
    watch.stop();

    const status = await handle.query(statusQuery);
    const history = await handle.fetchHistory();
    const { queries: views } = (await (await fetch(`${coordinator.url}/queries`)).json()) as { queries: QueryView[] };
    const summary = summarize(
      o.groupSets ? `${mode}, group sets ${DEMO_GROUP_SETS.map((g) => g.groupSet).join(' and ')}` : mode,
      views,
      history,
      status,
      Date.now() - started,
      server.workflowLink(handle.workflowId),
    );
    if (o.keepRunning) {
      out(
        `Everything keeps running (--keep-running): Web UI ${server.uiUrl ?? 'none'}, coordinator ${coordinator.url}, Temporal ${server.address}. Ctrl-C stops it.`,
      );
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
    await handle.terminate('demo finished').catch(() => undefined);
    return summary;
  } finally {
    await cleanup();
  }
}

/** How the run's log compares with the seed system's, said before it starts. */
const MODE_NOTES: Record<DemoMode, string> = {
  balanced:
    'Mode balanced: a scale-up is sized by the queue, so impala-executor-001 and impala-executor-002 are added at once; ' +
    'the seed system added one group per decision (--mode conservative replays its rule and its log line for line).',
  conservative:
    "Mode conservative: one executor group per decision, the seed system's own rule: its log lines in its order " +
    '(impala-executor-001, ready, then impala-executor-002).',
};

const GROUP_SETS_NOTE =
  'Group sets: root.small (groups of 1 executor, queries up to 4096 MB an executor) and root.large (groups of 4); ' +
  "Impala's planner sends each query to the first set whose max-query-mem-limit holds it. 12 small queries resume " +
  'root.small only, one large query resumes root.large only; each set scales on its own queue, and both suspend ' +
  'once idle.';

/** Workflow log lines are the decision log: print them; keep the SDK's own chatter for warnings and errors. */
function forward(e: LogEntry, stamp: (line: string) => void): void {
  if (e.meta?.sdkComponent === 'workflow') stamp(e.message);
  else if (e.level === 'WARN' || e.level === 'ERROR') process.stderr.write(`${e.level} ${e.message}\n`);
}

function defaultStatus(): (line: string) => void {
  let last = '';
  return (line) => {
    if (line === last) return;
    last = line;
    process.stderr.write(process.stderr.isTTY ? `\r\x1b[K${line}\r` : `${line}\n`);
  };
}

function statusWatcher(read: () => Promise<WarehouseStatus>, show: (line: string) => void) {
  let latest: WarehouseStatus | undefined;
  const timer = setInterval(async () => {
    latest = await read().catch(() => latest);
    if (!latest) return;
    const l = latest.lastObservation;
    const load = l?.kind === 'known' ? `queued ${l.load.queued} | running ${l.load.running}` : 'load unknown';
    show(`  ⟳ ${latest.state.state} | groups ${latest.state.current} (target ${latest.state.target}) | ${load}`);
  }, 500);
  return {
    stop: () => clearInterval(timer),
    async until(what: string, done: (s: WarehouseStatus) => boolean, timeoutMs: number): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const s = await read();
        if (done(s)) return;
        if (Date.now() > deadline)
          throw new Error(
            `the demo waited ${timeoutMs / 1000}s for ${what}; last state ${s.state.state}, groups ${s.state.current}`,
          );
        await sleep(500);
      }
    },
  };
}
