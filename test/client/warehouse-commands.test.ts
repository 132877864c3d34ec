// Every `warehouse` command through the real binary against a real Temporal dev server, with a worker in this
// process (in-process executor groups, a load the test sets) serving the task queue the commands name.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { InProcessExecutorGroups } from '../../src/activities/in-process';
import type { ApplyResult } from '../../src/client/commands/warehouse/apply';
import type { ListedWarehouse } from '../../src/client/commands/warehouse/read';
import { buildProgram } from '../../src/client/main';
import type { WarehouseSpec } from '../../src/policy/types';
import { freePorts } from '../../src/util/ports';
import type { DecisionRecord, WarehouseStatus } from '../../src/workflows/warehouse';
import { eventually } from '../support/temporal';
import { type CliBackend, cli, cliJson, startCliBackend, warehousesFile } from './support';

const TASK_QUEUE = `cli-test-${process.pid}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-wh-'));
let env: TestWorkflowEnvironment | undefined;
let backend: CliBackend | undefined;
let queued = 0;
const groups = new InProcessExecutorGroups({ readyAfterMs: 500 });

const warehouse = (over: Record<string, unknown> = {}) => ({
  name: 'cli',
  namespace: 'impala',
  coordinators: [{ url: 'http://127.0.0.1:25000' }],
  executorsPerGroup: 2,
  nodes: { min: 2, max: 6 },
  pollIntervalSeconds: 1,
  scaleUpDelaySeconds: 1,
  autoSuspend: { enabled: false, timeoutSeconds: 300 },
  ...over,
});
const file = (name: string, warehouses: unknown[]) => warehousesFile(dir, name, warehouses);
let conn: string[] = [];
const run = (...args: string[]) => cli([...args, ...conn]);
const json = <T>(...args: string[]) => cliJson<T>([...args, ...conn]);
const status = () => json<WarehouseStatus>('warehouse', 'status', 'cli');

beforeAll(async () => {
  backend = await startCliBackend(TASK_QUEUE, groups, () => queued);
  env = backend.env;
  conn = backend.conn;
}, 180_000);

afterAll(async () => {
  await backend?.close(['warehouse-cli']);
  fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

test('--help works on every command (and through the binary)', async () => {
  const program = buildProgram();
  const all = [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)];
  for (const c of all) expect(c.helpInformation()).toContain('Usage: ');
  const names = program.commands.find((c) => c.name() === 'warehouse')!.commands.map((c) => c.name());
  expect(names).toEqual([
    'apply',
    'list',
    'status',
    'history',
    'resize',
    'suspend',
    'resume',
    'pause',
    'unpause',
    'freeze',
    'unfreeze',
    'refresh-template',
    'pods',
    'fleet',
  ]);
  for (const c of program.commands.find((c) => c.name() === 'warehouse')!.commands) {
    if (c.name() !== 'apply' && c.name() !== 'list') expect(c.helpInformation()).toMatch(/--json/);
  }
  const [top, resize] = await Promise.all([cli(['--help']), cli(['warehouse', 'resize', '--help'])]);
  expect(top).toMatchObject({ code: 0 });
  expect(top.stdout).toMatch(/worker \[options\]/);
  expect(resize.code).toBe(0);
  expect(resize.stdout).toContain('--no-auto-suspend');
  expect(resize.stdout).toContain('TEMPORAL_ADDRESS');
});

test('apply starts a warehouse, a second apply changes nothing, a changed file sends only the changes', async () => {
  const f = file('one.yaml', [warehouse()]);
  expect(await json<ApplyResult[]>('warehouse', 'apply', '-f', f, '--task-queue', TASK_QUEUE)).toEqual([
    { name: 'cli', workflowId: 'warehouse-cli', result: 'created', changes: [] },
  ]);
  await eventually('the first tick', async () => (await status()).state.tick > 0);
  const decisionsBefore = (await status()).decisions.filter((d) => d.actions.includes('resize')).length;

  const again = await run('warehouse', 'apply', '-f', f, '--task-queue', TASK_QUEUE);
  expect(again.code).toBe(0);
  expect(again.stdout).toMatch(/^cli\s+unchanged\s*$/m);
  expect((await status()).decisions.filter((d) => d.actions.includes('resize')).length).toBe(decisionsBefore);

  const changed = file('changed.yaml', [warehouse({ mode: 'aggressive', nodes: { min: 2, max: 8 } })]);
  expect(await json<ApplyResult[]>('warehouse', 'apply', '-f', changed, '--task-queue', TASK_QUEUE)).toEqual([
    {
      name: 'cli',
      workflowId: 'warehouse-cli',
      result: 'updated',
      changes: ['nodes: {"min":2,"max":6} → {"min":2,"max":8}', 'mode: "balanced" → "aggressive"'],
    },
  ]);
  const s = await status();
  expect(s.spec).toMatchObject({ mode: 'aggressive', nodes: { min: 2, max: 8 } });
  expect(
    s.decisions
      .at(-1)
      ?.reasons.concat(s.decisions.flatMap((d) => d.reasons))
      .some((r) => r.startsWith('Resize accepted: {"nodes":{"min":2,"max":8},"mode":"aggressive"}')),
  ).toBe(true);
});

test('apply refuses a change a resize cannot make, and applies nothing of that file', async () => {
  const f = file('conflict.yaml', [
    warehouse({ mode: 'conservative', namespace: 'elsewhere' }),
    warehouse({ name: 'never-started' }),
  ]);
  const r = await run('warehouse', 'apply', '-f', f, '--task-queue', TASK_QUEUE);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('nothing applied: a resize cannot change these fields of a running warehouse');
  expect(r.stderr).toContain('warehouse cli: namespace cannot change (running: "impala", file: "elsewhere")');
  expect((await status()).spec.mode).toBe('aggressive');
  const missing = await run('warehouse', 'status', 'never-started');
  expect(missing.stderr).toContain(
    'no warehouse named never-started (workflow warehouse-never-started not found in namespace default)',
  );
  // A file without a fleet: section starts no fleet, and `warehouse fleet` says how one is started.
  const noFleet = await run('warehouse', 'fleet', 'main');
  expect(noFleet.code).toBe(1);
  expect(noFleet.stderr).toContain(
    'no fleet main is running (workflow fleet-main): `warehouse apply -f FILE` starts it from a warehouses file whose fleet: section is named main',
  );
});

test('bad YAML and bad flags give clear errors and non-zero exits, and start nothing', async () => {
  const bad = file('bad.yaml', [
    warehouse({ name: 'fresh' }),
    warehouse({ name: 'broken', nodes: { min: 4, max: 3 } }),
  ]);
  const [yaml, noFile, badMode, noChange, badNumber] = await Promise.all([
    run('warehouse', 'apply', '-f', bad, '--task-queue', TASK_QUEUE),
    run('warehouse', 'apply'),
    run('warehouse', 'resize', 'cli', '--mode', 'fast'),
    run('warehouse', 'resize', 'cli'),
    run('warehouse', 'resize', 'cli', '--min-nodes', 'two'),
  ]);
  expect(yaml.code).toBe(1);
  expect(yaml.stderr).toMatch(
    new RegExp(
      `${bad}:\\d+: warehouse "broken" \\(#2\\): .*nodes\\.max must be a multiple of the group size 2 \\(got 3\\)`,
    ),
  );
  expect((await run('warehouse', 'status', 'fresh')).stderr).toContain('no warehouse named fresh');
  expect(noFile.code).not.toBe(0);
  expect(noFile.stderr).toContain("required option '-f, --file <file>' not specified");
  expect(badMode.code).not.toBe(0);
  expect(badMode.stderr).toContain(
    "argument 'fast' is invalid. Allowed choices are conservative, balanced, aggressive",
  );
  expect(noChange.code).not.toBe(0);
  expect(noChange.stderr).toContain('nothing to change: give at least one of --min-nodes');
  expect(badNumber.code).not.toBe(0);
  expect(badNumber.stderr).toContain('--min-nodes must be a number (got "two")');
});

