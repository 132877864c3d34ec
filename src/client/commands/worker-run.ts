// The worker process behind `impala-autoscaler worker`. It reads the load from each warehouse's
// Impala coordinators and manages executor groups as Kubernetes StatefulSets; logs pino JSON on stdout; serves
// /metrics, /healthz and /readyz on one port; and drains gracefully on SIGTERM/SIGINT (the running tick finishes).
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { ImpalaLoadReader } from '../../activities/impala/load-reader';
import { KubernetesExecutorGroups } from '../../activities/kubernetes/executor-groups';
import { loadKubeConfigFrom } from '../../activities/kubernetes/kubeconfig';
import { ConfigError, loadWarehousesAndFleet } from '../../config/warehouses-file';
import { createLogger, type Level, PinoTemporalLogger } from '../../observability/logger';
import { AutoscalerMetrics } from '../../observability/metrics';
import { startObservabilityServer, type Readiness } from '../../observability/http';
import { SdkMetricsBridge } from '../../observability/sdk-metrics';
import type { FleetSpec } from '../../policy/fleet';
import type { WarehouseSpec } from '../../policy/types';
import { createWarehouseWorker } from '../../worker';
import { withinMs } from '../../util/deadline';
import { resolveTarget, unreachable, type ConnectionFlags, type TemporalTarget } from '../connection';
import { applyWarehouses } from './warehouse/apply';

export interface WorkerFlags extends ConnectionFlags {
  config?: string;
  start?: boolean;
  taskQueue: string;
  kubeconfig?: string;
  metricsPort: number;
  metricsHost: string;
  logLevel: Level;
  logFormat: 'json' | 'pretty' | 'auto';
  identity?: string;
  maxCachedWorkflows?: number;
}

export async function runWorker(opts: WorkerFlags): Promise<void> {
  if (opts.start && !opts.config) throw new Error('--start applies the warehouses of --config: give --config FILE too');
  // Everything that can be wrong in the configuration is reported before anything connects or listens.
  const { warehouses: specs, fleet } = opts.config ? loadWarehousesAndFleet(opts.config) : { warehouses: [] };
  requireCoordinators(specs, opts.config);
  const target = resolveTarget(opts);
  const kubeConfig = loadKubeConfigFrom({ kubeconfigPath: opts.kubeconfig });

  const log = createLogger({
    level: opts.logLevel,
    pretty: opts.logFormat === 'auto' ? undefined : opts.logFormat === 'pretty',
  });
  const metrics = new AutoscalerMetrics();
  const sdkMetrics = new SdkMetricsBridge(metrics.registry);
  Runtime.install({
    logger: new PinoTemporalLogger(log),
    // Core's own log lines go through pino too (one format on stdout); its metrics into our registry (one port).
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      metrics: { buffer: sdkMetrics.buffer },
    },
    // Signals are handled below: log them, drain, then close the HTTP server and the connection in order.
    shutdownSignals: [],
  });
  sdkMetrics.start();

  const cleanups: (() => Promise<unknown> | unknown)[] = [() => sdkMetrics.stop()];
  const cleanup = async () => {
    for (const c of cleanups.reverse())
      await Promise.resolve(c()).catch((err: Error) => log.warn({ err }, 'cleanup step failed'));
  };
  try {
    const connection = await connectNative(target);
    cleanups.push(() => connection.close());
    const worker = await createWarehouseWorker({
      connection,
      namespace: target.namespace,
      taskQueue: opts.taskQueue,
      deps: {
        loadReader: new ImpalaLoadReader(),
        executorGroups: new KubernetesExecutorGroups(kubeConfig, { log: (line) => log.warn(line) }),
      },
      sinks: metrics.sinks(),
      ...(opts.identity ? { identity: opts.identity } : {}),
      ...(opts.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: opts.maxCachedWorkflows } : {}),
    });
    const http = await startObservabilityServer({
      registry: metrics.registry,
      beforeScrape: () => sdkMetrics.drain(),
      ready: readiness(worker, connection, target),
      host: opts.metricsHost,
      port: opts.metricsPort,
    });
    cleanups.push(() => http.close());
    const running = worker.run();
    log.info(
      {
        taskQueue: opts.taskQueue,
        namespace: target.namespace,
        temporal: target.describe,
        kubernetes: kubeConfig.getCurrentCluster()?.server,
        metrics: `${http.url}/metrics`,
        warehouses: specs.map((s) => s.name),
      },
      `worker started on task queue ${opts.taskQueue} (Temporal ${target.describe}); metrics on ${http.url}/metrics`,
    );
    const stop = onSignals(log, () => worker.shutdown());
    cleanups.push(stop);
    if (opts.start) {
      // Runs while the worker polls, so the update-with-start of a new warehouse is answered by this worker.
      void startWarehouses(target, specs, fleet, opts.taskQueue, log).catch((err: Error) => {
        log.error({ err }, `applying ${opts.config} failed: ${err.message}`);
        process.exitCode = 1;
        worker.shutdown();
      });
    }
    await running;
    log.info('worker stopped');
  } finally {
    await cleanup();
  }
}

