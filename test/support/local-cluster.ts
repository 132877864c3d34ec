// One real local control plane per Kubernetes test file (start ≈ 5 s, stop ≈ 1 s), started in beforeAll and always
// stopped in afterAll, also when a test fails. Set IMPALA_AUTOSCALER_TEST_KUBECONFIG (e.g. to the path printed by
// `npm run cluster:up`) to run the tests against an already running cluster instead; each file still works in
// namespaces of its own.
import path from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import {
  loadKubeConfig,
  startLocalCluster,
  type LocalCluster,
  type LocalClusterOptions,
} from '../../src/devenv/local-cluster';
import type { WarehouseSpecInput } from '../../src/config/warehouse-spec';
import type { WarehouseSpec } from '../../src/policy/types';
import { eventually } from './eventually';

export const EXTERNAL_KUBECONFIG_ENV = 'IMPALA_AUTOSCALER_TEST_KUBECONFIG';

export type TestCluster = Pick<LocalCluster, 'kubeconfigPath' | 'kubeConfig' | 'createNamespace'>;

export function useLocalCluster(opts: LocalClusterOptions = {}): () => TestCluster {
  let cluster: TestCluster | undefined;
  let stop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const external = process.env[EXTERNAL_KUBECONFIG_ENV];
    if (external) {
      cluster = externalCluster(external);
      return;
    }
    const started = await startLocalCluster({ ...opts, log: (line) => process.stderr.write(`${line}\n`) });
    cluster = started;
    stop = started.stop;
  }, 120_000);
  afterAll(async () => {
    await stop?.();
  }, 60_000);
  return () => {
    if (!cluster) throw new Error('the local cluster did not start: see the beforeAll error above');
    return cluster;
  };
}

function externalCluster(kubeconfigPath: string): TestCluster {
  const core = loadKubeConfig(kubeconfigPath).makeApiClient(CoreV1Api);
  return {
    kubeconfigPath,
    kubeConfig: () => loadKubeConfig(kubeconfigPath),
    createNamespace: async (prefix = 'test') => {
      const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
      await core.createNamespace({ body: { metadata: { name } } });
      await eventually(
        `the default ServiceAccount of namespace ${name}`,
        () => core.readNamespacedServiceAccount({ name: 'default', namespace: name }),
        30_000,
        100,
      );
      return name;
    },
  };
}

/**
 * A warehouse whose whole loop (workflow → StatefulSet → KWOK pods → simulator) runs in seconds on the local control
 * plane: the shipped executor template, 1–3 groups of 2, aggressive, 1 s poll, 2 s scale-down. In input form (before
 * parseWarehouseSpec): the tests add the coordinator's URL once the simulator listens.
 */
export function fastLoopWarehouse(name: string, namespace: string, overrides: Partial<WarehouseSpecInput> = {}) {
  return {
    name,
    namespace,
    executorTemplate: path.resolve(__dirname, '../../deploy/executor-template.yaml'),
    executorsPerGroup: 2,
    nodes: { min: 2, max: 6 },
    mode: 'aggressive' as const,
    pollIntervalSeconds: 1,
    scaleDownDelaySeconds: 2,
    scaleUpTimeoutSeconds: 60,
    autoSuspend: { enabled: false, timeoutSeconds: 300 },
    ...overrides,
  };
}

/** A ResourceQuota `executor-groups` in `namespace`, once the quota controller has counted it (admission refuses before that). */
export async function addCountedQuota(
  admin: KubeConfig,
  namespace: string,
  hard: Record<string, string>,
): Promise<void> {
  const core = admin.makeApiClient(CoreV1Api);
  await core.createNamespacedResourceQuota({
    namespace,
    body: { metadata: { name: 'executor-groups' }, spec: { hard } },
  });
  await eventually(
    'the quota counted',
    () => core.readNamespacedResourceQuota({ name: 'executor-groups', namespace }),
    30_000,
    100,
    (q) => Object.keys(hard).every((k) => q.status?.used?.[k] !== undefined),
  );
}

export function testWarehouse(namespace: string, overrides: Partial<WarehouseSpec> = {}): WarehouseSpec {
  return {
    name: 'wh',
    namespace,
    coordinators: [{ url: 'http://127.0.0.1:1' }],
    executorTemplate: 'impala-executor-000',
    executorsPerGroup: 2,
    nodes: { min: 2, max: 8 },
    queriesPerGroup: 12,
    executorMemoryMb: 16384,
    groupSet: 'root.default',
    mode: 'conservative',
    autoSuspend: { enabled: true, timeoutSeconds: 300 },
    pollIntervalSeconds: 20,
    scaleUpTimeoutSeconds: 900,
    dryRun: false,
    ...overrides,
  };
}

/** An executor template like a user's `impala-executor-000`, not labelled for the autoscaler. */
export function templateStatefulSet(name: string, namespace: string) {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/name': 'impala-executor' } },
    spec: {
      serviceName: 'impala-executor',
      replicas: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'impala-executor', template: name } },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'impala-executor', template: name } },
        spec: {
          terminationGracePeriodSeconds: 3660,
          containers: [
            {
              name: 'impalad',
              image: 'apache/impala:4.5.0-impalad_executor',
              args: ['--is_executor=true', '--executor_groups=root.default-group-000:1', '--shutdown_deadline_s=3600'],
            },
          ],
        },
      },
    },
  };
}
