// KubernetesExecutorGroups against a real API server, StatefulSet controller, scheduler and KWOK node.
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { stringify } from 'yaml';
import { KubernetesExecutorGroups } from '../../../src/activities/kubernetes/executor-groups';
import type { WarehouseSpec } from '../../../src/policy/types';
import { eventually } from '../../support/eventually';
import { templateStatefulSet, testWarehouse, useLocalCluster } from '../../support/local-cluster';

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

/** The warehouse's groups as `list` reports them. */
const listed = (groups: KubernetesExecutorGroups, spec: WarehouseSpec) => groups.list(spec).then((l) => l.groups);

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

  const template = await groups.captureTemplate(spec);
  const t0 = Date.now();
  await groups.create(spec, 1, template);
  expect(await listed(groups, spec)).toEqual([
    { name: 'impala-executor-001', index: 1, ready: false, deleting: false, templateRevision: template.revision },
  ]);

  await eventually(
    'group 001 ready',
    () => listed(groups, spec),
    30_000,
    100,
    (l) => l[0]?.ready === true,
  );
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
  expect(sts.metadata?.annotations).toEqual({ 'impala.apache.org/template-revision': template.revision });
  const container = sts.spec!.template.spec!.containers[0];
  expect(container.args).toEqual([
    '--is_executor=true',
    '--executor_groups=root.default-group-001:2',
    '--shutdown_deadline_s=3600',
  ]);
  expect(sts.spec?.template.spec?.terminationGracePeriodSeconds).toBe(3660);

  const pods = await groupPods(namespace, 'root.default-group-001');
  expect(pods.map((p) => p.metadata?.name).sort()).toEqual(['impala-executor-001-0', 'impala-executor-001-1']);
  expect(pods.every((p) => p.metadata?.labels?.['impala.apache.org/warehouse'] === 'wh')).toBe(true);

  await groups.delete(spec, 1);
  const afterDelete = await listed(groups, spec);
  // Foreground deletion: listed as deleting until its pods are gone, or already gone on a fast machine.
  expect(afterDelete.every((g) => g.deleting)).toBe(true);
  const t1 = Date.now();
  await eventually(
    'group 001 gone from the list',
    () => listed(groups, spec),
    30_000,
    100,
    (l) => l.length === 0,
  );
  await eventually(
    'the pods of group 001 gone',
    () => groupPods(namespace, 'root.default-group-001'),
    30_000,
    100,
    (p) => p.length === 0,
  );
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
  await eventually(
    'group 002 ready, the only group',
    () => listed(groups, spec),
    30_000,
    100,
    (l) => l.length === 1 && l[0].ready,
  );
  const uid = sets.items[0].metadata?.uid;
  const again = await apps.readNamespacedStatefulSet({ name: 'impala-executor-002', namespace });
  expect(again.metadata?.uid).toBe(uid);

  await Promise.all([groups.delete(spec, 2), other.delete(spec, 2), groups.delete(spec, 2)]);
  await eventually(
    'group 002 gone',
    () => listed(groups, spec),
    30_000,
    100,
    (l) => l.length === 0,
  );
  await groups.delete(spec, 2);
  await groups.delete(spec, 7);
  expect(await listed(groups, spec)).toEqual([]);
});

