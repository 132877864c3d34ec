// A two-set warehouse end to end on real servers: the warehouse workflow (Temporal dev server) ticks each set,
// KubernetesExecutorGroups creates each set's StatefulSets from its own template, KWOK makes their pods Ready, the
// coordinator simulator takes each set's executors from its pods and routes queries like Impala's planner, and the
// workflow reads each set's pool. A BI burst resumes and scales the small set only; one ETL query resumes the large
// set only; when both are idle, both suspend.
import { AppsV1Api } from '@kubernetes/client-node';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { KubernetesExecutorGroups } from '../../../src/activities/kubernetes/executor-groups';
import { parseWarehouseSpec } from '../../../src/config/warehouse-spec';
import { setSpecs } from '../../../src/policy/group-sets';
import { workflowIdFor } from '../../../src/policy/names';
import { groupSetOptionsFor } from '../../../src/sim/cluster';
import { startCoordinator, type CoordinatorServer } from '../../../src/sim/coordinator';
import { KubernetesPodMembership } from '../../../src/sim/pod-membership';
import { statusQuery, warehouseWorkflow } from '../../../src/workflows/warehouse';
import { eventually } from '../../support/eventually';
import { templateStatefulSet, useLocalCluster } from '../../support/local-cluster';
import { startTemporal } from '../../support/temporal';
import { kubernetesWorker } from './support/simulated-warehouse';

const cluster = useLocalCluster({ podReadyDelayMs: 1500 });

let env: TestWorkflowEnvironment | undefined;
let coordinator: CoordinatorServer | undefined;
let worker: { stop(): Promise<void> } | undefined;

beforeAll(async () => {
  env = await startTemporal();
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await coordinator?.close();
  await env?.teardown();
}, 60_000);

test('each set scales on its own queue: BI resumes the small set, ETL the large one; both suspend when idle', async () => {
  const namespace = await cluster().createNamespace('gs-e2e');
  const kc = cluster().kubeConfig();
  const apps = kc.makeApiClient(AppsV1Api);
  await apps.createNamespacedStatefulSet({ namespace, body: templateStatefulSet('impala-executor-small', namespace) });
  await apps.createNamespacedStatefulSet({ namespace, body: templateStatefulSet('impala-executor-large', namespace) });
  const input = {
    name: 'gs',
    namespace,
    mode: 'aggressive',
    pollIntervalSeconds: 1,
    scaleDownDelaySeconds: 2,
    scaleUpTimeoutSeconds: 60,
    autoSuspend: { enabled: true, timeoutSeconds: 4 },
    groupSets: [
      {
        groupSet: 'root.small',
        executorsPerGroup: 1,
        nodes: { min: 0, max: 3 },
        queriesPerGroup: 4,
        executorMemoryMb: 16384,
        maxQueryMemMb: 2048,
        executorTemplate: 'impala-executor-small',
      },
      {
        groupSet: 'root.large',
        executorsPerGroup: 3,
        nodes: { min: 0, max: 6 },
        queriesPerGroup: 2,
        executorMemoryMb: 16384,
        executorTemplate: 'impala-executor-large',
      },
    ],
  };
  const sets = setSpecs(parseWarehouseSpec({ ...input, coordinators: [{ url: 'http://127.0.0.1:1' }] }));
  coordinator = await startCoordinator({
    port: 0,
    sets: sets.map((s) => groupSetOptionsFor(s, new KubernetesPodMembership(kc, s))),
  });
  const spec = parseWarehouseSpec({ ...input, coordinators: [{ url: coordinator.url }] });
  const [small, large] = setSpecs(spec);
  const groups = new KubernetesExecutorGroups(kc);
  const names = async (s: typeof small) => (await groups.list(s)).groups.map((g) => g.name);

  worker = await kubernetesWorker(env!, kc, 'gs-e2e');
  const handle = await env!.client.workflow.start(warehouseWorkflow, {
    taskQueue: 'gs-e2e',
    workflowId: workflowIdFor(spec.name),
    args: [{ spec }],
  });

  const submit = async (n: number, memMb: number, durationMs: number) => {
    const out: { id: string; pool: string }[] = [];
    for (let i = 0; i < n; i++) {
      const res = await fetch(`${coordinator!.url}/queries`, {
        method: 'POST',
        body: JSON.stringify({ durationMs, memMb }),
      });
      out.push((await res.json()) as { id: string; pool: string });
    }
    return out;
  };

  // 10 BI queries of 6 s, 4 a group: the small set resumes with 3 groups (its max); the large set stays at none.
  const t0 = Date.now();
  const bi = await submit(10, 512, 6000);
  expect(new Set(bi.map((q) => q.pool))).toEqual(new Set(['root.small']));
  await eventually(
    'the small set at 3 ready groups',
    () => groups.list(small).then((l) => l.groups),
    60_000,
    200,
    (l) => l.length === 3 && l.every((g) => g.ready),
  );
  process.stderr.write(`group sets e2e: small set at 3 ready groups ${Date.now() - t0} ms after the BI burst\n`);
  expect(await names(small)).toEqual([
    'impala-executor-root-small-000',
    'impala-executor-root-small-001',
    'impala-executor-root-small-002',
  ]);
  expect(await names(large)).toEqual([]);

  // One ETL query (8 GiB an executor, over the small pool's 2 GiB limit): only the large set resumes, with one group.
  const [etl] = await submit(1, 8192, 15_000);
  expect(etl.pool).toBe('root.large');
  await eventually(
    'the large set at 1 ready group',
    () => groups.list(large).then((l) => l.groups),
    60_000,
    200,
    (l) => l.length === 1 && l[0].ready,
  );
  const largeSts = await apps.readNamespacedStatefulSet({ name: 'impala-executor-root-large-000', namespace });
  expect(largeSts.spec?.replicas).toBe(3);
  expect(largeSts.spec?.template.spec?.containers[0].args).toContain('--executor_groups=root.large-group-000:3');

  await eventually(
    'every query finished',
    async () => coordinator!.cluster.queries(),
    60_000,
    200,
    (qs) => qs.length === 11 && qs.every((q) => q.state === 'finished'),
  );
  // Idle: both sets suspend (each after its timeout, and not while the other is busy).
  await eventually(
    'both sets suspended, no group left',
    async () => [...(await names(small)), ...(await names(large))],
    90_000,
    200,
    (all) => all.length === 0,
  );
  process.stderr.write(`group sets e2e: both sets suspended ${Date.now() - t0} ms after the BI burst\n`);

  const status = await handle.query(statusQuery);
  expect(status.sets?.map((s) => [s.groupSet, s.state.state])).toEqual([
    ['root.small', 'Suspended'],
    ['root.large', 'Suspended'],
  ]);
  const reasons = status.decisions.flatMap((d) => d.reasons);
  expect(reasons).toContain('Group Set: root.small Load: numQueriesQueued 10, numQueriesRunning 0');
  expect(reasons).toContain('Adding new executor group: impala-executor-root-small-002');
  expect(reasons).toContain('Adding new executor group: impala-executor-root-large-000');
  expect(reasons.some((r) => r.startsWith('Suspending warehouse: gs'))).toBe(true);
  await handle.terminate('test over');
}, 300_000);
