// KubernetesExecutorGroups against a real API server, StatefulSet controller, scheduler and KWOK node.
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { stringify } from 'yaml';
import { KubernetesExecutorGroups } from '../../src/activities/kubernetes/executor-groups';
import { eventually } from '../support/eventually';
import { templateStatefulSet, testWarehouse, useLocalCluster } from '../support/local-cluster';

const POD_READY_DELAY_MS = 1500;
const cluster = useLocalCluster({ podReadyDelayMs: POD_READY_DELAY_MS });

let apps: AppsV1Api;
let core: CoreV1Api;
let namespace: string;
let tmp: string;

beforeAll(async () => {
  const kc = cluster().kubeConfig();
  apps = kc.makeApiClient(AppsV1Api);
  core = kc.makeApiClient(CoreV1Api);
  namespace = await cluster().createNamespace('groups');
  await apps.createNamespacedStatefulSet({ namespace, body: templateStatefulSet('impala-executor-000', namespace) });
  tmp = await mkdtemp(join(tmpdir(), 'impala-autoscaler-template-'));
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

function groupPods(ns: string, impalaGroup: string) {
  return core
    .listNamespacedPod({ namespace: ns, labelSelector: `impala.apache.org/executor-group=${impalaGroup}` })
    .then((r) => r.items);
}

async function expectNonRetryable(p: Promise<unknown>, ...fragments: string[]): Promise<ApplicationFailure> {
  const err = await p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  const failure = err as ApplicationFailure;
  expect(failure.nonRetryable).toBe(true);
  expect(failure.type).toBe('KubernetesError');
  for (const f of fragments) expect(failure.message).toContain(f);
  return failure;
}

test('a created group becomes Ready after the KWOK delay, is listed ready, and is deleted with its pods', async () => {
  const spec = testWarehouse(namespace);
  const groups = new KubernetesExecutorGroups(cluster().kubeConfig());

  const t0 = Date.now();
  await groups.create(spec, 1);
  expect(await groups.list(spec)).toEqual([{ name: 'impala-executor-001', index: 1, ready: false, deleting: false }]);

  await eventually('group 001 ready', () => groups.list(spec), 30_000, 100, (l) => l[0]?.ready === true);
  const readyAfterMs = Date.now() - t0;
  process.stderr.write(`executor group impala-executor-001 (2 pods) Ready ${readyAfterMs} ms after create\n`);
  expect(readyAfterMs).toBeGreaterThanOrEqual(POD_READY_DELAY_MS);

  const sts = await apps.readNamespacedStatefulSet({ name: 'impala-executor-001', namespace });
  expect(sts.spec?.replicas).toBe(2);
  expect(sts.spec?.podManagementPolicy).toBe('Parallel');
  expect(sts.metadata?.labels).toMatchObject({
    'app.kubernetes.io/managed-by': 'impala-autoscaler',
    'impala.apache.org/warehouse': 'wh',
    'impala.apache.org/executor-group': 'root.default-group-001',
    'app.kubernetes.io/name': 'impala-executor',
  });
  const container = sts.spec!.template.spec!.containers[0];
  expect(container.args).toEqual(['--is_executor=true', '--executor_groups=root.default-group-001:2', '--shutdown_deadline_s=3600']);
  expect(sts.spec?.template.spec?.terminationGracePeriodSeconds).toBe(3660);

  const pods = await groupPods(namespace, 'root.default-group-001');
  expect(pods.map((p) => p.metadata?.name).sort()).toEqual(['impala-executor-001-0', 'impala-executor-001-1']);
  expect(pods.every((p) => p.metadata?.labels?.['impala.apache.org/warehouse'] === 'wh')).toBe(true);

  await groups.delete(spec, 1);
  const afterDelete = await groups.list(spec);
  // Foreground deletion: listed as deleting until its pods are gone, or already gone on a fast machine.
  expect(afterDelete.every((g) => g.deleting)).toBe(true);
  const t1 = Date.now();
  await eventually('group 001 gone from the list', () => groups.list(spec), 30_000, 100, (l) => l.length === 0);
  await eventually('the pods of group 001 gone', () => groupPods(namespace, 'root.default-group-001'), 30_000, 100, (p) => p.length === 0);
  process.stderr.write(`executor group impala-executor-001 gone with its pods ${Date.now() - t1} ms after delete\n`);
});

test('create and delete repeated and retried concurrently make one group and remove it once', async () => {
  const spec = testWarehouse(namespace);
  const groups = new KubernetesExecutorGroups(cluster().kubeConfig());
  const other = new KubernetesExecutorGroups(cluster().kubeConfig());

  await Promise.all([groups.create(spec, 2), groups.create(spec, 2), other.create(spec, 2)]);
  await groups.create(spec, 2);
  const sets = await apps.listNamespacedStatefulSet({ namespace, labelSelector: 'impala.apache.org/warehouse=wh' });
  expect(sets.items.map((s) => s.metadata?.name)).toEqual(['impala-executor-002']);
  await eventually('group 002 ready, the only group', () => groups.list(spec), 30_000, 100, (l) => l.length === 1 && l[0].ready);
  const uid = sets.items[0].metadata?.uid;
  const again = await apps.readNamespacedStatefulSet({ name: 'impala-executor-002', namespace });
  expect(again.metadata?.uid).toBe(uid);

  await Promise.all([groups.delete(spec, 2), other.delete(spec, 2), groups.delete(spec, 2)]);
  await eventually('group 002 gone', () => groups.list(spec), 30_000, 100, (l) => l.length === 0);
  await groups.delete(spec, 2);
  await groups.delete(spec, 7);
  expect(await groups.list(spec)).toEqual([]);
});

test('creating a group whose previous incarnation is still being deleted is a retryable error', async () => {
  const spec = testWarehouse(namespace);
  const groups = new KubernetesExecutorGroups(cluster().kubeConfig());
  await groups.create(spec, 3);
  // A finalizer holds the object in "deleting", as a long drain would.
  await apps.patchNamespacedStatefulSet(
    { name: 'impala-executor-003', namespace, body: [{ op: 'add', path: '/metadata/finalizers', value: ['test.impala.apache.org/hold'] }] },
  );
  await groups.delete(spec, 3);
  expect(await groups.list(spec)).toEqual([{ name: 'impala-executor-003', index: 3, ready: expect.any(Boolean), deleting: true }]);

  const err = await groups.create(spec, 3).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(Error);
  expect(err).not.toBeInstanceOf(ApplicationFailure);
  expect((err as Error).message).toContain('impala-executor-003');
  expect((err as Error).message).toContain('still being deleted');
  await groups.delete(spec, 3);

  await apps.patchNamespacedStatefulSet(
    { name: 'impala-executor-003', namespace, body: [{ op: 'remove', path: '/metadata/finalizers' }] },
  );
  await eventually('group 003 gone once its finalizer is removed', () => groups.list(spec), 30_000, 100, (l) => l.length === 0);
});

test('a foreign StatefulSet with a group name is neither adopted, overwritten nor deleted', async () => {
  const spec = testWarehouse(namespace);
  const groups = new KubernetesExecutorGroups(cluster().kubeConfig());
  const foreign = templateStatefulSet('impala-executor-005', namespace);
  await apps.createNamespacedStatefulSet({ namespace, body: foreign });
  // Ours, but another warehouse's: just as foreign to this one.
  const otherWarehouse = templateStatefulSet('impala-executor-006', namespace);
  otherWarehouse.metadata.labels = {
    ...otherWarehouse.metadata.labels,
    'app.kubernetes.io/managed-by': 'impala-autoscaler',
    'impala.apache.org/warehouse': 'other',
  } as typeof otherWarehouse.metadata.labels;
  await apps.createNamespacedStatefulSet({ namespace, body: otherWarehouse });
  const before = await apps.readNamespacedStatefulSet({ name: 'impala-executor-005', namespace });

  await expectNonRetryable(groups.create(spec, 5), 'impala-executor-005', namespace, 'not managed by impala-autoscaler', 'left untouched');
  await expectNonRetryable(groups.delete(spec, 5), 'cannot delete', 'impala-executor-005');
  await expectNonRetryable(groups.delete(spec, 6), 'impala-executor-006', 'impala.apache.org/warehouse=other');
  expect(await groups.list(spec)).toEqual([]);

  // resourceVersion moves with the controller's status updates; generation moves only when the spec is written.
  const after = await apps.readNamespacedStatefulSet({ name: 'impala-executor-005', namespace });
  expect(after.metadata?.uid).toBe(before.metadata?.uid);
  expect(after.metadata?.generation).toBe(before.metadata?.generation);
  expect(after.metadata?.labels).toEqual(before.metadata?.labels);
  expect(after.metadata?.deletionTimestamp).toBeUndefined();
  expect((await apps.readNamespacedStatefulSet({ name: 'impala-executor-006', namespace })).metadata?.deletionTimestamp).toBeUndefined();
});

test('the template StatefulSet is captured at the first list, so groups are created after it is deleted', async () => {
  const ns = await cluster().createNamespace('capture');
  await apps.createNamespacedStatefulSet({ namespace: ns, body: templateStatefulSet('impala-executor-000', ns) });
  const spec = testWarehouse(ns, { executorsPerGroup: 3 });
  const groups = new KubernetesExecutorGroups(cluster().kubeConfig());
  expect(await groups.list(spec)).toEqual([]);

  await apps.deleteNamespacedStatefulSet({ name: 'impala-executor-000', namespace: ns });
  await groups.create(spec, 1);
  const sts = await apps.readNamespacedStatefulSet({ name: 'impala-executor-001', namespace: ns });
  expect(sts.spec?.template.spec?.containers[0].image).toBe('apache/impala:4.5.0-impalad_executor');
  expect(sts.spec?.template.spec?.containers[0].args).toContain('--executor_groups=root.default-group-001:3');

  // A restarted worker (no captured template) copies an existing group instead.
  const restarted = new KubernetesExecutorGroups(cluster().kubeConfig());
  await restarted.create(spec, 2);
  const copy = await apps.readNamespacedStatefulSet({ name: 'impala-executor-002', namespace: ns });
  expect(copy.spec?.template.spec?.containers[0].args).toEqual([
    '--is_executor=true',
    '--executor_groups=root.default-group-002:3',
    '--shutdown_deadline_s=3600',
  ]);
  expect(copy.spec?.selector.matchLabels?.['impala.apache.org/executor-group']).toBe('root.default-group-002');
  await eventually('groups 001 and 002 ready', () => restarted.list(spec), 30_000, 100, (l) => l.length === 2 && l.every((g) => g.ready));

  // With neither the template nor any group left, the error says what to do.
  await Promise.all([restarted.delete(spec, 1), restarted.delete(spec, 2)]);
  await eventually('groups 001 and 002 gone', () => restarted.list(spec), 30_000, 100, (l) => l.length === 0);
  await expectNonRetryable(
    new KubernetesExecutorGroups(cluster().kubeConfig()).create(spec, 1),
    'executor template StatefulSet impala-executor-000',
    ns,
    'manifest file',
  );
});

test('a template from a manifest file; the flag is appended when the template has none', async () => {
  const manifest = templateStatefulSet('ignored-name', 'ignored-namespace');
  manifest.spec.template.spec.containers[0].args = ['--is_executor=true'];
  const file = join(tmp, 'executor.yaml');
  await writeFile(file, `# a comment\n---\n${stringify(manifest)}`);
  const spec = testWarehouse(namespace, { name: 'fromfile', executorTemplate: file, executorsPerGroup: 1 });
  const groups = new KubernetesExecutorGroups(cluster().kubeConfig());

  await groups.create(spec, 4);
  const sts = await apps.readNamespacedStatefulSet({ name: 'impala-executor-004', namespace });
  expect(sts.metadata?.namespace).toBe(namespace);
  expect(sts.spec?.template.spec?.containers[0].args).toEqual(['--is_executor=true', '--executor_groups=root.default-group-004:1']);
  await eventually('group 004 ready', () => groups.list(spec), 30_000, 100, (l) => l.length === 1 && l[0].ready);
  await groups.delete(spec, 4);
  await eventually('group 004 gone', () => groups.list(spec), 30_000, 100, (l) => l.length === 0);
});

test('API refusals that a retry cannot fix are non-retryable failures naming the object', async () => {
  const bad = templateStatefulSet('x', 'y');
  bad.spec.template.spec.containers[0].name = 'Not_A_DNS_Label';
  const file = join(tmp, 'invalid.json');
  await writeFile(file, JSON.stringify(bad));
  const groups = new KubernetesExecutorGroups(cluster().kubeConfig());

  await expectNonRetryable(
    groups.create(testWarehouse(namespace, { name: 'invalid', executorTemplate: file }), 1),
    'create StatefulSet impala-executor-001',
    '422',
    'Not_A_DNS_Label',
  );
  await expectNonRetryable(
    groups.create(testWarehouse('no-such-namespace', { executorTemplate: join(tmp, 'executor.yaml') }), 1),
    'no-such-namespace',
    '404',
  );
  await expectNonRetryable(
    groups.create(testWarehouse(namespace, { executorTemplate: join(tmp, 'missing.yaml') }), 1),
    'missing.yaml',
    'cannot be read',
  );
});

test('an unreachable API server is a retryable error', async () => {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'gone', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'u', token: 'x' }],
    contexts: [{ name: 'c', cluster: 'gone', user: 'u' }],
    currentContext: 'c',
  });
  const err = await new KubernetesExecutorGroups(kc).list(testWarehouse(namespace)).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(Error);
  expect(err).not.toBeInstanceOf(ApplicationFailure);
  expect((err as Error).message).toMatch(/could not list StatefulSets of warehouse wh in namespace groups-\w+: .*ECONNREFUSED/);
});