test('creating a group whose previous incarnation is still being deleted is a retryable error', async () => {
  const spec = testWarehouse(namespace);
  const groups = new KubernetesExecutorGroups(cluster().kubeConfig());
  await groups.create(spec, 3);
  // A finalizer holds the object in "deleting", as a long drain would.
  await apps.patchNamespacedStatefulSet({
    name: 'impala-executor-003',
    namespace,
    body: [{ op: 'add', path: '/metadata/finalizers', value: ['test.impala.apache.org/hold'] }],
  });
  await groups.delete(spec, 3);
  expect(await listed(groups, spec)).toEqual([
    {
      name: 'impala-executor-003',
      index: 3,
      ready: expect.any(Boolean),
      deleting: true,
      templateRevision: expect.any(String),
    },
  ]);

  const err = await groups.create(spec, 3).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(Error);
  expect(err).not.toBeInstanceOf(ApplicationFailure);
  expect((err as Error).message).toContain('impala-executor-003');
  expect((err as Error).message).toContain('still being deleted');
  await groups.delete(spec, 3);

  await apps.patchNamespacedStatefulSet({
    name: 'impala-executor-003',
    namespace,
    body: [{ op: 'remove', path: '/metadata/finalizers' }],
  });
  await eventually(
    'group 003 gone once its finalizer is removed',
    () => listed(groups, spec),
    30_000,
    100,
    (l) => l.length === 0,
  );
});

test('a foreign StatefulSet with a group name is neither adopted, overwritten nor deleted, and its index is taken', async () => {
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

  await expectNonRetryable(
    groups.create(spec, 5),
    'impala-executor-005',
    namespace,
    'not managed by impala-autoscaler',
    'left untouched',
  );
  await expectNonRetryable(groups.delete(spec, 5), 'cannot delete', 'impala-executor-005');
  await expectNonRetryable(groups.delete(spec, 6), 'impala-executor-006', 'impala.apache.org/warehouse=other');
  // The unlabelled template impala-executor-000 holds index 0 as well: a new group of this warehouse skips all three.
  expect(await groups.list(spec)).toEqual({ groups: [], takenIndexes: [0, 5, 6] });

  // resourceVersion moves with the controller's status updates; generation moves only when the spec is written.
  const after = await apps.readNamespacedStatefulSet({ name: 'impala-executor-005', namespace });
  expect(after.metadata?.uid).toBe(before.metadata?.uid);
  expect(after.metadata?.generation).toBe(before.metadata?.generation);
  expect(after.metadata?.labels).toEqual(before.metadata?.labels);
  expect(after.metadata?.deletionTimestamp).toBeUndefined();
  expect(
    (await apps.readNamespacedStatefulSet({ name: 'impala-executor-006', namespace })).metadata?.deletionTimestamp,
  ).toBeUndefined();
});

