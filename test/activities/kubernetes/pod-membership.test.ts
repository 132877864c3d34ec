// The simulator's membership taken from real pods: healthy once every pod of a group is Ready (after KWOK's delay),
// quiescing while a removed group's pods terminate, gone once they are.
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { KubernetesExecutorGroups } from '../../../src/activities/kubernetes/executor-groups';
import { KubernetesPodMembership } from '../../../src/sim/pod-membership';
import type { MemberGroup } from '../../../src/sim/membership';
import { eventually } from '../../support/eventually';
import {
  EXTERNAL_KUBECONFIG_ENV,
  templateStatefulSet,
  testWarehouse,
  useLocalCluster,
} from '../../support/local-cluster';

const POD_DELETE_DELAY_MS = 1500;
const cluster = useLocalCluster({ podReadyDelayMs: 1500, podDeleteDelayMs: POD_DELETE_DELAY_MS });

test('a group is healthy once all its pods are Ready, quiescing while it is removed, then gone', async () => {
  const namespace = await cluster().createNamespace('membership');
  const kc = cluster().kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
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
  await eventually(
    'groups 001 and 002 healthy with 3 executors each',
    () => membership.groups(),
    30_000,
    100,
    (g) => JSON.stringify(g) === JSON.stringify(healthy),
  );
  process.stderr.write(`membership: 2 groups of 3 healthy ${Date.now() - t0} ms after create\n`);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);

  // A finalizer keeps group 2's pods Terminating, as executors draining their queries would be.
  const pods = await core.listNamespacedPod({
    namespace,
    labelSelector: 'impala.apache.org/executor-group=root.default-group-002',
  });
  expect(pods.items).toHaveLength(3);
  const hold = (name: string, op: 'add' | 'remove') =>
    core.patchNamespacedPod({
      name,
      namespace,
      body: [
        op === 'add'
          ? { op, path: '/metadata/finalizers', value: ['test.impala.apache.org/hold'] }
          : { op, path: '/metadata/finalizers' },
      ],
    });
  await Promise.all(pods.items.map((p) => hold(p.metadata!.name!, 'add')));
  await groups.delete(spec, 2);
  const draining = await eventually(
    'group 002 quiescing while its pods are held Terminating',
    () => membership.groups(),
    10_000,
    100,
    (g) => g.some((m) => m.index === 2 && m.quiescing),
  );
  expect(draining).toEqual([healthy[0], { index: 2, executors: 3, healthy: false, quiescing: true }]);
  expect((await groups.list(spec)).groups.find((g) => g.index === 2)?.deleting).toBe(true);

  await Promise.all(pods.items.map((p) => hold(p.metadata!.name!, 'remove')));
  await eventually(
    'only group 001 left, healthy',
    () => membership.groups(),
    30_000,
    100,
    (g) => JSON.stringify(g) === JSON.stringify([healthy[0]]),
  );
  const t1 = Date.now();
  await groups.delete(spec, 1);
  if (!process.env[EXTERNAL_KUBECONFIG_ENV]) {
    // KWOK's pod-delete delay stands in for a drain: the group quiesces that long, then goes.
    await eventually(
      'group 001 quiescing while its pods terminate',
      () => membership.groups(),
      10_000,
      100,
      (g) => g.length === 1 && g[0].quiescing && !g[0].healthy,
    );
  }
  await eventually(
    'no group left in the membership',
    () => membership.groups(),
    30_000,
    100,
    (g) => g.length === 0,
  );
  if (!process.env[EXTERNAL_KUBECONFIG_ENV]) expect(Date.now() - t1).toBeGreaterThanOrEqual(POD_DELETE_DELAY_MS);
});
