// What the bad-input tests share: running the real command line, and checking that nothing was written to Temporal.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { type Client, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { workflowIdFor } from '../../src/policy/names';
import { REPO } from '../support/temporal';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node bin/impala-autoscaler.js ARGS`, with `env` added to this process's environment. */
export function cli(args: string[], env: Record<string, string> = {}, timeoutMs = 90000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(REPO, 'bin/impala-autoscaler.js'), ...args],
      {
        cwd: REPO,
        env: { ...process.env, ...env },
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? (((err as { code?: unknown }).code as number | null) ?? null) : 0;
        resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
      },
    );
  });
}

/** Runs `jobs` with at most `parallel` at once (the command line takes seconds to start on a busy machine). */
export async function pool<T>(jobs: (() => Promise<T>)[], parallel: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, jobs.length) }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]();
      }
    }),
  );
  return out;
}

/** True when no workflow with the warehouse's ID exists (describe is strongly consistent, unlike list). */
export async function noWorkflowFor(client: Client, name: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(workflowIdFor(name)).describe();
    return false;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return true;
    // A workflow ID the server refuses outright (e.g. too long) cannot exist either.
    if (/invalid|too long|length/i.test((err as Error).message)) return true;
    throw err;
  }
}

/** The history events that record an update or a signal: none may appear for a rejected change. */
export async function writesInHistory(
  handle: WorkflowHandle,
): Promise<{ updates: number; signals: number; events: number }> {
  const history = await handle.fetchHistory();
  const events = history.events ?? [];
  return {
    updates: events.filter(
      (e) =>
        e.workflowExecutionUpdateAcceptedEventAttributes ||
        e.workflowExecutionUpdateAdmittedEventAttributes ||
        e.workflowExecutionUpdateCompletedEventAttributes,
    ).length,
    signals: events.filter((e) => e.workflowExecutionSignaledEventAttributes).length,
    events: events.length,
  };
}
