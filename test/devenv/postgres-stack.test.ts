// The production Temporal topology, run: temporal-server on PostgreSQL, both set up by docker-compose.yml's own
// scripts and configuration (src/devenv/postgres-stack.ts), and `impala-autoscaler worker` given its server the way
// compose gives it (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE) — on the real local Kubernetes control plane, with the
// coordinator simulator admitting queries on the warehouse's Ready pods. One stack for the file: its setup read back
// from PostgreSQL and the server, a warehouse end to end through the command line (apply, list from the SQL
// visibility store, status, history), and kill -9 of temporal-server mid scale-up, restarted on the same database.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { parse, stringify } from 'yaml';
import type { ApplyResult } from '../../src/client/commands/warehouse/apply';
import type { ListedWarehouse } from '../../src/client/commands/warehouse/read';
import {
  composePlan,
  startPostgresStack,
  temporalServerTools,
  type PostgresStack,
} from '../../src/devenv/postgres-stack';
import { workflowIdFor } from '../../src/policy/names';
import { TASK_QUEUE } from '../../src/worker';
import {
  statusQuery,
  warehouseWorkflow,
  type DecisionRecord,
  type WarehouseStatus,
} from '../../src/workflows/warehouse';
import { SEARCH_ATTRIBUTES } from '../../src/workflows/messages';
import {
  chaosCase,
  chaosSeed,
  counterProblems,
  DecisionLog,
  duplicatesOver,
  orphansBetween,
  rng,
  settledAt,
  sleep,
} from '../chaos/support/chaos';
import { startWorld, type World } from '../chaos/support/world';
import { background, cliJson, type Background } from '../client/support';
import { fastLoopWarehouse, useLocalCluster } from '../support/local-cluster';
import { eventually, temporalCliPath } from '../support/temporal';

const SEED = chaosSeed();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stack-test-'));
let stack: PostgresStack | undefined;
let connection: Connection | undefined;
let client: Client | undefined;
let worker: Background | undefined;
const worlds: World[] = [];
const handles: WorkflowHandle[] = [];

// Before the cluster's hooks (jest runs afterAll hooks in order): the worker stops before the servers.
afterAll(async () => {
  for (const h of handles) await bounded(5000, () => h.terminate('test over')).catch(() => undefined);
  await worker?.stop('SIGKILL');
  await Promise.all(worlds.map((w) => w.close()));
  await connection?.close();
  await stack?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);
// Pods Ready 6 s after they are scheduled: a scale-up stays in progress for several 1 s ticks.
const cluster = useLocalCluster({ podReadyDelayMs: 6000 });

beforeAll(async () => {
  stack = await startPostgresStack({ log: (line) => process.stderr.write(`${line}\n`) });
  connection = await Connection.connect({ address: stack.address });
  client = new Client({ connection, namespace: stack.namespace });
  worker = background(
    [
      'worker',
      '--kubeconfig',
      cluster().kubeconfigPath,
      '--metrics-host',
      '127.0.0.1',
      '--metrics-port',
      '0',
      '--log-format',
      'json',
    ],
    {
      TEMPORAL_ADDRESS: stack.address,
      TEMPORAL_NAMESPACE: stack.namespace,
    },
  );
  await eventually(
    'the worker to start',
    async () => worker!.output().includes('worker started on task queue'),
    120_000,
    500,
  );
}, 300_000);

/** A client call with a deadline: a call still retrying when the connection closes would throw from a timer. */
const bounded = <T>(ms: number, fn: () => Promise<T>): Promise<T> => connection!.withDeadline(Date.now() + ms, fn);
const status = (h: WorkflowHandle<typeof warehouseWorkflow>) => bounded(3000, () => h.query(statusQuery));
const conn = () => ['--address', stack!.address, '--namespace', stack!.namespace];

async function world(name: string, overrides: Record<string, unknown>): Promise<World> {
  const w = await startWorld(cluster(), name, overrides);
  worlds.push(w);
  return w;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { env, encoding: 'utf8' }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
    ),
  );
}