test('list shows the warehouse from its search attributes', async () => {
  queued = 3;
  const rows = await eventually(
    'list to show 2+ groups',
    async () => {
      const l = await json<ListedWarehouse[]>('warehouse', 'list');
      return l.find((w) => w.name === 'cli' && (w.groups ?? 0) >= 2) ? l : undefined;
    },
    60_000,
    500,
  );
  expect(rows.find((w) => w.name === 'cli')).toMatchObject({
    workflowId: 'warehouse-cli',
    status: 'RUNNING',
    taskQueue: TASK_QUEUE,
  });
  const table = await run('warehouse', 'list');
  expect(table.stdout).toMatch(/^WAREHOUSE\s+STATE\s+GROUPS\s+TARGET\s+STARTED/);
  expect(table.stdout).toMatch(/^cli\s+\w+\s+\d+\s+\d+\s+\S+$/m);
});

test('status and history show the scale-up with its inputs and reasons', async () => {
  const s = await eventually(
    'an added group',
    async () => {
      const st = await status();
      return st.decisions.some((d) => d.actions.some((a) => a.startsWith('add impala-executor-'))) ? st : undefined;
    },
    60_000,
    500,
  );
  expect(s.spec.name).toBe('cli');
  const history = await json<DecisionRecord[]>('warehouse', 'history', 'cli', '--actions-only');
  // The scale-up for the queue (the warehouse starts with no group, below its minimum: group 000 comes first, unasked).
  const add = history.find(
    (d) => d.actions.some((a) => a.startsWith('add ')) && d.reasons.some((r) => r.endsWith('queries queued.')),
  )!;
  expect(add).toMatchObject({ queued: 3, running: 0 });
  expect(add.reasons).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^(needsScaleUp is true|Resuming warehouse) as there are 3 queries queued\.$/),
    ]),
  );
  const text = await run('warehouse', 'history', 'cli', '--limit', '3');
  expect(text.code).toBe(0);
  expect(text.stdout).toMatch(
    /^\S+T\S+Z {2}tick \d+ {2}(queued \d+, running \d+|load unknown) {2}groups \d+ → target \d+ {2}\w+$/m,
  );
  const human = await run('warehouse', 'status', 'cli');
  expect(human.stdout).toContain('Warehouse cli (Kubernetes namespace impala)');
  expect(human.stdout).toMatch(/Executor groups: \d+ ready, target \d+/);
  queued = 0;
});

