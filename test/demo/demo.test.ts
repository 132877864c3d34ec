// The README's first command, for real: `impala-autoscaler demo` runs the seed scenario to the end on its own dev
// server, prints the seed's decision lines in order (suspend and resume included) and exits 0.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DemoSummary } from '../../src/demo/summary';
import { REPO, temporalCliPath } from '../support/temporal';
import { expectInOrder } from '../support/warehouse-harness';

test('the demo runs the seed scenario end to end and exits 0', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-test-'));
  const child = spawn(process.execPath, [path.join(REPO, 'bin/impala-autoscaler.js'), 'demo', '--json', '--data-dir', dataDir], {
    env: { ...process.env, TEMPORAL_CLI_PATH: temporalCliPath() },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a failed test stops the demo's dev server too.
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  try {
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect({ code, tail: stderr.split('\n').slice(-5) }).toEqual({ code: 0, tail: expect.any(Array) });
    // Decision lines go to stderr with --json, after a `[  12.3s] ` stamp.
    const lines = stderr.split('\n').map((l) => l.replace(/^\[\s*[\d.]+s\] /, ''));
    expectInOrder(lines, [
      'Group Set: root.default Load: numQueriesQueued 3, numQueriesRunning 1',
      'needsScaleUp is true as there are 3 queries queued.',
      'Impala autoscaler will attempt to add executor group.',
      'Adding new executor group: impala-executor-001',
      'Adding new executor group: impala-executor-002',
      'There is a scale up pending, targetExecutorGroups=3',
      'Scale up from 1 to 3 Executor Groups is in progress.',
      'CurrentExecutorGroups updated from 1 to 3',
      /^Removing executor group: impala-executor-00[12]$/,
      /^Removing executor group: impala-executor-00[12]$/,
      /^Suspending warehouse: demo after 10s idle/,
      'Removing executor group: impala-executor-000',
      'Resuming warehouse as there are 1 queries queued.',
      'Adding new executor group: impala-executor-000',
    ]);
    const summary = JSON.parse(stdout) as DemoSummary;
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
  } finally {
    if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}, 300000);
