// The manifests in deploy/ apply to a real API server, and the worker's ServiceAccount, with a token from the
// TokenRequest API, can do exactly what the provider needs in its namespace: nothing in another namespace, no
// Secrets, no Deployments.
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  type KubernetesObject,
  type V1Deployment,
  type V1StatefulSet,
} from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { KubernetesExecutorGroups } from '../../../src/activities/kubernetes/executor-groups';
import { KubernetesPodMembership } from '../../../src/sim/pod-membership';
import { eventually } from '../../support/eventually';
import { templateStatefulSet, testWarehouse, useLocalCluster } from '../../support/local-cluster';
import { applyObjects, deployObjects, serviceAccountKubeConfig, shippedWarehouse } from './support/deploy-manifests';

const cluster = useLocalCluster({ podReadyDelayMs: 500 });

async function expectStatus(p: Promise<unknown>, code: number): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiException);
  expect((err as ApiException<unknown>).code).toBe(code);
}

let namespace: string;
let objects: KubernetesObject[];
let asWorker: KubeConfig;

beforeAll(async () => {
  const admin = cluster().kubeConfig();
  namespace = `impala-${Math.random().toString(36).slice(2, 8)}`;
  objects = deployObjects(namespace);
  await applyObjects(admin, objects);
  asWorker = await serviceAccountKubeConfig(admin, namespace);
});

test('deploy/ holds only namespaced objects and a drain-safe executor template', () => {
  expect(objects.map((o) => o.kind).sort()).toEqual(
    ['ConfigMap', 'Deployment', 'Namespace', 'Role', 'RoleBinding', 'ServiceAccount', 'StatefulSet'].sort(),
  );
  const worker = objects.find((o) => o.kind === 'Deployment') as V1Deployment;
  const c = worker.spec!.template.spec!.containers[0];
  expect(c.command).toEqual(['impala-autoscaler', 'worker', '--config', '/etc/impala-autoscaler/warehouses.yaml']);
  expect(c.livenessProbe?.httpGet?.path).toBe('/healthz');
  expect(c.readinessProbe?.httpGet?.path).toBe('/readyz');
  expect(c.ports?.[0].containerPort).toBe(9464);
  expect(c.securityContext?.readOnlyRootFilesystem).toBe(true);
  expect(worker.spec!.template.spec!.securityContext?.runAsNonRoot).toBe(true);
  expect(c.resources?.requests).toBeDefined();

  const warehouse = shippedWarehouse();
  expect(warehouse).toMatchObject({
    name: 'default',
    executorTemplate: 'impala-executor-000',
    executorsPerGroup: 2,
    groupSet: 'root.default',
  });

  const template = objects.find((o) => o.kind === 'StatefulSet') as V1StatefulSet;
  // The template is group 000 of that warehouse, so the autoscaler adopts it.
  expect(template.metadata?.labels).toMatchObject({
    'app.kubernetes.io/managed-by': 'impala-autoscaler',
    'impala.apache.org/warehouse': warehouse.name,
    'impala.apache.org/executor-group': `${warehouse.groupSet}-group-000`,
  });
  const pod = template.spec!.template.spec!;
  expect(pod.containers[0].lifecycle?.preStop?.exec?.command?.join(' ')).toContain('kill -s SIGRTMIN 1');
  const deadline = Number(/--shutdown_deadline_s=(\d+)/.exec(pod.containers[0].args!.join(' '))![1]);
  expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(deadline);
});