test("compose's scripts set up PostgreSQL, the namespace and the search attributes; the server runs compose's config", async () => {
  const s = stack!;
  const psql = (db: string, sql: string) =>
    run(
      path.join(temporalServerTools(), 'pgbin', 'psql'),
      ['-h', s.database.host, '-p', String(s.database.port), '-U', s.database.user, '-d', db, '-tAc', sql],
      { ...process.env, PGPASSWORD: s.database.password },
    );
  // The latest schema versions of go.temporal.io/server v1.29.1 (schema/postgresql/v12/version.go).
  expect((await psql('temporal', 'SELECT curr_version FROM schema_version')).trim()).toBe('1.18');
  expect((await psql('temporal_visibility', 'SELECT curr_version FROM schema_version')).trim()).toBe('1.9');

  const list = await run(temporalCliPath(), ['operator', 'search-attribute', 'list', ...conn(), '--output', 'json']);
  const custom = (JSON.parse(list) as { customAttributes: Record<string, string> }).customAttributes;
  expect(Object.fromEntries(Object.entries(custom).filter(([k]) => k.startsWith('Impala')))).toEqual(
    Object.fromEntries(
      // The server's enum names: KeywordList is INDEXED_VALUE_TYPE_KEYWORD_LIST.
      Object.entries(SEARCH_ATTRIBUTES).map(([name, type]) => [
        name,
        `INDEXED_VALUE_TYPE_${type.replace(/(?<=[a-z])(?=[A-Z])/g, '_').toUpperCase()}`,
      ]),
    ),
  );

  // The server image's template, rendered with the `temporal` service's environment: PostgreSQL, compose's dynamic config.
  const config = parse(fs.readFileSync(path.join(s.dir, 'temporal', 'config', 'docker.yaml'), 'utf8')) as {
    persistence: {
      datastores: Record<
        string,
        { sql: { pluginName: string; databaseName: string; connectAddr: string; user: string } }
      >;
    };
    dynamicConfigClient: { filepath: string };
  };
  const at = `${s.database.host}:${s.database.port}`;
  expect(config.persistence.datastores.default.sql).toMatchObject({
    pluginName: 'postgres12',
    databaseName: 'temporal',
    connectAddr: at,
    user: s.database.user,
  });
  expect(config.persistence.datastores.visibility.sql).toMatchObject({
    pluginName: 'postgres12',
    databaseName: 'temporal_visibility',
    connectAddr: at,
  });
  expect(config.dynamicConfigClient.filepath).toBe(composePlan().dynamicConfigFile);
  // And the server reads it: deploy/compose/dynamicconfig sets limit.maxIDLength to 255 (the server's default is 1000).
  const tooLong = await client!.workflow.start('anything', { taskQueue: 'nobody', workflowId: 'x'.repeat(256) }).then(
    () => undefined,
    (err: Error) => err,
  );
  expect((tooLong?.cause as Error | undefined)?.message).toMatch(/WorkflowId length exceeds limit/);

  // Compose restarts a failed one-shot: run again, each keeps what exists.
  expect(await s.rerun('temporal-schema')).toMatch(
    /database temporal is there[\s\S]*database temporal_visibility is there[\s\S]*temporal-schema: done/,
  );
  expect((await psql('temporal', 'SELECT curr_version FROM schema_version')).trim()).toBe('1.18');
  expect(await s.rerun('temporal-setup')).toContain('temporal-setup: search attribute ImpalaWarehouse exists');
}, 120_000);

test('a warehouse end to end through the command line: apply, scale-up, list from the SQL visibility store, status, history', async () => {
  const w = await world('pgcli', { autoSuspend: { enabled: false, timeoutSeconds: 300 } });
  const file = path.join(dir, 'warehouses.yaml');
  fs.writeFileSync(
    file,
    stringify({
      warehouses: [
        {
          ...fastLoopWarehouse(w.spec.name, w.spec.namespace, { autoSuspend: { enabled: false, timeoutSeconds: 300 } }),
          coordinators: [{ url: w.coordinator.url }],
        },
      ],
    }),
  );
  const workflowId = workflowIdFor(w.spec.name);
  handles.push(client!.workflow.getHandle(workflowId));
  expect(await cliJson<ApplyResult[]>(['warehouse', 'apply', '-f', file, ...conn()])).toEqual([
    { name: 'pgcli', workflowId, result: 'created', changes: [] },
  ]);
  expect(await cliJson<ApplyResult[]>(['warehouse', 'apply', '-f', file, ...conn()])).toEqual([
    { name: 'pgcli', workflowId, result: 'unchanged', changes: [] },
  ]);

  // 30 queries of 6 s on 12-slot groups: the aggressive warehouse adds the two groups the queue needs at once.
  w.submit(30, 6000);
  await eventually(
    '3 ready groups and an empty queue',
    async () => {
      const live = await w.live();
      return live.length === 3 && live.every((g) => g.ready) && w.queued() === 0;
    },
    90_000,
    250,
  );
  const listed = await eventually(
    'list to show the 3 groups',
    async () => {
      const rows = await cliJson<ListedWarehouse[]>(['warehouse', 'list', ...conn()]);
      // Groups and target come from one upsert; the aggressive warehouse lowers the target again one observed
      // start-up after the burst, so the listing is read while both say 3.
      return rows.find((r) => r.name === 'pgcli' && r.groups === 3 && r.target === 3);
    },
    30_000,
    250,
  );
  expect(listed).toMatchObject({ workflowId, status: 'RUNNING', target: 3, taskQueue: TASK_QUEUE });

  await eventually('back to 1 group', async () => (await w.live()).length === 1, 90_000, 250);
  const s = await eventually(
    'the status to show 1 group',
    async () => {
      const st = await cliJson<WarehouseStatus>(['warehouse', 'status', 'pgcli', ...conn()]);
      return st.state.current === 1 && st.state.target === 1 ? st : undefined;
    },
    30_000,
    500,
  );
  expect(s.spec).toMatchObject({ name: 'pgcli', namespace: w.spec.namespace, mode: 'aggressive' });
  // The decision log: apply's resize record, then each group added once on the queue and removed once after it.
  const history = await cliJson<DecisionRecord[]>(['warehouse', 'history', 'pgcli', '--actions-only', ...conn()]);
  const scaling = history.filter((d) => d.actions.some((a) => /^(add|remove) /.test(a)));
  const actions = scaling.flatMap((d) => d.actions);
  expect([...actions.slice(0, 2)].sort()).toEqual(['add impala-executor-001', 'add impala-executor-002']);
  // Drain-safe: whichever two groups were idle go, each once.
  const removes = actions.slice(2);
  expect(removes).toHaveLength(2);
  expect(new Set(removes).size).toBe(2);
  for (const r of removes) expect(r).toMatch(/^remove impala-executor-00[012]$/);
  expect(scaling[0].reasons).toContain('Adding new executor group: impala-executor-001');
  expect(scaling[0].reasons.some((r) => /^needsScaleUp is true as there are \d+ queries queued\.$/.test(r))).toBe(true);
  expect(w.recorder.creations()).toEqual({
    'impala-executor-000': 1,
    'impala-executor-001': 1,
    'impala-executor-002': 1,
  });
}, 240_000);