test('resize: accepted changes the spec; rejected prints the field and value, exits 1, changes nothing', async () => {
  const rejected = await run('warehouse', 'resize', 'cli', '--max-nodes', '3');
  expect(rejected.code).toBe(1);
  expect(rejected.stderr).toContain(
    'resize of warehouse cli rejected, nothing changed: resize: nodes.max must be a multiple of the group size 2 (got 3)',
  );
  expect((await status()).spec.nodes.max).toBe(8);
  const accepted = await json<WarehouseSpec>(
    'warehouse',
    'resize',
    'cli',
    '--min-nodes',
    '4',
    '--no-auto-suspend',
    '--scale-down-delay',
    '5',
    '--dry-run',
  );
  expect(accepted).toMatchObject({
    nodes: { min: 4, max: 8 },
    autoSuspend: { enabled: false },
    scaleDownDelaySeconds: 5,
    dryRun: true,
  });
  const back = await run('warehouse', 'resize', 'cli', '--no-dry-run');
  expect(back.stdout).toContain('warehouse cli resized: custom (2 executors/group), nodes 4–8');
});

test('suspend, resume, pause, unpause, freeze and unfreeze take effect through signals', async () => {
  // The status keeps the last decisions only: on a slow machine the first ones roll out before the last step, so the
  // actions are collected at every look.
  const actions = new Set<string>();
  const look = async () => {
    const s = await status();
    for (const d of s.decisions) for (const a of d.actions) actions.add(a);
    return s;
  };
  expect((await run('warehouse', 'suspend', 'cli')).stdout).toContain(
    'suspend sent to warehouse cli (workflow warehouse-cli)',
  );
  await eventually(
    'suspended',
    async () => ((await look()).state.state === 'Suspended' ? true : undefined),
    30_000,
    500,
  );
  expect(await json('warehouse', 'resume', 'cli')).toEqual({
    warehouse: 'cli',
    workflowId: 'warehouse-cli',
    signal: 'resume',
    sent: true,
  });
  await eventually(
    'resumed',
    async () => ((await look()).state.operatorSuspended === false ? true : undefined),
    30_000,
    500,
  );
  await run('warehouse', 'pause', 'cli');
  await eventually('paused', async () => (await look()).state.state === 'Paused', 30_000, 500);
  await run('warehouse', 'unpause', 'cli');
  await eventually('unpaused', async () => (await look()).state.paused === false, 30_000, 500);
  expect(await json('warehouse', 'freeze', 'cli', '--scale-in')).toMatchObject({ signal: 'freezeScaleIn', sent: true });
  await eventually(
    'frozen',
    async () => JSON.stringify((await look()).state.frozen) === '{"scaleIn":true,"scaleOut":false}',
    30_000,
    500,
  );
  await run('warehouse', 'unfreeze', 'cli');
  await eventually('unfrozen', async () => !(await look()).state.frozen?.scaleIn, 30_000, 500);
  await look();
  expect([...actions]).toEqual(expect.arrayContaining(['suspend', 'resume', 'pause', 'unpause']));
});

test('an unknown warehouse and an unreachable server are named, with a non-zero exit', async () => {
  const [port] = await freePorts(1);
  const [unknown, signal, unreachable] = await Promise.all([
    run('warehouse', 'history', 'nope'),
    run('warehouse', 'pause', 'nope'),
    cli(['warehouse', 'list', '--address', `127.0.0.1:${port}`, '--connect-timeout', '1']),
  ]);
  for (const r of [unknown, signal]) {
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'impala-autoscaler: no warehouse named nope (workflow warehouse-nope not found in namespace default)\n',
    );
  }
  expect(unreachable.code).toBe(1);
  expect(unreachable.stderr).toMatch(
    new RegExp(
      `^impala-autoscaler: Temporal server unreachable at 127\\.0\\.0\\.1:${port}: .* \\(set --address or TEMPORAL_ADDRESS\\)\\n$`,
    ),
  );
  // The address can come from the environment, as with the temporal CLI.
  const viaEnv = await cli(['warehouse', 'status', 'nope'], {
    TEMPORAL_ADDRESS: env!.address,
    TEMPORAL_NAMESPACE: 'default',
  });
  expect(viaEnv.stderr).toContain('no warehouse named nope');
});
