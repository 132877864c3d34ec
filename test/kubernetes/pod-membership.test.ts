// The simulator's membership taken from real pods: healthy once every pod of a group is Ready (after KWOK's delay),
// quiescing while a removed group's pods terminate, gone once they are.
import { KubernetesExecutorGroups } from '../../src/activities/kubernetes/executor-groups';
import { KubernetesPodMembership } from '../../src/activities/kubernetes/pod-membership';
import type { MemberGroup } from '../../src/sim/membership';
import { eventually, templateStatefulSet, testWarehouse, useLocalCluster } from '../support/local-cluster';
import { AppsV1Api } from '@kubernetes/client-node';

const cluster = useLocalCluster({ podReadyDelayMs: 1500, podDeleteDelayMs: 2000 });

test('a group is healthy once all its pods are Ready, quiescing while it is removed, then gone', async () => {
  const namespace = await cluster().createNamespace('membership');
  const kc = cluster().kubeConfig();
  await kc.makeApiClient(AppsV1Api).createNamespacedStatefulSet({
    namespace,
    body: templateStatefulSet('impala-executor-000', namespace),
  });
  const spec = testWarehouse(namespace, { executorsPerGroup: 3 });
  const groups = new KubernetesExecutorGroups(kc);
  const membership = new KubernetesPodMembership(kc, spec, { minIntervalMs: 0 });

  const t0 = Date.now();
  await Promise.all([groups.create(spec, 1), groups.create(spec, 2)]);
  // Pods exist but are not Ready yet: Impala would not know these executors.
  expect(await membership.groups()).toEqual([]);

  const healthy: MemberGroup[] = [
    { index: 1, executors: 3, healthy: true, quiescing: false },
    { index: 2, executors: 3, healthy: true, quiescing: false },
  ];
  await eventually(() => membership.groups(), 30_000, (g) => JSON.stringify(g) === JSON.stringify(healthy));
  process.stderr.write(`membership: 2 groups of 3 healthy ${Date.now() - t0} ms after create\n`);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);

  await groups.delete(spec, 2);
  const draining = await eventually(() => membership.groups(), 10_000, (g) => g.some((m) => m.index === 2 && m.quiescing));
  expect(draining).toEqual([healthy[0], { index: 2, executors: 3, healthy: false, quiescing: true }]);

  await eventually(() => membership.groups(), 30_000, (g) => JSON.stringify(g) === JSON.stringify([healthy[0]]));
  await groups.delete(spec, 1);
  await eventually(() => membership.groups(), 30_000, (g) => g.length === 0);
});
