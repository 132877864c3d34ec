// `impala-autoscaler worker` as operators run it: the real binary against a Temporal dev server, a real local
// Kubernetes control plane (StatefulSets → KWOK pods) and the Impala coordinator simulator (its executors are those
// pods). Checks: --start applies the file, /healthz and /readyz, /metrics with our series and the SDK's on one port,
// pino JSON logs carrying warehouse/workflowId/tick exactly once across a restart (replay does not log again),
// SIGTERM drains and exits 0, `warehouse pods` lists the pods; and configuration errors stop it before it starts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { stringify } from 'yaml';
import { KubernetesExecutorGroups } from '../../src/activities/kubernetes/executor-groups';
import { KubernetesPodMembership } from '../../src/sim/pod-membership';
import type { PodRow } from '../../src/client/commands/warehouse/pods';
import { parseWarehouseSpec } from '../../src/config/warehouse-spec';
import { clusterOptionsFor } from '../../src/sim/cluster';
import { startCoordinator, type CoordinatorServer } from '../../src/sim/coordinator';
import { freePorts } from '../../src/util/ports';
import { fastLoopWarehouse, useLocalCluster } from '../support/local-cluster';
import { eventually, startTemporal } from '../support/temporal';
import { background, cli, cliJson, type Background } from './support';

