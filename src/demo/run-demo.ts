// `impala-autoscaler demo`: the seed scenario for real — a Temporal dev server, the Impala coordinator simulator,
// the worker and one warehouse workflow. 4 large queries on 1 group (1 running, 3 queued) → groups added (balanced:
// both at once, sized by the queue; conservative: one per decision, as the seed system did) → queue drains → groups
// removed, busy ones last → suspend → one more query resumes it at once.
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type LogEntry } from '@temporalio/worker';
import { InProcessExecutorGroups } from '../activities/in-process';
import type { ExecutorGroups } from '../activities/interfaces';
import { ImpalaLoadReader } from '../activities/impala/load-reader';
import { parseWarehouseSpec } from '../config/warehouse-spec';
import { workflowIdFor } from '../policy/names';
import type { WarehouseSpec } from '../policy/types';

/** The modes the demo runs: its shortened delays make aggressive behave as balanced, so it is left out. */
export const DEMO_MODES = ['balanced', 'conservative'] as const;
export type DemoMode = (typeof DEMO_MODES)[number];
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
    const base = parseWarehouseSpec({ ...DEMO_SPEC, mode, ...onCluster, coordinators: [] });
    if (groups instanceof InProcessExecutorGroups) groups.seed(base.name, [0]);
    else await groups.create(base, 0);
    const membership = o.kubernetes ? o.kubernetes.membership(base) : new InProcessMembership(groups, base);
    const coordinator = await startCoordinator({
      port: 0,
      membership,
      groupSet: base.groupSet,
      executorsPerGroup: base.executorsPerGroup,
      queriesPerGroup: base.queriesPerGroup,
      executorMemoryMb: base.executorMemoryMb,
    });
    cleanups.push(() => coordinator.close());
    const spec = parseWarehouseSpec({ ...DEMO_SPEC, mode, ...onCluster, coordinators: [{ url: coordinator.url }] });
    out(
      `Impala coordinator simulator on ${coordinator.url}; executor groups ${o.kubernetes?.describe ?? 'are in-process (ready 4 s after create)'}.`,
    );
    out(
      `Demo delays: poll ${spec.pollIntervalSeconds}s, scale-up ${spec.scaleUpDelaySeconds}s, scale-down ${spec.scaleDownDelaySeconds}s, auto-suspend ${spec.autoSuspend.timeoutSeconds}s (production: 20s, 20s, 600s, 300s).`,
    );
    out(MODE_NOTES[mode]);

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

    const submit = async (n: number, durationMs = QUERY.durationMs) => {
      for (let i = 0; i < n; i++) {
        const res = await fetch(`${coordinator.url}/queries`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ memMb: QUERY.memMb, durationMs, sql: `SELECT /* demo ${i + 1} */ …` }),
        });
        if (!res.ok)
          throw new Error(
            `submitting a query to ${coordinator.url}/queries failed: HTTP ${res.status} ${await res.text()}`,
          );
      }
      stamp(`Submitted ${n} queries of ${QUERY.memMb} MB per executor, ${durationMs / 1000}s each.`);
    };
    const watch = statusWatcher(() => handle.query(statusQuery), o.status ?? defaultStatus());
    cleanups.push(() => watch.stop());

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
      mode,
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
