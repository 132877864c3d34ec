// Chaos, the shipped deploy/ walk: the manifests of deploy/ as they are (namespace impala, the Role, the executor
// template that is also group 000, the ConfigMap's warehouse with only its coordinator URL and delays changed) and a
// worker process authenticated as the ServiceAccount. The warehouse suspends — group 000, the template, is deleted —
// the worker is killed with kill -9, another starts, a query arrives at the coordinator simulator: group 000 is back
// and Ready, cloned from the template the workflow kept.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppsV1Api } from '@kubernetes/client-node';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { workflowIdFor } from '../../src/policy/names';
import type { CoordinatorServer } from '../../src/sim/coordinator';
import { statusQuery, warehouseWorkflow } from '../../src/workflows/warehouse';
import {
  applyObjects,
  DEPLOY_NAMESPACE,
  deployObjects,
  serviceAccountKubeConfig,
  shippedWarehouse,
} from '../activities/kubernetes/support/deploy-manifests';
import { simulatedWarehouse, submitQuery } from '../activities/kubernetes/support/simulated-warehouse';
import { useLocalCluster } from '../support/local-cluster';
import { eventually, startTemporal } from '../support/temporal';
import {
  chaosCase,
  chaosSeed,
  DecisionLog,
  duplicatesOver,
  orphansBetween,
  rng,
  settledAt,
  sleep,
  StatefulSetRecorder,
} from './support/chaos';
import { buildWorker, type BuiltWorker, WorkerPool } from './support/worker-process';

const SEED = chaosSeed();
const TASK_QUEUE = 'chaos-shipped';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chaos-shipped-'));

let env: TestWorkflowEnvironment | undefined;
let built: BuiltWorker | undefined;
let workers: WorkerPool | undefined;
let coordinator: CoordinatorServer | undefined;
let recorder: StatefulSetRecorder | undefined;
let handle: WorkflowHandle<typeof warehouseWorkflow> | undefined;

// Before the cluster's hooks (jest runs afterAll hooks in order): workers and watches stop before the servers.
afterAll(async () => {
  await handle?.terminate('chaos test over').catch(() => undefined);
  await workers?.close();
  recorder?.stop();
  await coordinator?.close();
  await env?.teardown();
  fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);
const cluster = useLocalCluster({ podReadyDelayMs: 1000 });

beforeAll(async () => {
  [env, built] = await Promise.all([startTemporal(), buildWorker(dir)]);
}, 120_000);

test('shipped deploy/: suspend, kill -9 of the worker, another worker, a query: group 000 is back and Ready', async () => {
  await chaosCase('shipped deploy/ suspend → kill -9 → query', SEED, async (say) => {
    const r = rng(SEED, 'shipped');
    const admin = cluster().kubeConfig();
    const apps = admin.makeApiClient(AppsV1Api);
    await applyObjects(admin, deployObjects());
    // The worker runs as the Deployment's ServiceAccount, with exactly the Role's permissions.
    const kubeconfigPath = path.join(dir, 'worker-kubeconfig');
    fs.writeFileSync(kubeconfigPath, (await serviceAccountKubeConfig(admin, DEPLOY_NAMESPACE)).exportConfig());
    const simulated = await simulatedWarehouse(admin, {
      ...shippedWarehouse(),
      pollIntervalSeconds: 1,
      autoSuspend: { enabled: true, timeoutSeconds: 3 },
    });
    coordinator = simulated.coordinator;
    const { spec } = simulated;
    recorder = new StatefulSetRecorder(admin, spec);
    await recorder.start();
    await eventually(
      'group 000 (the template) healthy in the simulator',
      async () => {
        const g = await coordinator!.cluster.memberGroups();
        return g.length === 1 && g[0].healthy;
      },
      60_000,
    );

    workers = new WorkerPool({
      built: built!,
      prefix: 'shipped',
      address: env!.address,
      taskQueue: TASK_QUEUE,
      kubeconfigPath,
      stickyQueueScheduleToStartTimeoutMs: 1000,
      impalaTimeoutMs: 1000,
    });
    let worker = await workers.start();
    handle = await env!.client.workflow.start(warehouseWorkflow, {
      taskQueue: TASK_QUEUE,
      workflowId: workflowIdFor(spec.name),
      args: [{ spec }],
      workflowTaskTimeout: '2s',
    });
    const h = handle;
    const log = new DecisionLog();
    const status = () => env!.connection.withDeadline(Date.now() + 3000, () => h.query(statusQuery));

    const suspended = await eventually(
      'suspended: every group deleted, group 000 (the template) included',
      async () => {
        const s = await status();
        log.add(s);
        return s.state.state === 'Suspended' && s.template && (await recorder!.snapshot()).length === 0 ? s : undefined;
      },
      60_000,
      200,
    );
    const template = suspended.template!;
    say(`template ${template.revision} captured from ${template.source}; suspended at tick ${suspended.state.tick}`);

    // At a random point of the suspended warehouse's ticks.
    await sleep(r.between(0, 2000));
    await worker.kill9();
    worker = await workers.start();
    const t0 = Date.now();
    await submitQuery(coordinator, 300_000);
    await eventually(
      'group 000 back and Ready, the query running',
      async () => {
        log.add(await status().catch(() => suspended));
        const live = (await recorder!.snapshot()).filter((g) => !g.deleting);
        return (
          live.length === 1 &&
          live[0].name === 'impala-executor-000' &&
          live[0].ready &&
          coordinator!.cluster.queries().every((q) => q.state === 'running')
        );
      },
      60_000,
      200,
    );
    const backMs = Date.now() - t0;
    const final = await settledAt(status, 1, log, 30_000, 300);

    const group = await apps.readNamespacedStatefulSet({ name: 'impala-executor-000', namespace: DEPLOY_NAMESPACE });
    expect(group.metadata?.annotations?.['impala.apache.org/template-revision']).toBe(template.revision);
    expect(group.spec?.template.spec?.containers[0].image).toBe('apache/impala:4.5.0-impalad_executor');
    expect(group.spec?.template.spec?.containers[0].args).toContain('--executor_groups=root.default-group-000:2');
    expect(group.spec?.template.spec?.containers[0].lifecycle?.preStop?.exec?.command?.join(' ')).toContain(
      'kill -s SIGRTMIN 1',
    );
    expect(final.template).toEqual(template);
    expect(
      log
        .all()
        .flatMap((d) => d.reasons)
        .filter((x) => x.startsWith('Failed to')),
    ).toEqual([]);

    // 000 was created twice: by `kubectl apply` of deploy/, then by the resume.
    const decided = log.addsDecided();
    const expected = { ...decided, 'impala-executor-000': (decided['impala-executor-000'] ?? 0) + 1 };
    const listed = await recorder.snapshot();
    const orphans = orphansBetween(listed, final);
    say(
      `creations ${JSON.stringify(recorder.creations())}; adds decided ${JSON.stringify(decided)}; orphans: ${orphans.detail}`,
    );
    expect(recorder.creations()).toEqual({ 'impala-executor-000': 2 });
    return {
      faults: 1,
      restarts: 1,
      groupsCreated: recorder.total() - 1,
      duplicates: duplicatesOver(recorder.creations(), expected),
      orphans: orphans.count,
      extra: `template ${template.revision} kept through suspend and kill -9; group 000 back and Ready ${backMs} ms after the query (worker ${worker.name})`,
    };
  });
}, 240_000);
