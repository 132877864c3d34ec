// A new executor template without restarting the warehouse: the shipped template (group 000) gets a new image,
// `warehouse apply` re-captures it, the next group is cloned from it, and `warehouse status` names the group still on
// the older revision. A template that cannot be read is kept, and the decision log says so. Through the real
// command line, against a dev server, a worker with the Kubernetes provider and the local control plane.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppsV1Api, type V1StatefulSet } from '@kubernetes/client-node';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { stringify } from 'yaml';
import type { ApplyResult } from '../../../src/client/commands/warehouse/apply';
import type { CoordinatorServer } from '../../../src/sim/coordinator';
import type { TemplateRefresh, WarehouseStatus } from '../../../src/workflows/warehouse';
import { cli, cliJson } from '../../client/support';
import { eventually } from '../../support/eventually';
import { useLocalCluster } from '../../support/local-cluster';
import { startTemporal } from '../../support/temporal';
import { applyObjects, deployObjects, shippedWarehouse } from './support/deploy-manifests';
import { kubernetesWorker, simulatedWarehouse } from './support/simulated-warehouse';

const cluster = useLocalCluster({ podReadyDelayMs: 500 });
const TASK_QUEUE = 'k8s-template-refresh';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'template-refresh-'));
const NEW_IMAGE = 'apache/impala:4.5.1-impalad_executor';

let env: TestWorkflowEnvironment | undefined;
let worker: { stop(): Promise<void> } | undefined;
const coordinators: CoordinatorServer[] = [];
let conn: string[] = [];

beforeAll(async () => {
  env = await startTemporal();
  conn = ['--address', env.address];
  worker = await kubernetesWorker(env, cluster().kubeConfig(), TASK_QUEUE);
}, 120_000);

