// The real CLI (node bin/impala-autoscaler.js probe) against the coordinator simulator in this process.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { startCoordinator, type CoordinatorServer } from '../../src/sim/coordinator';
import { fixedMembership } from '../../src/sim/in-process-membership';
import { deadUrl } from '../activities/impala/support/fixture-server';

const BIN = path.join(__dirname, '..', '..', 'bin', 'impala-autoscaler.js');
const GB = 1024 ** 3;

// Asynchronous on purpose: the simulator answering the CLI runs on this process's event loop.
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let sim: CoordinatorServer;
beforeAll(async () => {
  sim = await startCoordinator({ port: 0, membership: fixedMembership(2, 2), queriesPerGroup: 2 });
  // group-001: 2 running (slots full); group-002: 1 running of 12 GB, so the 10 GB queries queue behind it.
  const post = (body: object) => fetch(`${sim.url}/queries`, { method: 'POST', body: JSON.stringify(body) });
  await post({ durationMs: 600_000, memMb: 1024 });
  await post({ durationMs: 600_000, memMb: 1024 });
  await post({ durationMs: 600_000, memMb: 12 * 1024 });
  await post({ durationMs: 600_000, memMb: 10 * 1024 });
  await post({ durationMs: 600_000, memMb: 10 * 1024 });
});
afterAll(async () => {
  await sim.close();
});

describe('impala-autoscaler probe', () => {
  test('--json prints exactly one object whose values equal what the simulator holds', async () => {
    const { code, stdout, stderr } = await cli([
      'probe',
      '--coordinator',
      sim.url,
      '--executors-per-group',
      '2',
      '--json',
    ]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const pool = sim.cluster.model.poolStats('root.default')!;
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toEqual({
      groupSet: 'root.default',
      queued: pool.queued,
      running: pool.running,
      memReservedBytes: pool.memReservedBytes,
      queuedMemBytes: 20 * GB,
      healthyGroups: 2,
      queueCause: 'capacity',
      headQueuedReasons: [pool.headQueuedReason],
      poolLimits: { maxRequests: -1, maxMemBytes: -1, queueTimeoutMs: 0 },
      timedOut: 0,
      rejected: 0,
      groups: sim.cluster.model
        .groups()
        .map((g) => ({ name: g.name, executors: 2, healthy: true, quiescing: false, runningQueries: g.running })),
      coordinators: [{ url: sim.url, ok: true }],
    });
    expect([pool.running, pool.queued]).toEqual([3, 2]);
  });

  test('without --json: a table with the groups and coordinators, and the head-of-queue reason', async () => {
    const { code, stdout } = await cli(['probe', '--coordinator', sim.url]);
    expect(code).toBe(0);
    expect(stdout).toContain(
      'Queued 2, running 3, memory reserved 28.00 GB, queued queries need 20.00 GB per executor',
    );
    expect(stdout).toMatch(/root\.default-group-001\s+2\s+yes\s+no\s+2\n/);
    expect(stdout).toMatch(/root\.default-group-002\s+2\s+yes\s+no\s+1\n/);
    expect(stdout).toContain(
      'Head of queue: Not enough memory available on host impala-executor-002-0:27000. Needed 10.00 GB but only 4.00 GB out of 16.00 GB was available.',
    );
    expect(stdout).toContain(
      'Queue cause: capacity (the queue waits for capacity: more executor groups would admit it)',
    );
  });

  test("a queue held by the pool's max_requests: queueCause pool-limit, in JSON and in words", async () => {
    const limited = await startCoordinator({
      port: 0,
      membership: fixedMembership(2, 2),
      poolLimits: { maxRequests: 2, maxMemBytes: -1, maxQueued: -1, queueTimeoutMs: 60_000 },
    });
    try {
      for (let i = 0; i < 3; i++)
        await fetch(`${limited.url}/queries`, { method: 'POST', body: JSON.stringify({ durationMs: 600_000 }) });
      const json = await cli(['probe', '--coordinator', limited.url, '--json']);
      expect(JSON.parse(json.stdout)).toMatchObject({
        queued: 1,
        running: 2,
        queueCause: 'pool-limit',
        headQueuedReasons: ['number of running queries 2 is at or over limit 2.'],
        poolLimits: { maxRequests: 2, maxMemBytes: -1, queueTimeoutMs: 60_000 },
      });
      const { stdout } = await cli(['probe', '--coordinator', limited.url]);
      expect(stdout).toContain(
        "Queue cause: pool-limit (the queue is held by the pool's own limit: more executor groups would not admit it)",
      );
      expect(stdout).toContain('Queue timeout 60s: a query queued longer is timed out');
    } finally {
      await limited.close();
    }
  });

  test('every coordinator failing: the reason on stderr, nothing on stdout, exit 2', async () => {
    const url = await deadUrl();
    const { code, stdout, stderr } = await cli(['probe', '--coordinator', url, '--json', '--timeout-ms', '1000']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `impala-autoscaler probe: load unknown: no coordinator answered: ${url}/admission?json: ECONNREFUSED: connect ECONNREFUSED ${url.slice('http://'.length)}\n`,
    );
  });

  test('one of two coordinators down: exit 0, listed as not ok, warning on stderr', async () => {
    const url = await deadUrl();
    const { code, stdout, stderr } = await cli(['probe', '--coordinator', url, '--coordinator', sim.url, '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).coordinators).toEqual([
      { url, ok: false, error: expect.stringContaining('ECONNREFUSED') },
      { url: sim.url, ok: true },
    ]);
    expect(stderr).toMatch(/^warning: coordinator down, using the others: /);
  });
});
