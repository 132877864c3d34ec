// Names held by something else never stop a warehouse: an unlabelled StatefulSet named like a group, or the groups of
// a second warehouse in the same namespace, are skipped (observe's takenIndexes), and a warehouses file whose two
// warehouses of one namespace share a template StatefulSet is refused by `warehouse apply` before anything starts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppsV1Api } from '@kubernetes/client-node';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { stringify } from 'yaml';
import { KubernetesExecutorGroups } from '../../../src/activities/kubernetes/executor-groups';
import { workflowIdFor } from '../../../src/policy/names';
import type { WarehouseSpec } from '../../../src/policy/types';
import type { CoordinatorServer } from '../../../src/sim/coordinator';
import { statusQuery, warehouseWorkflow, type WarehouseStatus } from '../../../src/workflows/warehouse';
import { cli } from '../../client/support';
import { eventually } from '../../support/eventually';
import { fastLoopWarehouse, templateStatefulSet, useLocalCluster } from '../../support/local-cluster';
import { startTemporal } from '../../support/temporal';
import { kubernetesWorker, simulatedWarehouse, submitQuery } from './support/simulated-warehouse';

const cluster = useLocalCluster({ podReadyDelayMs: 500 });
const TASK_QUEUE = 'k8s-collisions';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'collisions-'));

let env: TestWorkflowEnvironment | undefined;
let worker: { stop(): Promise<void> } | undefined;
const coordinators: CoordinatorServer[] = [];

beforeAll(async () => {
  env = await startTemporal();
  worker = await kubernetesWorker(env, cluster().kubeConfig(), TASK_QUEUE);
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await Promise.all(coordinators.map((c) => c.close()));
  await env?.teardown();
  fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

async function warehouse(name: string, namespace: string, overrides: Record<string, unknown> = {}) {
  const w = await simulatedWarehouse(cluster().kubeConfig(), fastLoopWarehouse(name, namespace, overrides));
  coordinators.push(w.coordinator);
  const handle = await env!.client.workflow.start(warehouseWorkflow, {
    taskQueue: TASK_QUEUE,
    workflowId: workflowIdFor(name),
    args: [{ spec: w.spec }],
  });
  return { ...w, handle, status: () => handle.query(statusQuery) };
}

const liveGroups = (spec: WarehouseSpec) =>
  new KubernetesExecutorGroups(cluster().kubeConfig()).list(spec).then((l) => l.groups.filter((g) => !g.deleting));
const reasons = (s: WarehouseStatus) => s.decisions.flatMap((d) => d.reasons);
const failures = (s: WarehouseStatus) => reasons(s).filter((r) => r.startsWith('Failed to'));

test('an unlabelled StatefulSet named impala-executor-001: the warehouse adds impala-executor-002 instead and keeps ticking', async () => {
  const namespace = await cluster().createNamespace('squatter');
  const apps = cluster().kubeConfig().makeApiClient(AppsV1Api);
  await apps.createNamespacedStatefulSet({ namespace, body: templateStatefulSet('impala-executor-001', namespace) });
  // Two groups at least: with none yet, the loop adds 000, then 002.
  const w = await warehouse('squatter', namespace, { nodes: { min: 4, max: 6 } });
  await submitQuery(w.coordinator, 60_000);

  const groups = await eventually(
    'groups 000 and 002 ready',
    () => liveGroups(w.spec),
    60_000,
    200,
    (l) => l.length === 2 && l.every((g) => g.ready),
  );
  expect(groups.map((g) => g.name)).toEqual(['impala-executor-000', 'impala-executor-002']);
  const added = await w.status();
  const more = await eventually(
    'five more ticks',
    () => w.status(),
    30_000,
    200,
    (s) => s.state.tick >= added.state.tick + 5,
  );
  expect(failures(more)).toEqual([]);
  expect(reasons(more)).toContain('Adding new executor group: impala-executor-002');
  expect(reasons(more)).not.toContain('Adding new executor group: impala-executor-001');
  expect(more.lastObservation).toMatchObject({ kind: 'known', takenIndexes: [1] });
  // Left as it was.
  expect((await apps.readNamespacedStatefulSet({ name: 'impala-executor-001', namespace })).metadata?.labels).toEqual(
    templateStatefulSet('impala-executor-001', namespace).metadata.labels,
  );
  await w.handle.terminate('test over');
}, 180_000);

test("two warehouses in one namespace both scale, each numbering its groups around the other's", async () => {
  const namespace = await cluster().createNamespace('shared');
  // One after the other, from their start (each restores its minimum of one group at once): two warehouses that
  // pick the same free name in the same instant would both try it, and the later one would fail once and take the
  // next name on its next tick.
  const red = await warehouse('red', namespace);
  await submitQuery(red.coordinator, 120_000);
  await eventually(
    'red resumed with 1 ready group',
    () => liveGroups(red.spec),
    60_000,
    200,
    (l) => l.length === 1 && l[0].ready,
  );
  const blue = await warehouse('blue', namespace);
  await submitQuery(blue.coordinator, 120_000);
  await eventually(
    'blue resumed with 1 ready group',
    () => liveGroups(blue.spec),
    60_000,
    200,
    (l) => l.length === 1 && l[0].ready,
  );
  // 30 queries need 3 groups of 12 slots.
  for (let i = 0; i < 30; i++) await submitQuery(red.coordinator, 120_000);
  const redGroups = await eventually(
    'red at 3 ready groups',
    () => liveGroups(red.spec),
    60_000,
    200,
    (l) => l.length === 3 && l.every((g) => g.ready),
  );
  for (let i = 0; i < 30; i++) await submitQuery(blue.coordinator, 120_000);
  const blueGroups = await eventually(
    'blue at 3 ready groups',
    () => liveGroups(blue.spec),
    60_000,
    200,
    (l) => l.length === 3 && l.every((g) => g.ready),
  );

  expect(redGroups.map((g) => g.name)).toEqual(['impala-executor-000', 'impala-executor-002', 'impala-executor-003']);
  expect(blueGroups.map((g) => g.name)).toEqual(['impala-executor-001', 'impala-executor-004', 'impala-executor-005']);
  for (const w of [red, blue]) {
    const s = await eventually(
      `${w.spec.name} settled at 3 groups`,
      () => w.status(),
      30_000,
      200,
      (x) => x.state.current === 3 && x.state.target === 3,
    );
    expect(failures(s)).toEqual([]);
    await w.handle.terminate('test over');
  }
}, 240_000);

test('warehouse apply refuses two warehouses of one namespace sharing a template StatefulSet, and starts neither', async () => {
  const entry = (name: string) => ({
    name,
    namespace: 'impala',
    coordinators: [{ url: 'http://127.0.0.1:1' }],
    size: 'XSMALL',
    nodes: { min: 2, max: 4 },
  });
  const file = path.join(dir, 'shared-template.yaml');
  fs.writeFileSync(file, stringify({ warehouses: [entry('sales'), entry('adhoc')] }));
  const r = await cli(['warehouse', 'apply', '-f', file, '--address', env!.address, '--task-queue', TASK_QUEUE]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(
    'warehouse "adhoc" (#2): executorTemplate: StatefulSet impala-executor-000 in namespace impala is also the template of warehouse "sales" (#1); ' +
      'two warehouses of one namespace need a template StatefulSet each (e.g. a copy named impala-executor-template-adhoc), or a manifest file',
  );
  for (const name of ['sales', 'adhoc']) {
    await expect(env!.client.workflow.getHandle(workflowIdFor(name)).describe()).rejects.toThrow(/not found/i);
  }
});
