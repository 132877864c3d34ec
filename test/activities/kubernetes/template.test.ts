// Cloning the executor template (pure; no cluster): only the group-specific fields change.
import type { V1StatefulSet } from '@kubernetes/client-node';
import {
  buildGroupStatefulSet,
  isManifestPath,
  revisionOf,
  templateManifest,
  templateRevision,
  withExecutorGroupsFlag,
} from '../../../src/activities/kubernetes/template';
import { templateStatefulSet, testWarehouse } from '../../support/local-cluster';

const FLAG = '--executor_groups=root.default-group-007:2';

test('--executor_groups is replaced wherever the template sets it, in args or in a shell command', () => {
  expect(
    withExecutorGroupsFlag([{ name: 'a', args: ['--x', '--executor_groups=root.default-group-000:10', '--y'] }], FLAG),
  ).toEqual([{ name: 'a', args: ['--x', FLAG, '--y'] }]);
  expect(withExecutorGroupsFlag([{ name: 'a', args: ['-executor_groups=old:1'] }], FLAG)).toEqual([
    { name: 'a', args: [FLAG] },
  ]);
  expect(
    withExecutorGroupsFlag(
      [{ name: 'a', command: ['/bin/sh', '-c', 'exec impalad --executor_groups=old:1 --is_executor=true'] }],
      FLAG,
    ),
  ).toEqual([{ name: 'a', command: ['/bin/sh', '-c', `exec impalad ${FLAG} --is_executor=true`] }]);
  expect(
    withExecutorGroupsFlag(
      [
        { name: 'sidecar', image: 's' },
        { name: 'impalad', args: ['--executor_groups=g:1'] },
      ],
      FLAG,
    ),
  ).toEqual([
    { name: 'sidecar', image: 's' },
    { name: 'impalad', args: [FLAG] },
  ]);
});

test('--executor_groups is appended to the first container when the template has none', () => {
  expect(withExecutorGroupsFlag([{ name: 'a', command: ['impalad'] }, { name: 'b' }], FLAG)).toEqual([
    { name: 'a', command: ['impalad'], args: [FLAG] },
    { name: 'b' },
  ]);
});

test('a group clone keeps the template and sets name, labels, disjoint selector, replicas, Parallel and the revision', () => {
  const template = templateStatefulSet('impala-executor-000', 'ns') as V1StatefulSet;
  template.metadata!.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': '{}', team: 'data' };
  template.spec!.podManagementPolicy = 'OrderedReady';
  const sts = buildGroupStatefulSet(
    templateManifest(template),
    testWarehouse('ns', { executorsPerGroup: 4, groupSet: 'root.etl' }),
    12,
    'abc123',
  );
  expect(sts.metadata).toEqual({
    name: 'impala-executor-012',
    namespace: 'ns',
    labels: {
      'app.kubernetes.io/name': 'impala-executor',
      'app.kubernetes.io/managed-by': 'impala-autoscaler',
      'impala.apache.org/warehouse': 'wh',
      'impala.apache.org/executor-group': 'root.etl-group-012',
      'impala.apache.org/executor-group-set': 'root.etl',
    },
    annotations: { team: 'data', 'impala.apache.org/template-revision': 'abc123' },
  });
  expect(sts.spec?.replicas).toBe(4);
  expect(sts.spec?.podManagementPolicy).toBe('Parallel');
  expect(sts.spec?.serviceName).toBe('impala-executor');
  expect(sts.spec?.selector.matchLabels).toEqual({
    'app.kubernetes.io/name': 'impala-executor',
    template: 'impala-executor-000',
    'impala.apache.org/executor-group': 'root.etl-group-012',
  });
  expect(sts.spec?.template.metadata?.labels).toMatchObject(sts.spec!.selector.matchLabels!);
  expect(sts.spec?.template.metadata?.labels?.['impala.apache.org/warehouse']).toBe('wh');
  expect(sts.spec?.template.metadata?.labels?.['impala.apache.org/executor-group-set']).toBe('root.etl');
  expect(sts.spec?.template.spec?.terminationGracePeriodSeconds).toBe(3660);
  expect(sts.spec?.template.spec?.containers[0].args).toContain('--executor_groups=root.etl-group-012:4');
  // The template object itself is not modified (it is kept and cloned again for every group).
  expect(template.spec?.template.spec?.containers[0].args).toContain('--executor_groups=root.default-group-000:1');
  expect(template.spec?.podManagementPolicy).toBe('OrderedReady');
});

test('a template and the groups cloned from it have one revision; a changed image is another', () => {
  const template = templateStatefulSet('impala-executor-000', 'ns') as V1StatefulSet;
  // As the API server returns it: server-set fields, the autoscaler's labels (the shipped template is group 000).
  template.metadata = {
    ...template.metadata,
    uid: 'u1',
    resourceVersion: '7',
    generation: 1,
    creationTimestamp: new Date(),
    labels: {
      ...template.metadata!.labels,
      'app.kubernetes.io/managed-by': 'impala-autoscaler',
      'impala.apache.org/warehouse': 'wh',
    },
  };
  template.status = { replicas: 1, readyReplicas: 1, availableReplicas: 1 };
  const manifest = templateManifest(template);
  const revision = templateRevision(manifest);
  expect(revision).toMatch(/^[0-9a-f]{12}$/);
  expect(revisionOf(template)).toBe(revision);

  const spec = testWarehouse('ns', { executorsPerGroup: 4 });
  for (const index of [0, 3, 12]) {
    const group = {
      ...buildGroupStatefulSet(manifest, spec, index, revision),
      status: { replicas: 4 },
    } as V1StatefulSet;
    expect(templateRevision(templateManifest(group))).toBe(revision);
    // Read back from the API, as created: its annotation; edited since (generation 2): its content.
    expect(revisionOf({ ...group, metadata: { ...group.metadata, generation: 1 } })).toBe(revision);
    expect(
      revisionOf({
        ...group,
        metadata: { ...group.metadata, generation: 2, annotations: { 'impala.apache.org/template-revision': 'old' } },
      }),
    ).toBe(revision);
    expect(
      revisionOf({
        ...group,
        metadata: { ...group.metadata, generation: 1, annotations: { 'impala.apache.org/template-revision': 'old' } },
      }),
    ).toBe('old');
  }
  // A template without the flag: cloning appends it, and the clone still has the template's revision.
  const bare = templateManifest(template);
  bare.spec!.template.spec!.containers[0].args = ['--is_executor=true'];
  expect(templateRevision(templateManifest(buildGroupStatefulSet(bare, spec, 1, 'x')))).toBe(templateRevision(bare));

  const newImage = templateManifest(template);
  newImage.spec!.template.spec!.containers[0].image = 'apache/impala:4.5.1-impalad_executor';
  expect(templateRevision(newImage)).not.toBe(revision);
});

test('manifest paths are told apart from StatefulSet names', () => {
  expect(isManifestPath('impala-executor-000')).toBe(false);
  expect(isManifestPath('executor.yaml')).toBe(true);
  expect(isManifestPath('/etc/impala-autoscaler/executor.json')).toBe(true);
  expect(isManifestPath('./template.yml')).toBe(true);
});