const cluster = useLocalCluster({ podReadyDelayMs: 1000 });
const TASK_QUEUE = `cli-worker-${process.pid}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-worker-'));
let env: TestWorkflowEnvironment | undefined;
let coordinator: CoordinatorServer | undefined;
const workers: Background[] = [];

beforeAll(async () => {
  env = await startTemporal();
}, 180_000);

afterAll(async () => {
  await env?.client.workflow
    .getHandle('warehouse-wk')
    .terminate('test over')
    .catch(() => undefined);
  for (const w of workers) await w.stop('SIGKILL');
  await coordinator?.close();
  await env?.teardown();
  fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

interface LogLine {
  level: number;
  msg: string;
  warehouse?: string;
  workflowId?: string;
  tick?: number;
}
const logLines = (w: Background): LogLine[] =>
  w
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);

async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url);
  return { status: res.status, text: await res.text() };
}

/** The value of one series in Prometheus text, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('worker --start scales a warehouse on Kubernetes, with metrics, health, logs and graceful shutdown', async () => {
  const namespace = await cluster().createNamespace('cliw');
  const kc = cluster().kubeConfig();
  const membership = new KubernetesPodMembership(kc, { name: 'wk', namespace });
  const base = fastLoopWarehouse('wk', namespace);
  coordinator = await startCoordinator({
    port: 0,
    ...clusterOptionsFor(parseWarehouseSpec({ ...base, coordinators: [] }), membership),
  });
  // The coordinator as a bare URL, as operators write it: short for { url }.
  const spec = { ...base, coordinators: [coordinator.url] };
  await new KubernetesExecutorGroups(kc).create(parseWarehouseSpec(spec), 0);
  const config = path.join(dir, 'warehouses.yaml');
  fs.writeFileSync(config, stringify({ warehouses: [spec] }));
  // Group 000 serves queries before any arrive: the first queue the warehouse sees is the one the slots leave.
  await eventually(
    'group 000 healthy in the simulator',
    async () => {
      const g = await coordinator!.cluster.memberGroups();
      return g.length === 1 && g[0].healthy;
    },
    60_000,
  );

  const [port, port2] = await freePorts(2);
  const args = (p: number) => [
    'worker',
    '--config',
    config,
    '--kubeconfig',
    cluster().kubeconfigPath,
    '--task-queue',
    TASK_QUEUE,
    '--address',
    env!.address,
    '--metrics-host',
    '127.0.0.1',
    '--metrics-port',
    String(p),
    '--log-format',
    'json',
  ];
  const first = background([...args(port), '--start']);
  workers.push(first);
  const base1 = `http://127.0.0.1:${port}`;
  await eventually('/readyz to answer 200', async () => (await get(`${base1}/readyz`)).status === 200, 90_000, 500);
  expect(await get(`${base1}/healthz`)).toEqual({ status: 200, text: 'ok\n' });
  await eventually(
    'the warehouse to be started by --start',
    () => logLines(first).some((l) => l.msg === 'warehouse wk: created'),
    60_000,
    500,
  );

  // 30 queries of 8 s on one 12-slot group: 12 run, 18 queue, and the aggressive warehouse adds groups at once.
  for (let i = 0; i < 30; i++) coordinator.cluster.submit({ durationMs: 8000, coordinator: coordinator.name });
  const metrics = await eventually(
    'a scale-up and a timer-woken tick in the metrics',
    async () => {
      const { text } = await get(`${base1}/metrics`);
      // And at least one tick woken by its timer (the first ticks may all be woken by the start and the queue).
      const woken = sample(text, 'impala_autoscaler_tick_lateness_seconds_count') ?? 0;
      return (sample(text, 'impala_autoscaler_scale_up_calls_total{warehouse="wk"}') ?? 0) >= 1 && woken >= 1
        ? text
        : undefined;
    },
    90_000,
    1000,
  );
  for (const name of [
    'executor_groups',
    'target_executor_groups',
    'queries_queued',
    'queries_running',
    'scale_down_calls_total',
    'suspend_calls_total',
    'resume_calls_total',
    'load_read_failures_total',
  ]) {
    expect(sample(metrics, `impala_autoscaler_${name}{warehouse="wk"}`)).toEqual(expect.any(Number));
  }
  expect(metrics).toMatch(/^# TYPE impala_autoscaler_scale_up_calls_total counter$/m);
  // Ticks woken by their timer say how late they started: what tells an operator that the worker falls behind.
  expect(metrics).toMatch(/^# TYPE impala_autoscaler_tick_lateness_seconds histogram$/m);
  expect(sample(metrics, 'impala_autoscaler_tick_lateness_seconds_count')).toBeGreaterThanOrEqual(1);
  expect(metrics).toMatch(/^temporal_workflow_task_schedule_to_start_latency_seconds_bucket\{/m);
  // The Temporal SDK's series are in the same registry, e.g. workflow task latencies and completed tasks.
  expect(metrics).toMatch(/^temporal_\w+(\{[^}]*task_queue="cli-worker-\d+"[^}]*\})? \d/m);
  expect(metrics).not.toMatch(/password|apiKey|api_key/i);

  const pods = await eventually(
    'pods of two groups or more',
    async () => {
      const rows = await cliJson<PodRow[]>([
        'warehouse',
        'pods',
        'wk',
        '--kubeconfig',
        cluster().kubeconfigPath,
        '--address',
        env!.address,
      ]);
      return new Set(rows.map((r) => r.group)).size >= 2 ? rows : undefined;
    },
    60_000,
    1000,
  );
  // Each pod names the Impala group of its StatefulSet. Which groups still exist depends on when the burst drained:
  // a drain-safe scale-down may remove 000 first when it went idle first.
  for (const p of pods) {
    const index = /^impala-executor-(\d{3})-\d+$/.exec(p.pod)?.[1];
    expect({ pod: p.pod, group: p.group }).toEqual({ pod: p.pod, group: `root.default-group-${index}` });
  }
  expect(pods[0].phase).toEqual(expect.any(String));
  expect(pods.some((p) => p.ready)).toBe(true);
  const podsTable = await cli([
    'warehouse',
    'pods',
    'wk',
    '--k8s-namespace',
    namespace,
    '--kubeconfig',
    cluster().kubeconfigPath,
  ]);
  expect(podsTable.stdout).toMatch(/^POD\s+GROUP\s+READY\s+PHASE\s+NODE\n/);
  expect(podsTable.stdout).toMatch(/^impala-executor-(\d{3})-0\s+root\.default-group-\1\s+(yes|no)\s+\w+/m);

  // Logs: pino JSON with the warehouse, its workflow id and the tick.
  const decisions = logLines(first).filter((l) => l.warehouse === 'wk');
  const scaleUp = decisions.find((l) => l.msg.startsWith('needsScaleUp is true'));
  expect(scaleUp).toMatchObject({
    msg: 'needsScaleUp is true as there are 18 queries queued.',
    workflowId: 'warehouse-wk',
    tick: expect.any(Number),
    level: 30,
  });
  // In the tick that read that queue.
  expect(decisions.find((l) => l.tick === scaleUp!.tick && l.msg.startsWith('Group Set:'))?.msg).toBe(
    'Group Set: root.default Load: numQueriesQueued 18, numQueriesRunning 12',
  );

  // SIGTERM: the worker drains and exits 0.
  const lastTickBefore = Math.max(
    ...logLines(first)
      .filter((l) => l.tick !== undefined)
      .map((l) => l.tick!),
  );
  expect(await first.stop('SIGTERM')).toBe(0);
  expect(first.output()).toContain('SIGTERM received: draining the worker');
  expect(logLines(first).at(-1)?.msg).toBe('worker stopped');

  // A new worker replays the workflow's history: the ticks logged before are not logged again.
  const second = background(args(port2));
  workers.push(second);
  await eventually(
    'the new worker to log new ticks',
    () => logLines(second).some((l) => l.warehouse === 'wk' && l.tick! > lastTickBefore + 2),
    90_000,
    500,
  );
  const seen = new Map<string, number>();
  for (const l of [...logLines(first), ...logLines(second)]) {
    if (l.warehouse !== 'wk' || l.tick === undefined) continue;
    const key = `${l.tick} ${l.msg}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const twice = [...seen].filter(([, n]) => n > 1).map(([k]) => k);
  // A line repeated in one tick is legitimate; across the two workers a tick's lines never appear twice.
  const ticks1 = new Set(
    logLines(first)
      .filter((l) => l.warehouse === 'wk')
      .map((l) => l.tick),
  );
  expect(logLines(second).filter((l) => l.warehouse === 'wk' && ticks1.has(l.tick))).toEqual([]);
  expect(twice.filter((k) => ticks1.has(Number(k.split(' ')[0])))).toEqual([]);

  // An idle tick's one line, which the worker logs from the tick's metrics report (src/worker.ts withSteadyLines):
  // the same fields as the lines the workflow logs itself (the workflow's ids, sdkComponent, warehouse, tick).
  const steady = await eventually(
    'an idle tick logged as one line',
    () => logLines(second).find((l) => l.warehouse === 'wk' && l.msg.startsWith('Same decision as tick ')),
    60_000,
    500,
  );
  expect(steady.msg).toMatch(/^Same decision as tick \d+ \(.+\)\.$/);
  expect(steady).toMatchObject({
    level: 30,
    workflowId: 'warehouse-wk',
    sdkComponent: 'workflow',
    tick: expect.any(Number),
  });
  expect(Object.keys(steady).sort()).toEqual(Object.keys(scaleUp!).sort());
  expect(logLines(second).filter((l) => l.tick === steady.tick && l.warehouse === 'wk')).toEqual([steady]);
  expect(await second.stop('SIGINT')).toBe(0);
});

test('configuration errors stop the worker before it starts, naming the file, warehouse and fix', async () => {
  const noCoordinators = path.join(dir, 'no-coordinators.yaml');
  fs.writeFileSync(
    noCoordinators,
    stringify({ warehouses: [{ name: 'lonely', namespace: 'n', size: 'XSMALL', nodes: { min: 2, max: 4 } }] }),
  );
  const badYaml = path.join(dir, 'bad.yaml');
  fs.writeFileSync(badYaml, 'warehouses:\n  - name: x\n    nodes: { min: 1\n');
  const [port] = await freePorts(1);
  const [missing, broken, startWithoutConfig, unreachable, badPort] = await Promise.all([
    cli(['worker', '--config', noCoordinators, '--kubeconfig', cluster().kubeconfigPath]),
    cli(['worker', '--config', badYaml]),
    cli(['worker', '--start']),
    cli([
      'worker',
      '--kubeconfig',
      cluster().kubeconfigPath,
      '--address',
      `127.0.0.1:${port}`,
      '--connect-timeout',
      '1',
      '--metrics-port',
      '0',
      '--log-format',
      'json',
    ]),
    cli(['worker', '--metrics-port', 'ninety']),
  ]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain(`${noCoordinators}: warehouse lonely: coordinators is empty`);
  expect(broken.code).toBe(1);
  expect(broken.stderr).toMatch(new RegExp(`${badYaml}:\\d+: not valid YAML or JSON`));
  expect(startWithoutConfig.stderr).toContain('--start applies the warehouses of --config: give --config FILE too');
  expect(unreachable.code).toBe(1);
  expect(unreachable.stderr).toContain(`Temporal server unreachable at 127.0.0.1:${port}`);
  expect(badPort.code).not.toBe(0);
  expect(badPort.stderr).toContain('must be a port number 0–65535 (got "ninety")');
});