test('kill -9 of temporal-server mid scale-up, restarted on the same database: no tick, counter or group lost or duplicated', async () => {
  await chaosCase('temporal-server kill -9 on PostgreSQL', SEED, async (say) => {
    const r = rng(SEED, 'postgres-server');
    const w = await world('pgkill', { autoSuspend: { enabled: false, timeoutSeconds: 300 } });
    const h = await client!.workflow.start(warehouseWorkflow, {
      taskQueue: TASK_QUEUE,
      workflowId: workflowIdFor(w.spec.name),
      args: [{ spec: w.spec }],
    });
    handles.push(h);
    const log = new DecisionLog();
    w.submit(30, 4000);
    const before = await eventually(
      'a scale-up in progress',
      async () => {
        const s = await status(h);
        log.add(s);
        return s.state.pending.length > 0 ? s : undefined;
      },
      60_000,
      100,
    );
    // A random point of the scale-up (ticks 1 to about 4): groups created, their pods not Ready for 6 s.
    await sleep(r.between(0, 3000));
    const last = await status(h);
    log.add(last);
    expect(last.state.pending.length).toBeGreaterThan(0);
    const downForMs = Math.round(r.between(500, 3000));
    const t0 = Date.now();
    await stack!.killServer();
    await sleep(downForMs);
    await stack!.startServer();
    say(
      `temporal-server killed at tick ${last.state.tick} (pending ${last.state.pending.map((p) => p.name).join(', ') || 'none'}, scale-up counter ${last.state.counters.inScaleUp}), down ${downForMs} ms, serving again after ${Date.now() - t0} ms`,
    );

    const after = await eventually(
      'a tick after the restart',
      async () => {
        const s = await status(h);
        log.add(s);
        return s.state.tick > last.state.tick ? s : undefined;
      },
      90_000,
      200,
    );
    say(`first status after the restart: tick ${after.state.tick}, ${Date.now() - t0} ms after the kill`);
    await eventually(
      '3 ready groups and an empty queue',
      async () => {
        log.add(await status(h));
        const live = await w.live();
        return live.length === 3 && live.every((g) => g.ready) && w.queued() === 0;
      },
      90_000,
      250,
    );
    await eventually(
      'back to 1 group',
      async () => {
        log.add(await status(h));
        return (await w.live()).length === 1;
      },
      90_000,
      250,
    );
    const final = await settledAt(() => status(h), 1, log, 60_000, 300);

    // Ticks 1..N without a gap or a step back; every counter seen on consecutive ticks went up by exactly one.
    expect(counterProblems(log.ticks())).toEqual([]);
    expect(log.ticks()[0].tick).toBe(1);
    // Nothing recorded before the kill is missing after it (the status keeps the last 50 decisions).
    if (final.decisions.length < 50)
      expect(before.decisions.filter((d) => !final.decisions.some((x) => x.tick === d.tick && x.at === d.at))).toEqual(
        [],
      );
    // Every StatefulSet ever created is a decided add (000 was created before the workflow), and every decided add was created.
    const decided = log.addsDecided();
    const expected = { ...decided, 'impala-executor-000': (decided['impala-executor-000'] ?? 0) + 1 };
    const creations = w.recorder.creations();
    expect(creations).toEqual(expected);
    expect(decided).toEqual({ 'impala-executor-001': 1, 'impala-executor-002': 1 });
    const orphans = orphansBetween(await w.recorder.snapshot(), final);
    return {
      faults: 1,
      restarts: 1,
      groupsCreated: w.recorder.total() - 1,
      duplicates: duplicatesOver(creations, expected),
      orphans: orphans.count,
      extra: `server down ${downForMs} ms at tick ${last.state.tick}; ticks ${log.ticks().length} continuous (1..${final.state.tick})`,
    };
  });
}, 300_000);
