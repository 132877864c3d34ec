// The fleet of a warehouses file (src/config/fleet.ts) as `warehouse apply` starts it: its workflow `fleet-<name>`
// before any warehouse, so that a warehouse's first ask finds it; a running fleet gets the file's limit and
// priorities as an update, and one that matches is left alone (applying twice changes nothing).
import { WithStartWorkflowOperation, WorkflowNotFoundError } from '@temporalio/client';
import type { FleetSpec } from '../../../policy/fleet';
import { fleetWorkflowIdFor } from '../../../policy/names';
import { configureFleetUpdate, fleetStatusQuery, type FleetStatus } from '../../../workflows/fleet-messages';
import type { fleetWorkflow } from '../../../workflows/fleet';
import type { FleetLinkStatus } from '../../../workflows/fleet-link';
import type { ConnectedClient } from '../../connection';
import type { ApplyOptions, ApplyResult } from './apply';
import { answeredByWorker } from './common';

export async function applyFleet(c: ConnectedClient, fleet: FleetSpec, o: ApplyOptions): Promise<ApplyResult> {
  const workflowId = fleetWorkflowIdFor(fleet.name);
  const running = await runningStatus(c, workflowId, o);
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
  o: ApplyOptions,
): Promise<FleetStatus | undefined> {
  const handle = c.client.workflow.getHandle<typeof fleetWorkflow>(workflowId);
  try {
    const d = await handle.describe();
    if (d.status.name !== 'RUNNING') return undefined;
    return await answeredByWorker(c, `status query of ${workflowId}`, d.taskQueue, o.timeoutSeconds, () =>
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
