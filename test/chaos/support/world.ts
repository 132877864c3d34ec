// One warehouse on the real local control plane for a chaos case: its own namespace, group 000 created before the
// workflow starts (adopted on its first tick), the coordinator simulator whose executors are the warehouse's Ready
// pods, and a recorder of every StatefulSet the API server creates for it.
import type { KubeConfig } from '@kubernetes/client-node';
import { KubernetesExecutorGroups } from '../../../src/activities/kubernetes/executor-groups';
import type { WarehouseSpec } from '../../../src/policy/types';
import type { CoordinatorServer } from '../../../src/sim/coordinator';
import { simulatedWarehouse } from '../../activities/kubernetes/support/simulated-warehouse';
import { fastLoopWarehouse, type TestCluster } from '../../support/local-cluster';
import { eventually } from '../../support/temporal';
import { StatefulSetRecorder } from './chaos';

export interface World {
  spec: WarehouseSpec;
  kc: KubeConfig;
  coordinator: CoordinatorServer;
  recorder: StatefulSetRecorder;
  groups: KubernetesExecutorGroups;
  /** Submits n queries of durationMs to the simulated coordinator. */
  submit(n: number, durationMs: number): void;
  queued(): number;
  /** Live (not deleting) groups, from the API server. */
  live(): Promise<{ name: string; ready: boolean }[]>;
  /** The live groups and the queries' states, a line for a failed case's report. */
  report(): Promise<string>;
  close(): Promise<void>;
}

export async function startWorld(
  cluster: TestCluster,
  name: string,
  overrides: Record<string, unknown> = {},
): Promise<World> {
  const namespace = await cluster.createNamespace(name);
  const kc = cluster.kubeConfig();
  const { spec, coordinator } = await simulatedWarehouse(kc, {
    ...fastLoopWarehouse(name, namespace, { autoSuspend: { enabled: true, timeoutSeconds: 2 } }),
    ...overrides,
  });
  const recorder = new StatefulSetRecorder(kc, spec);
  const groups = new KubernetesExecutorGroups(kc);
  try {
    await recorder.start();
    await groups.create(spec, 0);
    await eventually(
      'group 000 healthy in the simulator',
      async () => {
        const g = await coordinator.cluster.memberGroups();
        return g.length === 1 && g[0].healthy;
      },
      30_000,
    );
  } catch (err) {
    recorder.stop();
    await coordinator.close();
    throw err;
  }
  const live = async () =>
    (await recorder.snapshot()).filter((g) => !g.deleting).map((g) => ({ name: g.name, ready: g.ready }));
  return {
    spec,
    kc,
    coordinator,
    recorder,
    groups,
    submit: (n, durationMs) => {
      for (let i = 0; i < n; i++) coordinator.cluster.submit({ durationMs, coordinator: coordinator.name });
    },
    queued: () => coordinator.cluster.queries().filter((q) => q.state === 'queued').length,
    live,
    report: async () =>
      `live groups: ${JSON.stringify(await live().catch((e: Error) => e.message))}; queries: ${JSON.stringify(coordinator.cluster.queries().map((q) => q.state))}`,
    close: async () => {
      recorder.stop();
      await coordinator.close();
    },
  };
}
