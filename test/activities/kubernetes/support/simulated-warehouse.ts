// A warehouse on the local control plane whose load comes over HTTP from the coordinator simulator, which takes its
// executors from the warehouse's Ready pods, and a worker running its workflow with the real Kubernetes provider.
import type { KubeConfig } from '@kubernetes/client-node';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ImpalaLoadReader } from '../../../../src/activities/impala/load-reader';
import { KubernetesExecutorGroups } from '../../../../src/activities/kubernetes/executor-groups';
import { KubernetesPodMembership } from '../../../../src/sim/pod-membership';
import { parseWarehouseSpec } from '../../../../src/config/warehouse-spec';
import type { WarehouseSpec } from '../../../../src/policy/types';
import { clusterOptionsFor } from '../../../../src/sim/cluster';
import { startCoordinator, type CoordinatorServer } from '../../../../src/sim/coordinator';
import { createWarehouseWorker } from '../../../../src/worker';
import { workflowBundle } from '../../../support/temporal';

/** `base` is a warehouse in input form without coordinators: the simulator's URL is known only once it listens. */
export async function simulatedWarehouse(
  kc: KubeConfig,
  base: Pick<WarehouseSpec, 'name' | 'namespace'> & Record<string, unknown>,
): Promise<{ spec: WarehouseSpec; coordinator: CoordinatorServer }> {
  const membership = new KubernetesPodMembership(kc, { name: base.name, namespace: base.namespace });
  const coordinator = await startCoordinator({
    port: 0,
    ...clusterOptionsFor(parseWarehouseSpec({ ...base, coordinators: [{ url: 'http://127.0.0.1:1' }] }), membership),
  });
  return { spec: parseWarehouseSpec({ ...base, coordinators: [{ url: coordinator.url }] }), coordinator };
}

/** Submits a query over the simulator's HTTP API, as a client of the coordinator would. */
export async function submitQuery(coordinator: CoordinatorServer, durationMs: number): Promise<void> {
  const res = await fetch(`${coordinator.url}/queries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ durationMs }),
  });
  if (!res.ok)
    throw new Error(`submitting a query to ${coordinator.url}/queries failed: HTTP ${res.status} ${await res.text()}`);
}

/** A worker on `taskQueue` with the real Impala reader and Kubernetes provider; stop() drains it. */
export async function kubernetesWorker(
  env: TestWorkflowEnvironment,
  kc: KubeConfig,
  taskQueue: string,
): Promise<{ stop(): Promise<void> }> {
  const worker = await createWarehouseWorker({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    deps: { loadReader: new ImpalaLoadReader(), executorGroups: new KubernetesExecutorGroups(kc) },
  });
  const done = worker.run();
  return {
    stop: async () => {
      worker.shutdown();
      await done;
    },
  };
}
