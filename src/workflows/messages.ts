// Every signal, update and query of the warehouse workflow, defined once: the workflow sets handlers for these,
// the client imports them, so both sides share one name and one type.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { CapturedTemplate } from '../activities/interfaces';
import type { Resize } from '../config/warehouse-spec';
import type { FleetLinkStatus } from './fleet-link';
import type { Observation, PolicyState, Rule, WarehouseSpec } from '../policy/types';

export const resizeUpdate = defineUpdate<WarehouseSpec, [Resize]>('resize');
/** The same change as `resizeUpdate`, for the Web UI's and the `temporal` CLI's signal; an invalid one is recorded as rejected. */
export const resizeSignal = defineSignal<[Resize]>('resize');
export const suspendSignal = defineSignal('suspend');
export const resumeSignal = defineSignal('resume');
export const pauseSignal = defineSignal('pause');
export const unpauseSignal = defineSignal('unpause');
/** One-way freezes (src/policy/freeze.ts): hold scale-in or scale-out only; `unfreeze` lifts both. */
export const freezeScaleInSignal = defineSignal('freezeScaleIn');
export const freezeScaleOutSignal = defineSignal('freezeScaleOut');
export const unfreezeSignal = defineSignal('unfreeze');
export const statusQuery = defineQuery<WarehouseStatus>('status');
/** Re-captures the executor template now (a new image, say): new groups are created from what it captures. */
export const refreshTemplateUpdate = defineUpdate<TemplateRefresh, []>('refreshTemplate');

/** The executor template the warehouse creates groups from, without its manifest. */
export type TemplateSummary = Omit<CapturedTemplate, 'manifest'>;

export interface TemplateRefresh {
  /** The template new groups are created from; absent while none could be captured. */
  template?: TemplateSummary;
  /** The revision before this capture, if there was one. */
  previousRevision?: string;
  changed: boolean;
  /** Why the capture failed: the template captured before, if any, is kept. */
  error?: string;
  /** The decision-log line. */
  line: string;
}

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
  /**
   * What was decided, as data (records kept from a run before the fourth release have none of these three): the
   * tick's rule (src/policy/types.ts), `operator` for an operator's message; the line of `reasons` that says why; and
   * each group added or removed with how it went.
   */
  rule?: Rule;
  why?: string;
  changes?: GroupChange[];
  /** A warehouse with groupSets: the set whose tick this is (its own state, load and lines); absent for the warehouse's. */
  groupSet?: string;
}

export interface GroupChange {
  op: 'add' | 'remove';
  group: string;
  outcome: 'done' | 'failed' | 'unfinished';
}

export interface WarehouseStatus {
  spec: WarehouseSpec;
  state: PolicyState;
  lastObservation: Observation | null;
  decisions: DecisionRecord[];
  /** Runs of this workflow so far (continue-as-new count + 1). */
  run: number;
  /** Absent on a run started before the template was kept in the workflow's state, until it is refreshed. */
  template?: TemplateSummary;
  /** A warehouse of a fleet: what the fleet counts for it, and whether it waits for capacity and why. */
  fleet?: FleetLinkStatus;
  /** A warehouse with groupSets: each set, in the order listed (`state` above sums them up). */
  sets?: GroupSetStatus[];
}

/** One group set of a warehouse with groupSets, as a warehouse of one set would show itself. */
export interface GroupSetStatus {
  groupSet: string;
  /** The set's resolved spec (src/policy/group-sets.ts setSpecs). */
  spec: WarehouseSpec;
  state: PolicyState;
  lastObservation: Observation | null;
  template?: TemplateSummary;
}

export const DECISIONS_KEPT = 50;

/** The memo key under which a warehouse with groupSets publishes each set's state, groups and target. */
export const MEMO_GROUP_SETS = 'impalaGroupSets';
export type GroupSetsMemo = Record<string, { state: PolicyState['state']; groups: number; target: number }>;

export const SA_WAREHOUSE = defineSearchAttributeKey('ImpalaWarehouse', SearchAttributeType.KEYWORD);
export const SA_STATE = defineSearchAttributeKey('ImpalaWarehouseState', SearchAttributeType.KEYWORD);
export const SA_GROUPS = defineSearchAttributeKey('ImpalaExecutorGroups', SearchAttributeType.INT);
export const SA_TARGET = defineSearchAttributeKey('ImpalaTargetExecutorGroups', SearchAttributeType.INT);
/**
 * The frozen directions, `ScaleIn` and/or `ScaleOut` (`ImpalaScalingFrozen = 'ScaleIn'` lists the warehouses that hold
 * scale-in). Written only by a warehouse the operator has frozen, and removed on unfreeze: a namespace that never
 * registered it still runs every warehouse that is not frozen.
 */
export const SA_FROZEN = defineSearchAttributeKey('ImpalaScalingFrozen', SearchAttributeType.KEYWORD_LIST);

/** For `temporal server start-dev --search-attribute` and TestWorkflowEnvironment.createLocal. */
export const SEARCH_ATTRIBUTES = {
  ImpalaWarehouse: 'Keyword',
  ImpalaWarehouseState: 'Keyword',
  ImpalaExecutorGroups: 'Int',
  ImpalaTargetExecutorGroups: 'Int',
  ImpalaScalingFrozen: 'KeywordList',
} as const;
