// Runs warehouse workflows on a real dev server with the in-process groups and a caller-driven load.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { InjectedSinks, Worker } from '@temporalio/worker';
import type { WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { InProcessExecutorGroups, InProcessLoadReader } from '../../src/activities/in-process';
import type { LoadResult } from '../../src/activities/interfaces';
import { parseWarehouseSpec, type WarehouseSpecInput } from '../../src/config/warehouse-spec';
import { workflowIdFor } from '../../src/policy/names';
import type { Load, WarehouseSpec } from '../../src/policy/types';
import { createWarehouseWorker } from '../../src/worker';
import {
  statusQuery,
  type WarehouseStatus,
  warehouseWorkflow,
  type WarehouseWorkflowInput,
} from '../../src/workflows/warehouse';
import type { AutoscalerSinks } from '../../src/workflows/sinks';
import { workflowBundle } from './temporal';

// Conservative with its delays shortened is the seed's rule (+1 group per decision, one idle group released per delay):
// the workflow tests follow the seed's log line by line.
// A warehouse with groupSets bounds and sizes each set in them instead.
export function testSpec(overrides: Partial<WarehouseSpecInput> = {}): WarehouseSpec {
  return parseWarehouseSpec({
    name: 'seed',
    namespace: 'impala',
    ...(overrides.groupSets ? {} : { executorsPerGroup: 2, nodes: { min: 2, max: 6 } }),
    mode: 'conservative',
    pollIntervalSeconds: 1,
    scaleUpDelaySeconds: 1,
    scaleDownDelaySeconds: 2,
    scaleUpTimeoutSeconds: 30,
    autoSuspend: { enabled: true, timeoutSeconds: 2 },
    ...overrides,
  });
}

let queueCounter = 0;

export class Harness {
  readonly taskQueue = `test-${process.pid}-${++queueCounter}`;
  private worker?: { worker: Worker; done: Promise<void> };

  constructor(
    readonly env: TestWorkflowEnvironment,
    readonly groups: InProcessExecutorGroups,
    readonly load: (spec: WarehouseSpec) => LoadResult | Promise<LoadResult>,
  ) {}

  async startWorker(identity = 'worker-1', sinks?: InjectedSinks<AutoscalerSinks>): Promise<void> {
    const worker = await createWarehouseWorker({
      ...(sinks ? { sinks } : {}),
      connection: this.env.nativeConnection,
      taskQueue: this.taskQueue,
      workflowBundle: await workflowBundle(),
      deps: { loadReader: new InProcessLoadReader(this.load), executorGroups: this.groups },
      identity,
    });
    this.worker = { worker, done: worker.run() };
  }

  async stopWorker(): Promise<void> {
    if (!this.worker) return;
    const { worker, done } = this.worker;
    this.worker = undefined;
    worker.shutdown();
    await done;
  }

  async start(
    spec: WarehouseSpec,
    extra: Omit<WarehouseWorkflowInput, 'spec'> = {},
  ): Promise<WorkflowHandleWithFirstExecutionRunId<typeof warehouseWorkflow>> {
    return this.env.client.workflow.start(warehouseWorkflow, {
      taskQueue: this.taskQueue,
      workflowId: workflowIdFor(spec.name),
      args: [{ spec, ...extra }],
    });
  }

  status(handle: WorkflowHandle<typeof warehouseWorkflow>): Promise<WarehouseStatus> {
    return handle.query(statusQuery);
  }

  async close(handles: WorkflowHandle<typeof warehouseWorkflow>[]): Promise<void> {
    for (const h of handles) await h.terminate('test over').catch(() => undefined);
    await this.stopWorker();
  }
}

/** Every reason line the workflow recorded, in order. */
/**
 * Suspended, and the tick that suspended it recorded: a tick's state is taken when it decides, its record once its
 * actions are done (`WarehouseEntity.decided` and `ticked`), so a status read between the two shows the new state
 * without the lines that explain it.
 */
export function suspendedAndRecorded(status: WarehouseStatus): boolean {
  return status.state.state === 'Suspended' && status.decisions.at(-1)?.state === 'Suspended';
}

export function reasonLines(status: WarehouseStatus): string[] {
  return status.decisions.flatMap((d) => d.reasons);
}

/** Asserts `expected` appear in `lines` in this order (other lines may come between); a RegExp matches a whole line. */
export function expectInOrder(lines: string[], expected: (string | RegExp)[]): void {
  let at = 0;
  for (const e of expected) {
    const found = lines.findIndex((l, i) => i >= at && (typeof e === 'string' ? l === e : e.test(l)));
    if (found < 0)
      throw new Error(
        `expected line not found in order: ${String(e)}\nafter line ${at}; lines were:\n${lines.join('\n')}`,
      );
    at = found + 1;
  }
}

/** A load read that succeeded: nothing queued or running, one healthy group, unless `load` says otherwise. */
export function knownLoad(load: Partial<Load> = {}): LoadResult {
  return {
    ok: true,
    load: {
      queued: 0,
      running: 0,
      memReservedBytes: 0,
      queuedQueryMemBytes: [],
      healthyGroups: 1,
      runningByGroup: {},
      warnings: [],
      ...load,
    },
  };
}

export { InProcessExecutorGroups };
