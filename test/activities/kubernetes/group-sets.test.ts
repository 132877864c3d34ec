// A warehouse of two executor group sets on the local control plane: each set's groups are StatefulSets named and
// labelled for the set, cloned from the set's own template with Impala's --executor_groups=<set>-group-NNN:<size>;
// listing one set never shows the other's; KWOK makes their pods Ready; and the coordinator simulator, taking each
// set's executors from those pods, routes a small and a large query to their sets; `warehouse pods` groups by set.
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { KubernetesExecutorGroups } from '../../../src/activities/kubernetes/executor-groups';
import { setSpecs } from '../../../src/policy/group-sets';
import { groupSetOptionsFor } from '../../../src/sim/cluster';
import { startCoordinator } from '../../../src/sim/coordinator';
import { KubernetesPodMembership } from '../../../src/sim/pod-membership';
import type { PodRow } from '../../../src/client/commands/warehouse/pods';
import { cli, cliJson } from '../../client/support';
import { eventually } from '../../support/eventually';
import { templateStatefulSet, testWarehouse, useLocalCluster } from '../../support/local-cluster';

const cluster = useLocalCluster({ podReadyDelayMs: 1000 });

test('two sets: StatefulSets per set from their own templates, listed apart, pods Ready, queries routed to their set', async () => {
  const namespace = await cluster().createNamespace('group-sets');
  const kc = cluster().kubeConfig();
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const largeTemplate = templateStatefulSet('impala-executor-large', namespace);
  largeTemplate.spec.template.spec.containers[0].image = 'apache/impala:4.5.0-impalad_executor-large';
  await apps.createNamespacedStatefulSet({ namespace, body: templateStatefulSet('impala-executor-small', namespace) });
  await apps.createNamespacedStatefulSet({ namespace, body: largeTemplate });

  const warehouse = testWarehouse(namespace, {
    executorTemplate: 'impala-executor-small',
    groupSets: [
      { groupSet: 'root.small', executorsPerGroup: 1, nodes: { min: 0, max: 4 }, maxQueryMemMb: 2048 },
      {
        groupSet: 'root.large',
        executorsPerGroup: 3,
        nodes: { min: 0, max: 2 },
        executorTemplate: 'impala-executor-large',
      },
    ],
  });
  const [small, large] = setSpecs(warehouse);
  const groups = new KubernetesExecutorGroups(kc);
  await Promise.all([groups.create(small, 1), groups.create(large, 1), groups.create(large, 2)]);

  const sts = (name: string) => apps.readNamespacedStatefulSet({ name, namespace });
  const s1 = await sts('impala-executor-root-small-001');
  const l2 = await sts('impala-executor-root-large-002');
  expect(s1.metadata?.labels).toMatchObject({
    'impala.apache.org/warehouse': 'wh',
    'impala.apache.org/executor-group': 'root.small-group-001',
    'impala.apache.org/executor-group-set': 'root.small',
  });
  expect(s1.spec?.template.metadata?.labels).toMatchObject({ 'impala.apache.org/executor-group-set': 'root.small' });
  expect(s1.spec?.replicas).toBe(1);
  expect(s1.spec?.template.spec?.containers[0]).toMatchObject({
    image: 'apache/impala:4.5.0-impalad_executor',
    args: ['--is_executor=true', '--executor_groups=root.small-group-001:1', '--shutdown_deadline_s=3600'],
  });
  expect(l2.metadata?.labels?.['impala.apache.org/executor-group-set']).toBe('root.large');
  expect(l2.spec?.replicas).toBe(3);
  expect(l2.spec?.template.spec?.containers[0]).toMatchObject({
    image: 'apache/impala:4.5.0-impalad_executor-large',
    args: ['--is_executor=true', '--executor_groups=root.large-group-002:3', '--shutdown_deadline_s=3600'],
  });

  // Each set lists its own groups only; the other set's names are not "taken" indexes of this one.
  const listing = async (spec: typeof small) => {
    const l = await groups.list(spec);
    return { names: l.groups.map((g) => g.name), taken: l.takenIndexes };
  };
  expect(await listing(small)).toEqual({ names: ['impala-executor-root-small-001'], taken: [] });
  expect(await listing(large)).toEqual({
    names: ['impala-executor-root-large-001', 'impala-executor-root-large-002'],
    taken: [],
  });
  // The one-set view of the same warehouse (today's names) sees none of the sets' groups.
  expect((await groups.list(testWarehouse(namespace))).groups).toEqual([]);

  const smallPods = new KubernetesPodMembership(kc, small, { minIntervalMs: 0 });
  const largePods = new KubernetesPodMembership(kc, large, { minIntervalMs: 0 });
  await eventually(
    'every pod of both sets Ready through KWOK',
    async () => [await smallPods.groups(), await largePods.groups()],
    30_000,
    100,
    ([s, l]) => s.length === 1 && s[0].healthy && l.length === 2 && l.every((g) => g.healthy && g.executors === 3),
  );
  expect(await smallPods.groups()).toEqual([{ index: 1, executors: 1, healthy: true, quiescing: false }]);
  const pods = await core.listNamespacedPod({
    namespace,
    labelSelector: 'impala.apache.org/executor-group-set=root.large',
  });
  expect(pods.items.map((p) => p.metadata?.name).sort()).toEqual([
    'impala-executor-root-large-001-0',
    'impala-executor-root-large-001-1',
    'impala-executor-root-large-001-2',
    'impala-executor-root-large-002-0',
    'impala-executor-root-large-002-1',
    'impala-executor-root-large-002-2',
  ]);

  // `warehouse pods` lists the pods one set after the other, each under its set.
  const podsArgs = ['warehouse', 'pods', 'wh', '--k8s-namespace', namespace, '--kubeconfig', cluster().kubeconfigPath];
  const table = await cli(podsArgs);
  expect(table.stderr).toBe('');
  const lines = table.stdout.split('\n');
  expect(lines[0]).toBe('Group Set: root.large (6 pods, 6 ready)');
  expect(lines[1]).toMatch(/^POD\s+GROUP\s+READY\s+PHASE\s+NODE$/);
  expect(lines[2]).toMatch(/^impala-executor-root-large-001-0\s+root\.large-group-001\s+yes\s+Running\s+kwok-node-0$/);
  expect(lines.slice(8, 12)).toEqual([
    '',
    'Group Set: root.small (1 pod, 1 ready)',
    expect.stringMatching(/^POD\s+GROUP/),
    expect.stringMatching(/^impala-executor-root-small-001-0\s+root\.small-group-001\s+yes\s+Running/),
  ]);
  const rows = await cliJson<PodRow[]>(podsArgs);
  expect(rows.map((r) => r.groupSet)).toEqual([...Array(6).fill('root.large'), 'root.small']);

  const coordinator = await startCoordinator({
    port: 0,
    sets: [groupSetOptionsFor(small, smallPods), groupSetOptionsFor(large, largePods)],
  });
  try {
    const submit = async (memMb: number) => {
      const res = await fetch(`${coordinator.url}/queries`, {
        method: 'POST',
        body: JSON.stringify({ durationMs: 60_000, memMb }),
      });
      return (await res.json()) as { pool: string; state: string; group: string };
    };
    expect(await submit(512)).toMatchObject({ pool: 'root.small', state: 'running', group: 'root.small-group-001' });
    expect(await submit(8192)).toMatchObject({ pool: 'root.large', state: 'running', group: 'root.large-group-001' });
    const metrics = (await (await fetch(`${coordinator.url}/jsonmetrics`)).json()) as Record<string, number>;
    expect(metrics).toMatchObject({
      'cluster-membership.group-set.backends.total.root.small': 1,
      'cluster-membership.group-set.backends.total.root.large': 6,
      'cluster-membership.group-set.executor-groups.total-healthy.root.large': 2,
    });
  } finally {
    await coordinator.close();
  }

  // Removing one set's group leaves the other set as it was.
  await groups.delete(large, 2);
  await eventually(
    'large group 002 gone',
    () => listing(large),
    30_000,
    100,
    (l) => l.names.length === 1,
  );
  expect(await listing(small)).toEqual({ names: ['impala-executor-root-small-001'], taken: [] });
});
