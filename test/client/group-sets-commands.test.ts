// The operator's commands on a warehouse of two executor group sets, through the real binary against a real Temporal
// dev server, with a worker in this process (in-process groups, a load per set the test sets): apply, list and
// status show each set, resize changes one named set and rejects an unknown one or bounds for the whole warehouse,
// history names the set of each decision, and a second apply changes nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InProcessExecutorGroups } from '../../src/activities/in-process';
import type { ApplyResult } from '../../src/client/commands/warehouse/apply';
import type { ListedWarehouse } from '../../src/client/commands/warehouse/read';
import type { WarehouseSpec } from '../../src/policy/types';
import type { DecisionRecord, WarehouseStatus } from '../../src/workflows/warehouse';
import { eventually } from '../support/temporal';
import { type CliBackend, cli, cliJson, startCliBackend, warehousesFile } from './support';

const TASK_QUEUE = `cli-sets-${process.pid}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-sets-'));
let backend: CliBackend | undefined;
/** The set with a query queued until one of its groups is ready (as a query waits for its first group). */
let waiting: string | undefined;
const groups = new InProcessExecutorGroups({ readyAfterMs: 500 });
async function queuedIn(spec: WarehouseSpec): Promise<number> {
  return spec.groupSet === waiting && !(await groups.list(spec)).groups.some((g) => g.ready) ? 1 : 0;
}

const mixed = (small: { min: number; max: number } = { min: 2, max: 6 }) => ({
  name: 'mixed',
  namespace: 'impala',
  coordinators: [{ url: 'http://127.0.0.1:25000' }],
  pollIntervalSeconds: 1,
  scaleUpDelaySeconds: 1,
  autoSuspend: { enabled: false, timeoutSeconds: 300 },
  groupSets: [
    { groupSet: 'root.small', executorsPerGroup: 2, nodes: small, maxQueryMemMb: 2048 },
    { groupSet: 'root.large', size: 'SMALL', nodes: { min: 0, max: 40 }, executorMemoryMb: 65536 },
  ],
});
const file = (name: string, warehouses: unknown[]) => warehousesFile(dir, name, warehouses);
let conn: string[] = [];
const run = (...args: string[]) => cli([...args, ...conn]);
const json = <T>(...args: string[]) => cliJson<T>([...args, ...conn]);
const status = () => json<WarehouseStatus>('warehouse', 'status', 'mixed');

beforeAll(async () => {
  backend = await startCliBackend(TASK_QUEUE, groups, queuedIn);
  conn = backend.conn;
}, 180_000);

afterAll(async () => {
  await backend?.close(['warehouse-mixed']);
  fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

test('apply, list, status, resize --group-set and history on a two-set warehouse', async () => {
  const f = file('mixed.yaml', [mixed()]);
  expect(await json<ApplyResult[]>('warehouse', 'apply', '-f', f, '--task-queue', TASK_QUEUE)).toEqual([
    { name: 'mixed', workflowId: 'warehouse-mixed', result: 'created', changes: [] },
  ]);
  // root.small's minimum (one group) is restored at once; root.large (minimum 0) waits for a query.
  await eventually('root.small at its minimum', async () => (await status()).sets?.[0].state.current === 1);

  waiting = 'root.large';
  await eventually('root.large resumed for its queue', async () => (await status()).sets?.[1].state.current === 1);

  const listed = await eventually('list to show each set', async () => {
    const rows = await json<ListedWarehouse[]>('warehouse', 'list');
    const row = rows.find((r) => r.name === 'mixed');
    return row?.groupSets?.['root.large']?.groups === 1 ? row : undefined;
  });
  expect(listed.groupSets).toEqual({
    'root.small': { state: 'Running', groups: 1, target: 1 },
    'root.large': { state: 'Running', groups: 1, target: 1 },
  });
  expect(listed.groups).toBe(2);
  const table = await run('warehouse', 'list');
  expect(table.stdout).toMatch(/GROUP SETS/);
  expect(table.stdout).toContain('root.small Running 1/1, root.large Running 1/1');

  const text = await run('warehouse', 'status', 'mixed');
  expect(text.code).toBe(0);
  expect(text.stdout).toContain(
    'Spec: group sets root.small (2 executors/group, nodes 2–6, mode balanced), root.large (10 executors/group, nodes 0–40, mode balanced)',
  );
  expect(text.stdout).toMatch(/^Group set root\.small — Running$/m);
  expect(text.stdout).toMatch(
    /^ {2}Spec: custom \(2 executors\/group\), nodes 2–6, .*group set root\.small \(max query memory 2048 MB per executor\)$/m,
  );
  expect(text.stdout).toMatch(/^Group set root\.large — Running$/m);
  expect(text.stdout).toContain('root.large: add impala-executor-root-large-000');

  // One set resized by name; the other set and the warehouse's own settings are as they were.
  const resized = await json<WarehouseSpec>(
    'warehouse',
    'resize',
    'mixed',
    '--group-set',
    'root.large',
    '--max-nodes',
    '20',
  );
  expect(resized.groupSets?.map((s) => s.nodes)).toEqual([
    { min: 2, max: 6 },
    { min: 0, max: 20 },
  ]);
  const unknownSet = await run('warehouse', 'resize', 'mixed', '--group-set', 'root.huge', '--max-nodes', '8');
  expect(unknownSet.code).not.toBe(0);
  expect(unknownSet.stderr).toContain(
    'groupSets.0.groupSet: warehouse mixed has no group set "root.huge" (its group sets: root.small, root.large)',
  );
  const whole = await run('warehouse', 'resize', 'mixed', '--max-nodes', '8');
  expect(whole.code).not.toBe(0);
  expect(whole.stderr).toContain('nodes: warehouse mixed has group sets root.small, root.large');
  expect(whole.stderr).toContain('--group-set');
  expect((await status()).spec.groupSets?.[1].nodes).toEqual({ min: 0, max: 20 });

  // Each decision record is one set's tick, and history says which.
  const decisions = await json<DecisionRecord[]>('warehouse', 'history', 'mixed', '--actions-only');
  expect(decisions.find((d) => d.actions.includes('add impala-executor-root-large-000'))?.groupSet).toBe('root.large');
  const history = await run('warehouse', 'history', 'mixed', '--actions-only');
  expect(history.stdout).toMatch(
    /tick \d+ {2}group set root\.large .*\n {4}actions: add impala-executor-root-large-000/,
  );

  // The file as running, but root.large's bound as resized: a second apply with that bound changes nothing, one
  // with another bound for root.small sends just that set's change.
  const same = {
    ...mixed(),
    groupSets: [mixed().groupSets[0], { ...mixed().groupSets[1], nodes: { min: 0, max: 20 } }],
  };
  const again = await json<ApplyResult[]>(
    'warehouse',
    'apply',
    '-f',
    file('same.yaml', [same]),
    '--task-queue',
    TASK_QUEUE,
  );
  expect(again.map((r) => r.result)).toEqual(['unchanged']);
  const wider = { ...same, groupSets: [{ ...same.groupSets[0], nodes: { min: 2, max: 10 } }, same.groupSets[1]] };
  const updated = await json<ApplyResult[]>(
    'warehouse',
    'apply',
    '-f',
    file('wider.yaml', [wider]),
    '--task-queue',
    TASK_QUEUE,
  );
  expect(updated).toEqual([
    {
      name: 'mixed',
      workflowId: 'warehouse-mixed',
      result: 'updated',
      changes: ['groupSets root.small nodes: {"min":2,"max":6} → {"min":2,"max":10}'],
    },
  ]);
  expect((await status()).spec.groupSets?.map((s) => s.nodes)).toEqual([
    { min: 2, max: 10 },
    { min: 0, max: 20 },
  ]);
}, 150_000);
