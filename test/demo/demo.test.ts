// The README's first command, for real: `impala-autoscaler demo` runs the seed scenario to the end on its own dev
// server, prints the seed's decision lines in order (suspend and resume included) and exits 0 — balanced by default,
// and with --mode conservative the seed system's own rule, its lines in its order.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DemoSummary } from '../../src/demo/summary';
import { REPO, temporalCliPath } from '../support/temporal';
import { expectInOrder } from '../support/warehouse-harness';

/** Runs the demo with --json to its end: its summary, and its decision lines without their `[  12.3s] ` stamps. */
async function demo(args: string[]): Promise<{ summary: DemoSummary; lines: string[] }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-test-'));
  const child = spawn(
    process.execPath,
    [path.join(REPO, 'bin/impala-autoscaler.js'), 'demo', '--json', '--data-dir', dataDir, ...args],
    {
      env: { ...process.env, TEMPORAL_CLI_PATH: temporalCliPath() },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: a failed test stops the demo's dev server too.
      detached: true,
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  try {
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect({ code, tail: stderr.split('\n').slice(-5) }).toEqual({ code: 0, tail: expect.any(Array) });
    // Decision lines go to stderr with --json.
    return {
      summary: JSON.parse(stdout) as DemoSummary,
      lines: stderr.split('\n').map((l) => l.replace(/^\[\s*[\d.]+s\] /, '')),
    };
  } finally {
    if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** How every mode's run ends: the two added groups go (in either order), the warehouse suspends, a query resumes it. */
const DOWN_SUSPEND_RESUME = [
  /^Removing executor group: impala-executor-00[12]$/,
  /^Removing executor group: impala-executor-00[12]$/,
  /^Suspending warehouse: demo after 10s idle/,
  'Removing executor group: impala-executor-000',
  'Resuming warehouse as there are 1 queries queued.',
  'Adding new executor group: impala-executor-000',
];

test('the demo runs the seed scenario end to end and exits 0', async () => {
  const { summary, lines } = await demo([]);
  expectInOrder(lines, [
    /^Mode balanced: a scale-up is sized by the queue, so impala-executor-001 and impala-executor-002 are added at once; the seed system added one group per decision/,
    'Group Set: root.default Load: numQueriesQueued 3, numQueriesRunning 1',
    'needsScaleUp is true as there are 3 queries queued.',
    'Impala autoscaler will attempt to add executor group.',
    'Adding new executor group: impala-executor-001',
    'Adding new executor group: impala-executor-002',
    'There is a scale up pending, targetExecutorGroups=3',
    'Scale up from 1 to 3 Executor Groups is in progress.',
    'CurrentExecutorGroups updated from 1 to 3',
    ...DOWN_SUSPEND_RESUME,
  ]);
  expect(summary.mode).toBe('balanced');
  expect(summary.queries).toBe(5);
  // Balanced sizes its step by the queue: the 3 queued queries need both groups (one each by memory), added at once.
  expect(summary.decisions[0].actions).toEqual(['add impala-executor-001', 'add impala-executor-002']);
  expect(summary.decisions.flatMap((d) => d.actions)).toEqual([
    'add impala-executor-001',
    'add impala-executor-002',
    expect.stringMatching(/^remove impala-executor-00[12]$/),
    expect.stringMatching(/^remove impala-executor-00[12]$/),
    'remove impala-executor-000',
    'add impala-executor-000',
  ]);
  expect(summary.groupSeconds).toBeGreaterThan(0);
  expect(summary.webUi).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows\/warehouse-demo$/);
}, 300000);

test('--mode conservative replays the seed system: one group per decision, its lines in its order', async () => {
  const { summary, lines } = await demo(['--mode', 'conservative']);
  // The seed system's log, as its operators read it: a queue of 3 on one group, one tick's wait, 001 added and
  // awaited, then 002 for the queries still queued.
  const seed = [
    "Mode conservative: one executor group per decision, the seed system's own rule: its log lines in its order (impala-executor-001, ready, then impala-executor-002).",
    'Group Set: root.default Load: numQueriesQueued 3, numQueriesRunning 1',
    'Processing Group Set: root.default',
    'needsScaleUp is true as there are 3 queries queued.',
    'enoughConsecutive Up calls false as current 0 target 1',
    'Impala-autoscaler sleeping for 2s',
    'needsScaleUp is true as there are 3 queries queued.',
    'Impala autoscaler will attempt to add executor group.',
    'Adding new executor group: impala-executor-001',
    'There is a scale up pending, targetExecutorGroups=2',
    'Impala-autoscaler sleeping for 2s',
    'needsScaleDown/needsSuspend is false as scaling in progress, current executor groups=1, target =2',
    /^enoughConsecutive InScaleUp calls false as current 0 target \d+$/,
    'Scale up from 1 to 2 Executor Groups is in progress.',
    'CurrentExecutorGroups updated from 1 to 2',
    /^needsScaleUp is true as there are [12] queries queued\.$/,
    'Impala autoscaler will attempt to add executor group.',
    'Adding new executor group: impala-executor-002',
    'There is a scale up pending, targetExecutorGroups=3',
    'Scale up from 2 to 3 Executor Groups is in progress.',
    'CurrentExecutorGroups updated from 2 to 3',
    // Then back down one group per delay, suspend, and a query resumes it.
    ...DOWN_SUSPEND_RESUME,
  ];
  expectInOrder(lines, seed);
  // One group at a time: 002 is not added before 001 is ready.
  const secondAdd = lines.indexOf('Adding new executor group: impala-executor-002');
  expect(secondAdd).toBeGreaterThan(lines.indexOf('CurrentExecutorGroups updated from 1 to 2'));
  expect(summary.mode).toBe('conservative');
  expect(summary.queries).toBe(5);
  expect(summary.decisions.map((d) => d.actions)).toEqual([
    ['add impala-executor-001'],
    ['add impala-executor-002'],
    [expect.stringMatching(/^remove impala-executor-00[12]$/)],
    [expect.stringMatching(/^remove impala-executor-00[12]$/)],
    ['remove impala-executor-000'],
    ['add impala-executor-000'],
  ]);
}, 300000);

test('--group-sets: a burst of small queries resumes only the small set, one large query only the large set', async () => {
  const { summary, lines } = await demo(['--group-sets']);
  expectInOrder(lines, [
    /^Group sets: root\.small \(groups of 1 executor, queries up to 4096 MB an executor\) and root\.large/,
    'Submitted 12 queries of 512 MB per executor, 10s each.',
    'Group Set: root.small Load: numQueriesQueued 12, numQueriesRunning 0',
    'Resuming warehouse as there are 12 queries queued.',
    'Adding new executor group: impala-executor-root-small-000',
    'Adding new executor group: impala-executor-root-small-001',
    'Adding new executor group: impala-executor-root-small-002',
    // The burst is not the large set's: it stays suspended.
    'Group Set: root.large Load: numQueriesQueued 0, numQueriesRunning 0',
    'Warehouse is suspended: 0 executor groups, no queries queued.',
    'Submitted 1 queries of 10240 MB per executor, 20s each.',
    'Group Set: root.large Load: numQueriesQueued 1, numQueriesRunning 0',
    'Resuming warehouse as there are 1 queries queued.',
    'Adding new executor group: impala-executor-root-large-000',
    'Removing executor group: impala-executor-root-large-000',
  ]);
  expect(summary.mode).toBe('balanced, group sets root.small and root.large');
  expect(summary.queries).toBe(13);
  const actions = summary.decisions.flatMap((d) => d.actions);
  expect(actions.filter((a) => a.startsWith('add')).sort()).toEqual([
    'add impala-executor-root-large-000',
    'add impala-executor-root-small-000',
    'add impala-executor-root-small-001',
    'add impala-executor-root-small-002',
  ]);
  // Every group it added is removed: both sets end suspended.
  expect(actions.filter((a) => a.startsWith('remove'))).toHaveLength(4);
}, 300000);