afterAll(async () => {
  for (const name of ['default', 'fromfile'])
    await env?.client.workflow
      .getHandle(`warehouse-${name}`)
      .terminate('test over')
      .catch(() => undefined);
  await worker?.stop();
  await Promise.all(coordinators.map((c) => c.close()));
  await env?.teardown();
  fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

const run = (...args: string[]) => cli([...args, ...conn]);
const json = <T>(...args: string[]) => cliJson<T>([...args, ...conn]);
const apply = (file: string) => json<ApplyResult[]>('warehouse', 'apply', '-f', file, '--task-queue', TASK_QUEUE);
type StatusJson = WarehouseStatus & { groupsOnOlderTemplates: { name: string; templateRevision: string }[] };
const status = (name: string) => json<StatusJson>('warehouse', 'status', name);

function writeFile(name: string, warehouses: unknown[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, stringify({ warehouses }));
  return file;
}

test('apply with a new image in the template: new groups use it, status shows the older group', async () => {
  const namespace = await cluster().createNamespace('refresh');
  const kc = cluster().kubeConfig();
  const apps = kc.makeApiClient(AppsV1Api);
  // The shipped executor template (group 000 of warehouse "default") in this namespace.
  await applyObjects(
    kc,
    deployObjects(namespace).filter((o) => o.kind === 'StatefulSet'),
  );
  // The shipped ConfigMap's warehouse with its coordinator, namespace and delays changed.
  const base = {
    ...shippedWarehouse(),
    namespace,
    pollIntervalSeconds: 1,
    autoSuspend: { enabled: false, timeoutSeconds: 300 },
  };
  const { spec, coordinator } = await simulatedWarehouse(kc, base);
  coordinators.push(coordinator);
  const file = (nodes: { min: number; max: number }) => writeFile(`default-${nodes.min}.yaml`, [{ ...spec, nodes }]);

  expect(await apply(file({ min: 2, max: 8 }))).toEqual([
    { name: 'default', workflowId: 'warehouse-default', result: 'created', changes: [] },
  ]);
  const first = await eventually(
    'group 000 adopted, template captured',
    () => status('default'),
    60_000,
    500,
    (s) => s.state.current === 1 && s.template !== undefined,
  );
  const r1 = first.template!.revision;
  expect(first.template!.source).toBe(`StatefulSet impala-executor-000 in namespace ${namespace}`);
  expect(first.groupsOnOlderTemplates).toEqual([]);

  expect(await apply(file({ min: 4, max: 8 }))).toEqual([
    {
      name: 'default',
      workflowId: 'warehouse-default',
      result: 'updated',
      changes: ['nodes: {"min":2,"max":8} → {"min":4,"max":8}'],
    },
  ]);
  await eventually(
    'group 001 ready',
    () => status('default'),
    60_000,
    500,
    (s) => s.state.current === 2,
  );

  // The operator edits the template's image (kubectl apply of an edited executor-template.yaml): group 000 rolls.
  await apps.patchNamespacedStatefulSet({
    name: 'impala-executor-000',
    namespace,
    body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: NEW_IMAGE }],
  });
  const [applied] = await apply(file({ min: 6, max: 8 }));
  expect(applied).toMatchObject({
    result: 'updated',
    changes: [
      expect.stringMatching(new RegExp(`^executor template: revision ${r1} → \\w+$`)),
      'nodes: {"min":4,"max":8} → {"min":6,"max":8}',
    ],
  });
  const newRevision = applied.changes[0].split(' → ')[1];
  expect(newRevision).not.toBe(r1);

  const after = await eventually(
    'group 002 ready',
    () => status('default'),
    60_000,
    500,
    (s) => s.state.current === 3,
  );
  const group = (name: string): Promise<V1StatefulSet> => apps.readNamespacedStatefulSet({ name, namespace });
  expect((await group('impala-executor-002')).spec?.template.spec?.containers[0].image).toBe(NEW_IMAGE);
  expect((await group('impala-executor-002')).metadata?.annotations?.['impala.apache.org/template-revision']).toBe(
    newRevision,
  );
  expect((await group('impala-executor-001')).spec?.template.spec?.containers[0].image).toBe(
    'apache/impala:4.5.0-impalad_executor',
  );
  expect(after.template).toMatchObject({
    revision: newRevision,
    source: `StatefulSet impala-executor-000 in namespace ${namespace}`,
  });
  // 000 now runs the new template (it is the template); 001 was cloned from the old one.
  expect(after.groupsOnOlderTemplates).toEqual([{ name: 'impala-executor-001', templateRevision: r1 }]);
  expect(after.decisions.flatMap((d) => d.reasons)).toContain(
    `Executor template changed: revision ${r1} → ${newRevision} (source StatefulSet impala-executor-000 in namespace ${namespace}); new groups use it.`,
  );
  const human = await run('warehouse', 'status', 'default');
  expect(human.stdout).toContain(
    `Executor template: revision ${newRevision} (source StatefulSet impala-executor-000 in namespace ${namespace}, captured `,
  );
  expect(human.stdout).toContain(`; groups on an older revision: impala-executor-001 (${r1})`);

  // Applying the same file again changes nothing, the template included.
  expect(await apply(file({ min: 6, max: 8 }))).toEqual([
    { name: 'default', workflowId: 'warehouse-default', result: 'unchanged', changes: [] },
  ]);
}, 300_000);

test('refresh-template with the template file gone keeps the stored template and says so', async () => {
  const namespace = await cluster().createNamespace('gone');
  const template = path.join(dir, 'executor.yaml');
  fs.copyFileSync(path.join(__dirname, '../../../deploy/executor-template.yaml'), template);
  const file = writeFile('fromfile.yaml', [
    {
      name: 'fromfile',
      namespace,
      coordinators: [{ url: 'http://127.0.0.1:1' }],
      size: 'XSMALL',
      nodes: { min: 0, max: 4 },
      executorTemplate: template,
      pollIntervalSeconds: 1,
    },
  ]);
  await apply(file);
  const captured = await eventually(
    'template captured',
    () => status('fromfile'),
    60_000,
    500,
    (s) => s.template !== undefined,
  );

  fs.rmSync(template);
  const refresh = await run('warehouse', 'refresh-template', 'fromfile', '--json');
  expect(refresh.code).toBe(1);
  const result = JSON.parse(refresh.stdout) as TemplateRefresh;
  expect(result).toMatchObject({ changed: false, template: { revision: captured.template!.revision } });
  expect(result.line).toMatch(
    new RegExp(
      `^Executor template not re-captured: executor template file ${template} cannot be read: .*ENOENT.*; new groups still use revision ${captured.template!.revision} \\(source file ${template}\\)\\.$`,
    ),
  );
  const text = await run('warehouse', 'refresh-template', 'fromfile');
  expect(text.code).toBe(1);
  expect(text.stdout).toContain('Executor template not re-captured');
  const s = await status('fromfile');
  expect(s.template?.revision).toBe(captured.template!.revision);
  expect(s.decisions.flatMap((d) => d.actions)).toContain('refresh template');
}, 180_000);
