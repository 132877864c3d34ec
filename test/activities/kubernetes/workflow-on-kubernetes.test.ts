// The full loop on real servers: warehouse workflow (Temporal dev server) → KubernetesExecutorGroups → StatefulSet
// controller → Pods → KWOK marks them Ready → the simulated coordinator takes its executors from those pods and
// admits queued queries → the workflow reads the load from the coordinator's debug pages. 1 → 3 → 1 groups.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { ImpalaLoadReader } from '../../../src/activities/impala/load-reader';
import { KubernetesExecutorGroups } from '../../../src/activities/kubernetes/executor-groups';
import { workflowIdFor } from '../../../src/policy/names';
import type { CoordinatorServer } from '../../../src/sim/coordinator';
import { createWarehouseWorker } from '../../../src/worker';
import { statusQuery, warehouseWorkflow } from '../../../src/workflows/warehouse';
import { eventually } from '../../support/eventually';
import { fastLoopWarehouse, useLocalCluster } from '../../support/local-cluster';
import { startTemporal, workflowBundle } from '../../support/temporal';
import { simulatedWarehouse } from './support/simulated-warehouse';

const cluster = useLocalCluster({ podReadyDelayMs: 1500 });

let env: TestWorkflowEnvironment | undefined;
let coordinator: CoordinatorServer | undefined;
let worker: { worker: Worker; done: Promise<void> } | undefined;

beforeAll(async () => {
  env = await startTemporal();
}, 120_000);

afterAll(async () => {
  if (worker) {
    worker.worker.shutdown();
    await worker.done;
  }
  await coordinator?.close();
  await env?.teardown();
}, 60_000);

test('a queue scales the warehouse from 1 to 3 groups of real pods, and back to 1 when it drains', async () => {
  const namespace = await cluster().createNamespace('e2e');
  const kc = cluster().kubeConfig();
  const groups = new KubernetesExecutorGroups(kc);
  const simulated = await simulatedWarehouse(kc, fastLoopWarehouse('e2e', namespace));
  coordinator = simulated.coordinator;
  const { spec } = simulated;

  // Group 000 is there before the warehouse starts: the workflow adopts it.
  await groups.create(spec, 0);
  await eventually(
    "group 000 healthy in the coordinator's membership",
    async () => coordinator!.cluster.memberGroups(),
    30_000,
    100,
    (g) => g.length === 1 && g[0].healthy,
  );

  const w = await createWarehouseWorker({
    connection: env!.nativeConnection,
    taskQueue: 'k8s-e2e',
    workflowBundle: await workflowBundle(),
    deps: { loadReader: new ImpalaLoadReader(), executorGroups: groups },
  });
  worker = { worker: w, done: w.run() };
  const handle = await env!.client.workflow.start(warehouseWorkflow, {
    taskQueue: 'k8s-e2e',
    workflowId: workflowIdFor(spec.name),
    args: [{ spec }],
  });

  // 30 queries of 8 s on 12-slot groups: 12 run, 18 queue → two more groups at once (aggressive).
  const t0 = Date.now();
  const ids = Array.from(
    { length: 30 },
    () => coordinator!.cluster.submit({ durationMs: 8000, coordinator: coordinator!.name }).id,
  );
  const three = await eventually(
    '3 groups, all ready',
    () => groups.list(spec).then((l) => l.groups),
    60_000,
    100,
    (l) => l.length === 3 && l.every((g) => g.ready),
  );
  expect(three.map((g) => g.name)).toEqual(['impala-executor-000', 'impala-executor-001', 'impala-executor-002']);
  await eventually(
    "3 healthy groups in the coordinator's membership",
    async () => coordinator!.cluster.memberGroups(),
    30_000,
    100,
    (m) => m.length === 3 && m.every((g) => g.healthy),
  );
  process.stderr.write(
    `e2e: 3 groups Ready and healthy in the simulator ${Date.now() - t0} ms after the queue formed\n`,
  );
  await eventually(
    'no query left queued at the coordinator',
    async () => coordinator!.cluster.queries(),
    30_000,
    100,
    (qs) => qs.every((q) => q.state !== 'queued'),
  );

  const one = await eventually(
    'back to 1 ready group after the queue drained',
    () => groups.list(spec).then((l) => l.groups),
    90_000,
    100,
    (l) => l.length === 1 && l[0].ready,
  );
  // Whichever group stays is the one that ran queries last: every removal was drain-safe (no query killed, below).
  expect(one[0].name).toMatch(/^impala-executor-00[0-2]$/);
  process.stderr.write(`e2e: back to 1 group ${Date.now() - t0} ms after the queue formed\n`);
  const finished = coordinator.cluster.queries().filter((q) => ids.includes(q.id));
  expect(finished.every((q) => q.state === 'finished')).toBe(true);

  const status = await handle.query(statusQuery);
  const reasons = status.decisions.flatMap((d) => d.reasons);
  expect(reasons).toContain('Adding new executor group: impala-executor-001');
  expect(reasons).toContain('Adding new executor group: impala-executor-002');
  expect(reasons.some((r) => r.startsWith('Removing executor group: impala-executor-00'))).toBe(true);
  await handle.terminate('test over');
}, 240_000);