function requireCoordinators(specs: WarehouseSpec[], file: string | undefined): void {
  const missing = specs.filter((s) => s.coordinators.length === 0 && !s.admissionService).map((s) => s.name);
  if (missing.length === 0) return;
  throw new ConfigError(file ?? '', [
    `${file}: warehouse${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: coordinators is empty; the worker reads each warehouse's load from its Impala coordinators (or admission service): add coordinators: [{ url: http://coordinator-0:25000 }], or admissionService: { url: http://admissiond:25030 }`,
  ]);
}

async function startWarehouses(
  target: TemporalTarget,
  specs: WarehouseSpec[],
  fleet: FleetSpec | undefined,
  taskQueue: string,
  log: Logger,
): Promise<void> {
  const connection = await Connection.connect({
    address: target.address,
    tls: target.tls,
    apiKey: target.apiKey,
    connectTimeout: target.connectTimeoutMs,
  });
  try {
    const c = {
      client: new Client({ connection, namespace: target.namespace }),
      connection,
      target,
      close: () => connection.close(),
    };
    for (const r of await applyWarehouses(c, specs, { taskQueue, timeoutSeconds: 60, fleet })) {
      log.info(
        { warehouse: r.name, workflowId: r.workflowId, result: r.result, changes: r.changes },
        `warehouse ${r.name}: ${r.result}${r.changes.length ? ` (${r.changes.join('; ')})` : ''}`,
      );
    }
  } finally {
    await connection.close();
  }
}

/** Ready while the worker runs and the Temporal server answers (checked at most every 5 s, so probes stay cheap). */
function readiness(worker: Worker, connection: NativeConnection, target: TemporalTarget): () => Promise<Readiness> {
  let last: { at: number; result: Readiness } | undefined;
  return async () => {
    const state = worker.getState();
    if (state !== 'RUNNING') return { ok: false, detail: `worker is ${state}` };
    if (last && Date.now() - last.at < 5000) return last.result;
    let result: Readiness;
    try {
      await connection.withDeadline(Date.now() + 3000, () => connection.workflowService.getSystemInfo({}));
      result = { ok: true, detail: `worker RUNNING, Temporal ${target.address} answers` };
    } catch (err) {
      result = {
        ok: false,
        detail: `Temporal server unreachable at ${target.address}: ${(err as Error).message.split('\n')[0]}`,
      };
    }
    last = { at: Date.now(), result };
    return result;
  };
}

/** First SIGTERM/SIGINT: drain (the running tick and activities finish). A second one: exit at once. */
function onSignals(log: Logger, shutdown: () => void): () => void {
  let received = 0;
  const handler = (signal: NodeJS.Signals) => {
    received += 1;
    if (received > 1) {
      log.warn(`${signal} again: exiting without waiting for the worker to drain`);
      process.exit(130);
    }
    log.info(`${signal} received: draining the worker (send it again to exit at once)`);
    shutdown();
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
}

/** The worker's native connection, with the CLI's settings and its "unreachable at ADDRESS" error. */
async function connectNative(target: TemporalTarget): Promise<NativeConnection> {
  try {
    return await withinMs(
      target.connectTimeoutMs,
      NativeConnection.connect({ address: target.address, tls: target.tls, apiKey: target.apiKey }),
    );
  } catch (err) {
    throw unreachable(target, err);
  }
}
