// Plain-JSON types shared by the policy, the workflow, the activities and the simulators.
// Everything here crosses Temporal payloads and continue-as-new: no Map, Set, Date or class instances.
import type { SeasonalHistory } from './history';

export type Mode = 'conservative' | 'balanced' | 'aggressive';
export type Size = 'XSMALL' | 'SMALL' | 'MEDIUM' | 'LARGE';

export interface CoordinatorSpec {
  url: string;
  user?: string;
  /** Path of a file holding the basic-auth password (never the password itself). */
  passwordFile?: string;
  /** Name of an environment variable holding the basic-auth password. */
  passwordEnv?: string;
  caFile?: string;
}

/** A validated warehouse, with every default filled in (see src/config/warehouse-spec.ts). */
export interface WarehouseSpec {
  name: string;
  namespace: string;
  coordinators: CoordinatorSpec[];
  executorTemplate: string;
  size?: Size;
  executorsPerGroup: number;
  nodes: { min: number; max: number };
  queriesPerGroup: number;
  executorMemoryMb: number;
  groupSet: string;
  mode: Mode;
  scaleUpDelaySeconds?: number;
  scaleDownDelaySeconds?: number;
  autoSuspend: { enabled: boolean; timeoutSeconds: number };
  pollIntervalSeconds: number;
  scaleUpTimeoutSeconds: number;
  dryRun: boolean;
}

/** One executor group as the cluster shows it (Kubernetes StatefulSet, or the in-process stand-in). */
export interface GroupObservation {
  /** `impala-executor-NNN` */
  name: string;
  /** NNN */
  index: number;
  /** readyReplicas == replicas */
  ready: boolean;
  /** Being deleted (drains, then disappears). Not counted, and its name is not reused until it is gone. */
  deleting: boolean;
  /** Queries executing on this group, from Impala; 0 when unknown. */
  runningQueries: number;
  /**
   * Why a not-ready group's pods are not ready, in Kubernetes' words (one line), e.g.
   * `pod impala-executor-002-0 is Pending: Unschedulable: 0/1 nodes are available: 1 Insufficient cpu.`
   */
  problem?: string;
  /** The executor template revision the group was cloned from (src/activities/kubernetes/template.ts). */
  templateRevision?: string;
}

/** The pool's load as the coordinator(s) report it. */
export interface Load {
  queued: number;
  running: number;
  /** Cluster-wide memory reserved by running queries, bytes (agg_mem_reserved). */
  memReservedBytes: number;
  /** Per-executor memory each queued query needs to be admitted (mem_limit_to_admit), bytes, in queue order. */
  queuedQueryMemBytes: number[];
  /** Healthy executor groups Impala sees for this group set. */
  healthyGroups: number;
  /** Running queries per Impala executor group name (`root.default-group-001`). */
  runningByGroup: Record<string, number>;
  /** Non-fatal problems (one coordinator of two down, ...). */
  warnings: string[];
}

export type Observation =
  /**
   * `atMs`: the tick's time, epoch ms — workflow time in the workflow, simulated time in the what-if simulator. Only
   * the seasonal history (pre-warming) uses it; without it none is kept and the decision is the same as with it.
   * `takenIndexes`: group indexes whose name (`impala-executor-NNN`) is held in the namespace by a StatefulSet that is
   * not this warehouse's (another warehouse's, or an unlabelled one): never created, adopted or removed.
   */
  | { kind: 'known'; load: Load; groups: GroupObservation[]; atMs?: number; takenIndexes?: number[] }
  /** A failed or malformed read: the tick changes nothing. `groups` is set when the cluster could still be listed. */
  | { kind: 'unknown'; reason: string; groups?: GroupObservation[]; takenIndexes?: number[] };

export type OperatorIntent = 'none' | 'suspend' | 'resume';

export interface Counters {
  /** Consecutive ticks with a queue (scale-up delay). */
  up: number;
  /** Consecutive ticks where one group fewer would hold the load (scale-down delay). */
  down: number;
  /** Consecutive idle ticks at the last group (AutoSuspend timeout). */
  suspend: number;
  /** Ticks the current scale-up has been in progress (scaleUpTimeoutSeconds). */
  inScaleUp: number;
}

export type WarehouseState =
  | 'Running'
  | 'ScalingUp'
  | 'ScalingDown'
  | 'Suspended'
  | 'Paused'
  | 'LoadUnknown';

export interface PolicyState {
  tick: number;
  /** Ready groups at the last known observation. */
  current: number;
  /** Groups wanted: ready + pending creations. */
  target: number;
  counters: Counters;
  paused: boolean;
  /** An operator's suspend holds the warehouse at zero until resume (no auto-resume). */
  operatorSuspended: boolean;
  /** The operator's last suspend/resume, applied by the next tick. */
  intent: OperatorIntent;
  state: WarehouseState;
  /** Groups created and not yet ready, with the tick they were created at. */
  pending: { name: string; sinceTick: number }[];
  lastScaleUpFailure?: { tick: number; groups: string[]; reason: string };
  /**
   * The highest load seen while the current scale-down delay counts (from its first tick): a `release: 'surplus'`
   * mode scales down to what held this peak, not just the load of the last tick.
   */
  downPeak?: { running: number; memReservedBytes: number };
  /** Peak groups the load needed per slot of the week (src/policy/history.ts), for modes that pre-warm. */
  history?: SeasonalHistory;
  /** Ticks the last group took from create to ready, as observed: how far ahead pre-warming adds groups. */
  startupTicks?: number;
  /** Set on a workflow run started before the current presets: it decides with the first ones (src/policy/modes.ts). */
  presets?: 'first';
  /**
   * Set on a workflow run started before the current rules (the workflow's RELEASE_3_PATCH): it decides as the
   * second release did until it continues as new, so that its history replays and its decisions do not change
   * mid-run. Every rule added since checks `currentRules(state)` (src/policy/rules.ts).
   */
  rules?: 'release-2';
}

export type Action =
  /** `why` is set only for groups added ahead of a forecast load (pre-warming). */
  | { type: 'add'; group: string; index: number; why?: 'prewarm' }
  | { type: 'remove'; group: string; index: number; why: 'scale-down' | 'suspend' | 'rollback' | 'above-max' };

export interface Decision {
  state: PolicyState;
  /** Empty in dry-run mode: the reasons say what would have been done. */
  actions: Action[];
  /** Log lines in the seed system's wording, in order. */
  reasons: string[];
}
