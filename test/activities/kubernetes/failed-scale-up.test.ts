// A scale-up Kubernetes refuses says why, in Kubernetes' words: a ResourceQuota that refuses the group's StatefulSet
// (the create's error) or its pods (the StatefulSet's Warning event), and a node too small for the group's pods (the
// pods' PodScheduled condition). A local control plane whose one KWOK node has 17 cpus: two groups of the shipped
// template (2 pods × 4 cpu each) fit, a third does not.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { stringify } from 'yaml';
import { createActivities } from '../../../src/activities';
import { InProcessLoadReader } from '../../../src/activities/in-process';
import { KubernetesExecutorGroups } from '../../../src/activities/kubernetes/executor-groups';
import type { WarehouseSpec } from '../../../src/policy/types';
import { eventually } from '../../support/eventually';
import { addCountedQuota, templateStatefulSet, testWarehouse, useLocalCluster } from '../../support/local-cluster';
import { DEPLOY } from './support/deploy-manifests';

const cluster = useLocalCluster({ podReadyDelayMs: 500, nodeAllocatable: { cpu: '17', memory: '1Ti' } });
const SHIPPED_TEMPLATE = join(DEPLOY, 'executor-template.yaml');

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'impala-autoscaler-quota-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** A namespace with a counted ResourceQuota. */
async function namespaceWithQuota(prefix: string, hard: Record<string, string>): Promise<string> {
  const namespace = await cluster().createNamespace(prefix);
  await addCountedQuota(cluster().kubeConfig(), namespace, hard);
  return namespace;
}

/** A template file without resource requests: only the quota limits these groups. */
async function templateFile(): Promise<string> {
  const file = join(tmp, 'executor.yaml');
  await writeFile(file, stringify(templateStatefulSet('impala-executor-template', 'ignored')));
  return file;
}

const listed = (groups: KubernetesExecutorGroups, spec: WarehouseSpec) => groups.list(spec).then((l) => l.groups);

test("a ResourceQuota on StatefulSets refuses the third group: the error is the quota's, not blamed on RBAC", async () => {
  const namespace = await namespaceWithQuota('quota-sts', { 'count/statefulsets.apps': '2' });
  const spec = testWarehouse(namespace, { executorTemplate: await templateFile() });
  const groups = new KubernetesExecutorGroups(cluster().kubeConfig());
  const template = await groups.captureTemplate(spec);
  await groups.create(spec, 0, template);
  await groups.create(spec, 1, template);

  const err = await groups.create(spec, 2, template).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  const failure = err as ApplicationFailure;
  expect(failure.nonRetryable).toBe(true);
  // Kubernetes' own message, unchanged, and what to do about it.
  expect(failure.message).toBe(
    `Kubernetes API refused to create StatefulSet impala-executor-002 in namespace ${namespace}: 403 statefulsets.apps "impala-executor-002" is forbidden: ` +
      'exceeded quota: executor-groups, requested: count/statefulsets.apps=1, used: count/statefulsets.apps=2, limited: count/statefulsets.apps=2 ' +
      "(a ResourceQuota of the namespace refuses it: raise the quota, or lower the warehouse's nodes.max)",
  );
  expect(failure.message).not.toContain('deploy/role.yaml');
});

test("a ResourceQuota on pods leaves a group short of pods: list names the quota from the StatefulSet's event", async () => {
  const namespace = await namespaceWithQuota('quota-pods', { pods: '3' });
  const spec = testWarehouse(namespace, { executorTemplate: await templateFile() });
  const groups = new KubernetesExecutorGroups(cluster().kubeConfig());
  const template = await groups.captureTemplate(spec);
  await groups.create(spec, 0, template);
  await eventually(
    'group 000 ready',
    () => listed(groups, spec),
    30_000,
    100,
    (l) => l[0]?.ready === true,
  );
  await groups.create(spec, 1, template);

  const [, short] = await eventually(
    'group 001 not ready, with a problem',
    () => listed(groups, spec),
    30_000,
    200,
    (l) => l[1]?.problem !== undefined,
  );
  expect(short).toMatchObject({ name: 'impala-executor-001', ready: false });
  expect(short.problem).toMatch(
    /^StatefulSet impala-executor-001 has 1 of 2 pods: FailedCreate: .*pods "impala-executor-001-1" is forbidden: exceeded quota: executor-groups, requested: pods=1, used: pods=3, limited: pods=3$/,
  );
});

test('a node too small for a third group: list says its pods are unschedulable, and observe carries it to the workflow', async () => {
  const namespace = await cluster().createNamespace('small-node');
  const spec = testWarehouse(namespace, { executorTemplate: SHIPPED_TEMPLATE });
  const groups = new KubernetesExecutorGroups(cluster().kubeConfig());
  const template = await groups.captureTemplate(spec);
  await Promise.all([groups.create(spec, 0, template), groups.create(spec, 1, template)]);
  await eventually(
    'groups 000 and 001 ready (16 of 17 cpus)',
    () => listed(groups, spec),
    30_000,
    100,
    (l) => l.length === 2 && l.every((g) => g.ready && !g.problem),
  );

  await groups.create(spec, 2, template);
  const third = await eventually(
    'group 002 unschedulable',
    () => listed(groups, spec),
    30_000,
    200,
    (l) => l[2]?.problem !== undefined,
  );
  expect(third[2]).toMatchObject({ name: 'impala-executor-002', ready: false, deleting: false });
  expect(third[2].problem).toBe(
    'pod impala-executor-002-0 is Pending: Unschedulable: 0/1 nodes are available: 1 Insufficient cpu.',
  );

  const activities = createActivities({
    executorGroups: groups,
    loadReader: new InProcessLoadReader(() => ({
      ok: true,
      load: {
        queued: 1,
        running: 0,
        memReservedBytes: 0,
        queuedQueryMemBytes: [0],
        healthyGroups: 2,
        runningByGroup: {},
        warnings: [],
      },
    })),
  });
  const observation = await activities.observe(spec);
  expect(observation.kind === 'known' && observation.groups.map((g) => g.problem)).toEqual([
    undefined,
    undefined,
    third[2].problem,
  ]);
});
