// One chaos file's servers — a local control plane and a dev server — and what its cases start on them: workers,
// warehouses, worlds and proxies, each stopped when the file ends, newest first and before the servers.
import type https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { WorkflowHandle } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { ImpalaLoadReader } from '../../../src/activities/impala/load-reader';
import type { ExecutorGroups } from '../../../src/activities/interfaces';
import { workflowIdFor } from '../../../src/policy/names';
import type { WarehouseSpec } from '../../../src/policy/types';
import { createWarehouseWorker } from '../../../src/worker';
import { statusQuery, warehouseWorkflow } from '../../../src/workflows/warehouse';
import { useLocalCluster } from '../../support/local-cluster';
import { useTemporalServer, workflowBundle } from '../../support/temporal';
import { startFaultProxy, type FaultProxy } from './fault-proxy';
import { startWorld, type World } from './world';

export type Handle = WorkflowHandle<typeof warehouseWorkflow>;

export function chaosServers(opts: { podReadyDelayMs: number }) {
  const cleanups: (() => Promise<unknown>)[] = [];
  // Registered before the servers' hooks: jest runs afterAll hooks in order, and workers must stop before the server.
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }, 60_000);
  const cluster = useLocalCluster({ podReadyDelayMs: opts.podReadyDelayMs });
  const env = useTemporalServer();

  return {
    cluster,
    env,
    /** Stopped when the file ends, before anything started earlier. */
    onClose(cleanup: () => Promise<unknown>): void {
      cleanups.push(cleanup);
    },
    async runWorker(taskQueue: string, executorGroups: ExecutorGroups): Promise<Worker> {
      const worker = await createWarehouseWorker({
        connection: env().nativeConnection,
        taskQueue,
        workflowBundle: await workflowBundle(),
        deps: { loadReader: new ImpalaLoadReader({ timeoutMs: 1000 }), executorGroups },
      });
      const done = worker.run();
      cleanups.push(async () => {
        worker.shutdown();
        await done;
      });
      return worker;
    },
    async startWarehouse(spec: WarehouseSpec, taskQueue: string): Promise<Handle> {
      const h = await env().client.workflow.start(warehouseWorkflow, {
        taskQueue,
        workflowId: workflowIdFor(spec.name),
        args: [{ spec }],
      });
      cleanups.push(() => h.terminate('chaos test over'));
      return h;
    },
    async world(name: string, overrides: Record<string, unknown>): Promise<World> {
      const w = await startWorld(cluster(), name, overrides);
      cleanups.push(() => w.close());
      return w;
    },
    /** A fault proxy in front of the control plane `kc` points at (proxiedKubeConfig(proxy) goes through it). */
    async apiProxy(kc: KubeConfig): Promise<FaultProxy> {
      const tls: https.RequestOptions = {};
      await kc.applyToHTTPSOptions(tls);
      const proxy = await startFaultProxy({
        url: kc.getCurrentCluster()!.server,
        tls: { ca: tls.ca, cert: tls.cert, key: tls.key },
      });
      cleanups.push(() => proxy.close());
      return proxy;
    },
    /** The warehouse's status, or a failure after `ms` (a query nobody answers must not hang a case). */
    status(h: Handle, ms = 3000) {
      return env().connection.withDeadline(Date.now() + ms, () => h.query(statusQuery));
    },
  };
}
