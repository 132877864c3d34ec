// A real worker process for the chaos tests: `node --require tsx/cjs worker-main.ts`, configured by the JSON in
// $CHAOS_WORKER. The same createWarehouseWorker, ImpalaLoadReader and KubernetesExecutorGroups as
// `impala-autoscaler worker`, but started from a prebuilt workflow bundle (the CLI bundles from source, seconds per
// start) so that twenty kill -9 / restart rounds fit the suite's time budget. The test runs this file bundled by
// esbuild (worker-process.ts): through tsx, loading the Kubernetes client alone takes seconds per start.
//
// It loads its modules and connects, prints `loaded`, and starts its Temporal worker only when a line arrives on
// stdin: the test spawns the replacement while the current worker runs and sends `go` after the kill -9. It then
// prints `ready` once the worker polls, and `k8s` before and after every create/delete, so the test knows where a
// kill landed.
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { ImpalaLoadReader } from '../../../src/activities/impala/load-reader';
import type { ExecutorGroups } from '../../../src/activities/interfaces';
import { KubernetesExecutorGroups } from '../../../src/activities/kubernetes/executor-groups';
import { loadKubeConfigFrom } from '../../../src/activities/kubernetes/kubeconfig';
import { createWarehouseWorker } from '../../../src/worker';

export interface ChaosWorkerConfig {
  address: string;
  taskQueue: string;
  kubeconfigPath: string;
  /** A file holding the code of bundleWorkflowCode(). */
  bundlePath: string;
  identity: string;
  stickyQueueScheduleToStartTimeoutMs: number;
  impalaTimeoutMs: number;
}

const emit = (event: string, extra: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ event, at: Date.now(), pid: process.pid, ...extra })}\n`);

/** Reports every create/delete call around the real one. */
function traced(inner: ExecutorGroups): ExecutorGroups {
  const around = async (op: 'create' | 'delete', index: number, call: () => Promise<void>) => {
    emit('k8s', { op, index, phase: 'start' });
    try {
      await call();
      emit('k8s', { op, index, phase: 'done' });
    } catch (err) {
      emit('k8s', { op, index, phase: 'failed', error: (err as Error).message });
      throw err;
    }
  };
  return {
    list: (spec) => inner.list(spec),
    captureTemplate: (spec) => inner.captureTemplate(spec),
    create: (spec, index, template) => around('create', index, () => inner.create(spec, index, template)),
    delete: (spec, index) => around('delete', index, () => inner.delete(spec, index)),
  };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.CHAOS_WORKER ?? '') as ChaosWorkerConfig;
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });
  const connection = await NativeConnection.connect({ address: config.address });
  emit('loaded');
  await new Promise<void>((resolve) => {
    process.stdin.once('data', () => resolve());
    // The test process gone (stdin closed) before the go: nothing to do.
    process.stdin.once('end', () => process.exit(0));
  });
  const kubeConfig = loadKubeConfigFrom({ kubeconfigPath: config.kubeconfigPath });
  const worker = await createWarehouseWorker({
    connection,
    taskQueue: config.taskQueue,
    identity: config.identity,
    workflowBundle: { codePath: config.bundlePath },
    stickyQueueScheduleToStartTimeout: config.stickyQueueScheduleToStartTimeoutMs,
    deps: {
      loadReader: new ImpalaLoadReader({ timeoutMs: config.impalaTimeoutMs }),
      executorGroups: traced(new KubernetesExecutorGroups(kubeConfig)),
    },
  });
  const running = worker.run();
  emit('ready');
  process.once('SIGTERM', () => worker.shutdown());
  await running;
  await connection.close();
  emit('stopped');
}

main().catch((err: Error) => {
  process.stderr.write(`chaos worker failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
