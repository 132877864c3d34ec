// Every signal, update and query of the warehouse workflow, defined once: the workflow sets handlers for these,
// the client imports them, so both sides share one name and one type.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Resize } from '../config/warehouse-spec';
import type { Observation, PolicyState, WarehouseSpec } from '../policy/types';

export const resizeUpdate = defineUpdate<WarehouseSpec, [Resize]>('resize');
/** The same change as `resizeUpdate`, for the Web UI's and the `temporal` CLI's signal; an invalid one is recorded as rejected. */
export const resizeSignal = defineSignal<[Resize]>('resize');
export const suspendSignal = defineSignal('suspend');
export const resumeSignal = defineSignal('resume');
export const pauseSignal = defineSignal('pause');
export const unpauseSignal = defineSignal('unpause');
export const statusQuery = defineQuery<WarehouseStatus>('status');

export interface DecisionRecord {
  tick: number;
  /** Workflow time of the tick, ISO 8601. */
  at: string;
  queued: number | null;
  running: number | null;
  current: number;
  target: number;
  state: PolicyState['state'];
  reasons: string[];
  /** `add impala-executor-001`, `remove impala-executor-002`, or a failure/rejection note. */
  actions: string[];
}

export interface WarehouseStatus {
  spec: WarehouseSpec;
  state: PolicyState;
  lastObservation: Observation | null;
  decisions: DecisionRecord[];
  /** Runs of this workflow so far (continue-as-new count + 1). */
  run: number;
}

export const DECISIONS_KEPT = 50;

export const SA_WAREHOUSE = defineSearchAttributeKey('ImpalaWarehouse', SearchAttributeType.KEYWORD);
export const SA_STATE = defineSearchAttributeKey('ImpalaWarehouseState', SearchAttributeType.KEYWORD);
export const SA_GROUPS = defineSearchAttributeKey('ImpalaExecutorGroups', SearchAttributeType.INT);
export const SA_TARGET = defineSearchAttributeKey('ImpalaTargetExecutorGroups', SearchAttributeType.INT);

/** For `temporal server start-dev --search-attribute` and TestWorkflowEnvironment.createLocal. */
export const SEARCH_ATTRIBUTES = { ImpalaWarehouse: 'Keyword', ImpalaWarehouseState: 'Keyword', ImpalaExecutorGroups: 'Int', ImpalaTargetExecutorGroups: 'Int' } as const;
