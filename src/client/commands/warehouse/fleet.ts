// The fleet of a warehouses file (src/config/fleet.ts) as `warehouse apply` starts it: its workflow `fleet-<name>`
// before any warehouse, so that a warehouse's first ask finds it; a running fleet gets the file's limit and
// priorities as an update, and one that matches is left alone (applying twice changes nothing). `warehouse fleet NAME`
// reads it back: the limit, what each warehouse holds, and who waits.
import { WithStartWorkflowOperation, WorkflowNotFoundError } from '@temporalio/client';
import type { Command } from 'commander';
import type { FleetSpec } from '../../../policy/fleet';
import { fleetWorkflowIdFor } from '../../../policy/names';
import { configureFleetUpdate, fleetStatusQuery, type FleetStatus } from '../../../workflows/fleet-messages';
import type { fleetWorkflow } from '../../../workflows/fleet';
import type { FleetLinkStatus } from '../../../workflows/fleet-link';
import type { ConnectedClient } from '../../connection';
import type { ApplyOptions, ApplyResult } from './apply';
import { answeredByWorker, type CommonFlags, printJson, tableLines, withClient, withClientOptions } from './common';

export async function applyFleet(c: ConnectedClient, fleet: FleetSpec, o: ApplyOptions): Promise<ApplyResult> {
  const workflowId = fleetWorkflowIdFor(fleet.name);
  const running = await runningStatus(c, workflowId, o.timeoutSeconds);
  const changes = running ? fleetChanges(running.spec, fleet) : [];
  const name = `fleet ${fleet.name}`;
  if (running && changes.length === 0) return { name, workflowId, result: 'unchanged', changes };
  const start = new WithStartWorkflowOperation<typeof fleetWorkflow>('fleetWorkflow', {
    workflowId,
    taskQueue: o.taskQueue,
    args: [{ spec: fleet }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: `Impala fleet ${fleet.name}: at most ${fleet.maxExecutors} executors`,
  });
  await answeredByWorker(c, `update of fleet ${fleet.name}`, o.taskQueue, o.timeoutSeconds, () =>
    c.client.workflow.executeUpdateWithStart(configureFleetUpdate, { args: [fleet], startWorkflowOperation: start }),
  );
  return { name, workflowId, result: running ? 'updated' : 'created', changes };
}

async function runningStatus(
  c: ConnectedClient,
  workflowId: string,
  timeoutSeconds: number,
): Promise<FleetStatus | undefined> {
  const handle = c.client.workflow.getHandle<typeof fleetWorkflow>(workflowId);
  try {
    const d = await handle.describe();
    if (d.status.name !== 'RUNNING') return undefined;
    return await answeredByWorker(c, `status query of ${workflowId}`, d.taskQueue, timeoutSeconds, () =>
      handle.query(fleetStatusQuery),
    );
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

function fleetChanges(running: FleetSpec, wanted: FleetSpec): string[] {
  const out: string[] = [];
  if (running.maxExecutors !== wanted.maxExecutors)
    out.push(`maxExecutors: ${running.maxExecutors} → ${wanted.maxExecutors}`);
  if (JSON.stringify(running.priorities) !== JSON.stringify(wanted.priorities))
    out.push(`priorities: ${JSON.stringify(running.priorities)} → ${JSON.stringify(wanted.priorities)}`);
  return out;
}

/** `warehouse status`'s line for a warehouse of a fleet: what the fleet counts for it, and whether it waits. */
export function fleetLine(f: FleetLinkStatus): string {
  const held = f.told.length ? `groups ${f.told.map((i) => String(i).padStart(3, '0')).join(', ')}` : 'no group';
  const wait = f.waiting ? `; waiting since tick ${f.waiting.sinceTick}: ${f.waiting.why}` : '; not waiting';
  return `Fleet ${f.fleet} (workflow ${fleetWorkflowIdFor(f.fleet)}): counts ${held} for this warehouse${wait}`;
}

export function registerFleet(warehouse: Command): void {
  withClientOptions(
    warehouse
      .command('fleet')
      .description(
        "a fleet's executor limit, what each of its warehouses holds, and which wait for capacity (its workflow's fleetStatus query)",
      )
      .argument('<name>', 'the fleet\'s name (the warehouses file\'s fleet.name; default "default")')
      .option('--json', 'print one JSON object'),
  ).action(async (name: string, opts: CommonFlags) => {
    const status = await withClient(opts, (c) => fleetStatusOf(c, name, opts.timeout));
    if (opts.json) return printJson(status);
    process.stdout.write(`${fleetStatusLines(status).join('\n')}\n`);
  });
}

export async function fleetStatusOf(c: ConnectedClient, name: string, timeoutSeconds: number): Promise<FleetStatus> {
  const workflowId = fleetWorkflowIdFor(name);
  const status = await runningStatus(c, workflowId, timeoutSeconds);
  if (!status)
    throw new Error(
      `no fleet ${name} is running (workflow ${workflowId}): \`warehouse apply -f FILE\` starts it from a warehouses file whose fleet: section is named ${name}`,
    );
  return status;
}

/** The fleet's standing, then a row per warehouse: its priority first (the order freed capacity is granted in). */
export function fleetStatusLines(s: FleetStatus): string[] {
  const { spec } = s;
  const waiting = new Map(s.waiting.map((w) => [w.warehouse, w]));
  const names = [...new Set([...Object.keys(spec.priorities), ...Object.keys(s.held), ...waiting.keys()])];
  const priority = (n: string) => spec.priorities[n] ?? 0;
  names.sort((a, b) => priority(b) - priority(a) || a.localeCompare(b));
  const rows = names.map((n) => {
    const w = waiting.get(n);
    const groups = s.groups[n] ?? [];
    return [
      n,
      String(priority(n)),
      String(s.held[n] ?? 0),
      groups.length ? groups.map((i) => String(i).padStart(3, '0')).join(', ') : '-',
      w ? `${w.executors} more executors, since ${new Date(w.sinceMs).toISOString()}` : '-',
    ];
  });
  const waits = s.waiting.length ? `; ${s.waiting.length} waiting for capacity` : '';
  return [
    `Fleet ${spec.name} (workflow ${fleetWorkflowIdFor(spec.name)}): ${s.used} of ${spec.maxExecutors} executors in use${waits}`,
    ...tableLines(['WAREHOUSE', 'PRIORITY', 'EXECUTORS', 'GROUPS', 'WAITING FOR'], rows),
  ];
}
