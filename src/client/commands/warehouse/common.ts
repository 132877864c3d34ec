// What every `warehouse` subcommand shares: the connection, finding a warehouse's workflow with an error that says
// what to fix, bounded waits for answers that need a worker, and output (one JSON value, or aligned columns).
import { WorkflowNotFoundError, type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import type { Command } from 'commander';
import { workflowIdFor } from '../../../policy/names';
import type { warehouseWorkflow } from '../../../workflows/warehouse';
import { addConnectionOptions, connectClient, type ConnectedClient, type ConnectionFlags } from '../../connection';

export interface CommonFlags extends ConnectionFlags {
  json?: boolean;
  timeout: number;
}

/** Adds the connection flags and `--timeout` (for answers that need a running worker). */
export function withClientOptions(cmd: Command): Command {
  return addConnectionOptions(cmd).option(
    '--timeout <seconds>',
    'how long to wait for a worker to answer a query or an update',
    (v: string) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`--timeout must be a positive number of seconds (got "${v}")`);
      return n;
    },
    30,
  );
}

/** Connects, runs `fn`, always closes. */
export async function withClient<T>(flags: ConnectionFlags, fn: (c: ConnectedClient) => Promise<T>): Promise<T> {
  const c = await connectClient(flags);
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

export interface FoundWarehouse {
  handle: WorkflowHandle<typeof warehouseWorkflow>;
  description: WorkflowExecutionDescription;
  running: boolean;
}

export class WarehouseNotFoundError extends Error {
  constructor(name: string, namespace: string) {
    super(`no warehouse named ${name} (workflow ${workflowIdFor(name)} not found in namespace ${namespace})`);
    this.name = 'WarehouseNotFoundError';
  }
}

/** The warehouse's latest workflow run; throws "no warehouse named X …" when there is none. */
export async function findWarehouse(c: ConnectedClient, name: string): Promise<FoundWarehouse> {
  const handle = c.client.workflow.getHandle<typeof warehouseWorkflow>(workflowIdFor(name));
  try {
    const description = await handle.describe();
    return { handle, description, running: description.status.name === 'RUNNING' };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new WarehouseNotFoundError(name, c.target.namespace);
    throw err;
  }
}

/** For signals and updates: only a running warehouse can take them. */
export async function findRunningWarehouse(c: ConnectedClient, name: string): Promise<FoundWarehouse> {
  const found = await findWarehouse(c, name);
  if (!found.running) {
    throw new Error(
      `warehouse ${name} is not running (workflow ${workflowIdFor(name)} is ${found.description.status.name} in namespace ` +
        `${c.target.namespace}): start it again with \`impala-autoscaler warehouse apply -f FILE\``,
    );
  }
  return found;
}

/**
 * Queries and updates are answered by a worker: bound the wait, and say which worker was missing instead of hanging.
 */
export async function answeredByWorker<T>(
  c: ConnectedClient,
  what: string,
  taskQueue: string,
  timeoutSeconds: number,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await c.connection.withDeadline(Date.now() + timeoutSeconds * 1000, fn);
  } catch (err) {
    const e = err as { code?: number; message?: string; cause?: { code?: number } };
    const deadline = e.code === 4 || e.cause?.code === 4 || /deadline/i.test(e.message ?? '');
    if (!deadline) throw err;
    throw new Error(
      `no worker answered the ${what} within ${timeoutSeconds} s: is \`impala-autoscaler worker\` running on task queue ` +
        `${taskQueue} in namespace ${c.target.namespace}? (raise --timeout for a slow worker)`,
    );
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Aligned columns; an empty table prints the header and "(none)". */
export function printTable(header: string[], rows: string[][]): void {
  for (const line of tableLines(header, rows)) process.stdout.write(`${line}\n`);
}

export function tableLines(header: string[], rows: string[][]): string[] {
  const body = rows.length ? rows : [header.map((_, i) => (i === 0 ? '(none)' : ''))];
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  return [header, ...body].map((r) =>
    r
      .map((cell, i) => (cell ?? '').padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
}