test('the captured template creates groups on any worker after the template and every group are gone', async () => {
  const ns = await cluster().createNamespace('capture');
  await apps.createNamespacedStatefulSet({ namespace: ns, body: templateStatefulSet('impala-executor-000', ns) });
  const spec = testWarehouse(ns, { executorsPerGroup: 3 });
  const groups = new KubernetesExecutorGroups(cluster().kubeConfig());
  const template = await groups.captureTemplate(spec);
  expect(template).toEqual({
    manifest: expect.any(Object),
    revision: expect.stringMatching(/^[0-9a-f]{12}$/),
    source: `StatefulSet impala-executor-000 in namespace ${ns}`,
    capturedAt: expect.any(String),
  });
  // Plain JSON without what the API server set: it is kept in the workflow's state.
  expect(JSON.parse(JSON.stringify(template.manifest))).toEqual(template.manifest);
  expect(template.manifest).not.toHaveProperty('status');
  expect(template.manifest).toHaveProperty('metadata', { labels: { 'app.kubernetes.io/name': 'impala-executor' } });

  await apps.deleteNamespacedStatefulSet({ name: 'impala-executor-000', namespace: ns });
  await groups.create(spec, 1, template);
  const sts = await apps.readNamespacedStatefulSet({ name: 'impala-executor-001', namespace: ns });
  expect(sts.spec?.template.spec?.containers[0].image).toBe('apache/impala:4.5.0-impalad_executor');
  expect(sts.spec?.template.spec?.containers[0].args).toContain('--executor_groups=root.default-group-001:3');

  // With the template StatefulSet gone, a capture copies a group — and gets the same revision.
  const fromGroup = await groups.captureTemplate(spec);
  expect(fromGroup.revision).toBe(template.revision);
  expect(fromGroup.source).toBe(
    `group impala-executor-001 of warehouse wh (StatefulSet impala-executor-000 in namespace ${ns} is gone)`,
  );
  expect((await listed(groups, spec)).map((g) => g.templateRevision)).toEqual([template.revision]);
  // A warehouse that keeps a template does not swap it for a group's copy (a group may run an older revision).
  await expectNonRetryable(
    groups.captureTemplate(spec, { copyGroup: false }),
    `executor template StatefulSet impala-executor-000 in namespace ${ns} not found`,
  );

  // Every group gone (a suspend): a worker that never saw the template (restarted, or another one) creates a group
  // from the one kept in the workflow's state.
  await groups.delete(spec, 1);
  await eventually(
    'group 001 gone',
    () => listed(groups, spec),
    30_000,
    100,
    (l) => l.length === 0,
  );
  const restarted = new KubernetesExecutorGroups(cluster().kubeConfig());
  await restarted.create(spec, 0, template);
  const copy = await apps.readNamespacedStatefulSet({ name: 'impala-executor-000', namespace: ns });
  expect(copy.spec?.template.spec?.containers[0].args).toEqual([
    '--is_executor=true',
    '--executor_groups=root.default-group-000:3',
    '--shutdown_deadline_s=3600',
  ]);
  expect(copy.spec?.selector.matchLabels?.['impala.apache.org/executor-group']).toBe('root.default-group-000');
  await eventually(
    'group 000 ready',
    () => listed(restarted, spec),
    30_000,
    100,
    (l) => l.length === 1 && l[0].ready && l[0].templateRevision === template.revision,
  );

  // With neither the template nor any group left, capturing says what to do.
  await restarted.delete(spec, 0);
  await eventually(
    'group 000 gone',
    () => listed(restarted, spec),
    30_000,
    100,
    (l) => l.length === 0,
  );
  await expectNonRetryable(
    restarted.captureTemplate(spec),
    'executor template StatefulSet impala-executor-000',
    ns,
    'manifest file',
  );
});

test('a group edited after its creation (kubectl apply of a new image) reports the revision of what it now runs', async () => {
  const ns = await cluster().createNamespace('edited');
  await apps.createNamespacedStatefulSet({ namespace: ns, body: templateStatefulSet('impala-executor-template', ns) });
  const spec = testWarehouse(ns, { executorTemplate: 'impala-executor-template' });
  const groups = new KubernetesExecutorGroups(cluster().kubeConfig());
  const before = await groups.captureTemplate(spec);
  await groups.create(spec, 1, before);
  const image = [
    { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'apache/impala:4.5.1-impalad_executor' },
  ];
  await apps.patchNamespacedStatefulSet({ name: 'impala-executor-template', namespace: ns, body: image });
  const after = await groups.captureTemplate(spec);
  expect(after.revision).not.toBe(before.revision);
  expect(await listed(groups, spec)).toEqual([
    expect.objectContaining({ name: 'impala-executor-001', templateRevision: before.revision }),
  ]);

  // The same edit on the group: it now runs what the template holds.
  await apps.patchNamespacedStatefulSet({ name: 'impala-executor-001', namespace: ns, body: image });
  expect(await listed(groups, spec)).toEqual([
    expect.objectContaining({ name: 'impala-executor-001', templateRevision: after.revision }),
  ]);
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
  expect(sts.spec?.template.spec?.containers[0].args).toEqual([
    '--is_executor=true',
    '--executor_groups=root.default-group-004:1',
  ]);
  await eventually(
    'group 004 ready',
    () => listed(groups, spec),
    30_000,
    100,
    (l) => l.length === 1 && l[0].ready,
  );
  await groups.delete(spec, 4);
  await eventually(
    'group 004 gone',
    () => listed(groups, spec),
    30_000,
    100,
    (l) => l.length === 0,
  );
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
  expect((err as Error).message).toMatch(
    /could not list StatefulSets of warehouse wh in namespace groups-\w+: .*ECONNREFUSED/,
  );
});