test('with its own token, the worker manages executor groups in its namespace and adopts group 000', async () => {
  const spec = testWarehouse(namespace, { name: 'default', executorTemplate: 'impala-executor-000' });
  const groups = new KubernetesExecutorGroups(asWorker);
  const listed = (g: KubernetesExecutorGroups) => g.list(spec).then((l) => l.groups);
  const membership = new KubernetesPodMembership(asWorker, spec, { minIntervalMs: 0 });

  await eventually(
    'group 000 (the template) ready, the only group',
    () => listed(groups),
    30_000,
    100,
    (l) => l.length === 1 && l[0].ready,
  );
  const template = await groups.captureTemplate(spec);
  expect(template.source).toBe(`StatefulSet impala-executor-000 in namespace ${namespace}`);
  // The template is group 000: it runs the template's revision.
  expect(await groups.list(spec)).toEqual({
    groups: [
      { name: 'impala-executor-000', index: 0, ready: true, deleting: false, templateRevision: template.revision },
    ],
    takenIndexes: [],
  });

  await groups.create(spec, 1, template);
  await eventually(
    'groups 000 and 001 ready',
    () => listed(groups),
    30_000,
    100,
    (l) => l.length === 2 && l.every((g) => g.ready),
  );
  await eventually(
    'groups 000 and 001 healthy in the pod membership',
    () => membership.groups(),
    30_000,
    100,
    (g) => g.length === 2 && g.every((m) => m.healthy),
  );
  const created = await asWorker
    .makeApiClient(AppsV1Api)
    .readNamespacedStatefulSet({ name: 'impala-executor-001', namespace });
  expect(created.spec?.template.spec?.containers[0].args).toContain('--executor_groups=root.default-group-001:2');
  expect(created.spec?.template.spec?.containers[0].lifecycle?.preStop).toBeDefined();

  // Suspend removes every group, the template's group 000 included; after a worker restart, resume recreates 000
  // from the template kept in the workflow's state.
  await Promise.all([groups.delete(spec, 1), groups.delete(spec, 0)]);
  await eventually(
    'every group gone, group 000 included',
    () => listed(groups),
    30_000,
    100,
    (l) => l.length === 0,
  );
  const restarted = new KubernetesExecutorGroups(asWorker);
  await restarted.create(spec, 0, template);
  await eventually(
    'group 000 recreated from the captured template and ready',
    () => listed(restarted),
    30_000,
    100,
    (l) => l.length === 1 && l[0].ready,
  );

  // Why a group is not ready comes from its pods and, when it has none, its StatefulSet's events.
  const core = asWorker.makeApiClient(CoreV1Api);
  expect((await core.listNamespacedPod({ namespace })).items.length).toBeGreaterThan(0);
  await core.listNamespacedEvent({ namespace });
});

test('the worker is forbidden in another namespace, on Secrets and on Deployments', async () => {
  const admin = cluster().kubeConfig();
  const other = await cluster().createNamespace('other');
  await admin.makeApiClient(AppsV1Api).createNamespacedStatefulSet({
    namespace: other,
    body: templateStatefulSet('impala-executor-000', other),
  });
  const groups = new KubernetesExecutorGroups(asWorker);
  const elsewhere = testWarehouse(other);
  for (const attempt of [
    groups.list(elsewhere),
    groups.captureTemplate(elsewhere),
    groups.create(elsewhere, 1),
    groups.delete(elsewhere, 1),
  ]) {
    const err = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as ApplicationFailure).message).toContain(`namespace ${other}`);
    expect((err as ApplicationFailure).message).toContain('403');
    expect((err as ApplicationFailure).message).toContain('deploy/role.yaml');
  }
  expect((await admin.makeApiClient(AppsV1Api).listNamespacedStatefulSet({ namespace: other })).items).toHaveLength(1);

  const core = asWorker.makeApiClient(CoreV1Api);
  const apps = asWorker.makeApiClient(AppsV1Api);
  await expectStatus(core.listNamespacedSecret({ namespace }), 403);
  await expectStatus(core.readNamespacedSecret({ name: 'anything', namespace }), 403);
  await expectStatus(apps.listNamespacedDeployment({ namespace }), 403);
  await expectStatus(apps.deleteNamespacedDeployment({ name: 'impala-autoscaler', namespace }), 403);
  await expectStatus(core.listNamespacedPod({ namespace: other }), 403);
  await expectStatus(core.listNamespacedEvent({ namespace: other }), 403);
  // Events are created in its own namespace only (scale events), and never changed or deleted there.
  await expectStatus(
    core.createNamespacedEvent({ namespace: other, body: { metadata: { name: 'x' }, involvedObject: {} } }),
    403,
  );
  await expectStatus(core.deleteCollectionNamespacedEvent({ namespace }), 403);
  await expectStatus(core.listNode(), 403);
});
