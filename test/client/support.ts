// Runs the real command line (node bin/impala-autoscaler.js …) as a child process. Asynchronous on purpose: the
// worker and servers that answer it run on this test process's event loop.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { stringify } from 'yaml';
import { type InProcessExecutorGroups, InProcessLoadReader } from '../../src/activities/in-process';
import type { WarehouseSpec } from '../../src/policy/types';
import { createWarehouseWorker } from '../../src/worker';
import { startTemporal, workflowBundle } from '../support/temporal';

export const BIN = path.join(__dirname, '../../bin/impala-autoscaler.js');

/** Writes a warehouses file `name` in `dir` listing these warehouses, for `warehouse apply`; returns its path. */
export function warehousesFile(dir: string, name: string, warehouses: unknown[]): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, stringify({ warehouses }));
  return f;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { timeout: 90_000, env: { ...process.env, ...env } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** `cli` that must succeed; returns stdout parsed as the one JSON value it printed. */
export async function cliJson<T = unknown>(args: string[], env: NodeJS.ProcessEnv = {}): Promise<T> {
  const r = await cli([...args, '--json'], env);
  if (r.code !== 0) throw new Error(`impala-autoscaler ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** A long-running command (the worker), its output collected; stop() sends SIGTERM and waits for the exit code. */
export interface Background {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function background(args: string[], env: NodeJS.ProcessEnv = {}): Background {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/**
 * What the `warehouse` commands talk to in these tests: a dev server, and a worker in this process serving
 * `taskQueue` with in-process executor groups and a load whose queue the test computes per set spec.
 */
export interface CliBackend {
  env: TestWorkflowEnvironment;
  /** `--address …` for the command line. */
  conn: string[];
  /** Terminates these warehouses' workflows, stops the worker and the server. */
  close(workflowIds: string[]): Promise<void>;
}

export async function startCliBackend(
  taskQueue: string,
  groups: InProcessExecutorGroups,
  queued: (spec: WarehouseSpec) => number | Promise<number>,
): Promise<CliBackend> {
  const env = await startTemporal();
  const worker = await createWarehouseWorker({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    deps: {
      loadReader: new InProcessLoadReader(async (spec) => {
        const n = await queued(spec);
        return {
          ok: true,
          load: {
            queued: n,
            running: 0,
            memReservedBytes: 0,
            queuedQueryMemBytes: Array(n).fill(0),
            healthyGroups: 0,
            runningByGroup: {},
            warnings: [],
          },
        };
      }),
      executorGroups: groups,
    },
  });
  const done = worker.run();
  return {
    env,
    conn: ['--address', env.address],
    async close(workflowIds) {
      for (const id of workflowIds)
        await env.client.workflow
          .getHandle(id)
          .terminate('test over')
          .catch(() => undefined);
      worker.shutdown();
      await done;
      await env.teardown();
    },
  };
}
