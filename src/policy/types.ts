// Plain-JSON types shared by the policy, the workflow, the activities and the simulators.
// Everything here crosses Temporal payloads and continue-as-new: no Map, Set, Date or class instances.
import type { SeasonalHistory } from './history';
import type { RulesRelease } from './rules';

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

/**
 * One executor group set of a warehouse that has several (`WarehouseSpec.groupSets`): an Impala resource pool with its
 * own executor groups, queue, bounds and delays. Its fields override the warehouse's (src/policy/group-sets.ts).
 */
export interface GroupSetSpec {
  /** The Impala pool, which names its executor groups `<groupSet>-group-NNN`. */
  groupSet: string;
  executorsPerGroup: number;
  size?: Size;
  nodes: { min: number; max: number };
  queriesPerGroup?: number;
  executorMemoryMb?: number;
  /** The pool's max-query-mem-limit per executor, MiB: Impala's planner routes a query to the first set it fits. */
  maxQueryMemMb?: number;
  mode?: Mode;
  scaleUpDelaySeconds?: number;
  scaleDownDelaySeconds?: number;
  executorTemplate?: string;
}

/** A validated warehouse, with every default filled in (see src/config/warehouse-spec.ts). */
export interface WarehouseSpec {
  name: string;
  namespace: string;
  coordinators: CoordinatorSpec[];
  /**
   * Impala's admission service (admissiond), where a deployment runs one (impalads started with
   * --admission_service_host): its /admission, /metrics and /backends are read in place of the coordinators', which
   * then serve no /admission.
   */
  admissionService?: CoordinatorSpec;
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
  /**
   * A group that was ready and has not been Ready in Kubernetes for this long is replaced (src/policy/degraded.ts).
   * Optional only for specs carried from runs started before it existed; the spec parser always fills it in.
   */
  degradedReplaceSeconds?: number;
  dryRun: boolean;
  /**
   * The group set's pool's max query memory per executor, MiB (Impala: the pool's `max-query-mem-limit`), by which
   * queries are routed among a warehouse's sets; absent: the set's executorMemoryMb.
   */
  maxQueryMemMb?: number;
  /**
   * Several executor group sets, each scaled on its own pool's queue (src/policy/group-sets.ts `setSpecs` resolves
   * each into a spec of its own). Absent: the warehouse is the one set `groupSet` with the fields above. When present,
   * `groupSet`, `executorsPerGroup` and `nodes` above describe the warehouse as a whole (the first set's pool and group
   * size, the sets' bounds summed): per-set code reads `setSpecs(spec)`.
   */
  groupSets?: GroupSetSpec[];
  /**
   * Set only on a resolved set spec of a warehouse with groupSets: its StatefulSets are named `${groupPrefix}NNN`.
   * Absent: `impala-executor-` (src/policy/names.ts GROUP_PREFIX).
   */
  groupPrefix?: string;
  /** Time windows with their own rules (src/config/schedules.ts evaluates them, src/policy/schedules.ts applies them). */
  schedules?: ScheduleSpec[];
  /** Executor-hour budgets per period (src/policy/budgets.ts). */
  budgets?: BudgetSpec[];
  /**
   * The fleet whose capacity limit this warehouse shares (src/policy/fleet.ts): it asks the fleet's workflow before
   * adding groups. Absent: no limit beyond nodes.max, and the workflow issues no fleet command.
   */
  fleet?: string;
}

/**
 * A time window as KEDA's cron scaler writes one: it opens at each `start` and closes at the next `end` (cron
 * expressions read in `timezone`, an IANA zone). Absent rules are off; `name` labels it in the decision log.
 */
export interface ScheduleSpec {
  name: string;
  start: string;
  end: string;
  timezone: string;
  /** At least this many executor groups while the window is open (started one observed start-up ahead). */
  minGroups?: number;
  /** No scale-down or auto-suspend while the window is open. */
  noScaleIn?: boolean;
  /** The warehouse is held suspended while the window is open. */
  suspend?: boolean;
}

export type BudgetAction = 'notify' | 'block-scale-up' | 'suspend';

/**
 * Executor-hours a warehouse may use per period, with actions at thresholds as Snowflake's resource monitors take
 * them. `period`: `day` or `month` (UTC), or a fixed length in seconds counted from 1970-01-01 00:00 UTC.
 */
export interface BudgetSpec {
  period: 'day' | 'month' | { seconds: number };
  executorHours: number;
  /** Ascending by percent. */
  thresholds: { percent: number; action: BudgetAction }[];
}

/**
 * The schedules as they stand at one instant (src/config/schedules.ts scheduleView): plain data the observe activity
 * puts in the observation, and the what-if simulator in its own, only for a warehouse with schedules.
 */
export interface ScheduleView {
  /** Windows open now, each with the time its schedule's next `end` closes it (epoch ms). */
  open: { schedule: string; untilMs: number; minGroups?: number; noScaleIn?: true; suspend?: true }[];
  /** For each schedule with minGroups that is not open now: when it next opens (its groups start one start-up ahead). */
  next: { schedule: string; atMs: number; minGroups: number }[];
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
   * Why a group's pods are not all ready, in Kubernetes' words (filled by the Kubernetes provider), e.g.
   * `pod impala-executor-002-0 is Pending: Unschedulable: 0/1 nodes are available: 1 Insufficient cpu.`
   */
  problem?: string;
  /** The executor template revision the group was created from (its annotation). */
  templateRevision?: string;
}

/** One executor group as Impala's statestore shows it (/backends): what makes it capacity besides Kubernetes' Ready. */
export interface ImpalaGroupHealth {
  /** Executors registered with the group's name, whatever their state. */
  executors: number;
  /** Executors neither quiescing nor blacklisted. */
  active: number;
  /** Written only when some are (this is in every tick's history): blacklisted executors, a quiescing one. */
  blacklisted?: number;
  quiescing?: true;
  /** Enough active executors for the group's configured size: Impala admits queries to it. */
  healthy: boolean;
}

/**
 * The per-executor memory of a set of queries, bounded whatever their number: `counts` holds `[bucket, queries]`
 * pairs (ascending buckets, at most MEM_BUCKETS + 1 of them, src/policy/mem-summary.ts), each query counted in the
 * bucket that rounds its memory UP to a multiple of `bucketBytes`: bin-packing the summary counts every query with at
 * least the memory it needs.
 */
export interface MemSummary {
  bucketBytes: number;
  counts: [number, number][];
}

/**
 * Why the pool's queue waits (src/policy/queue-cause.ts): `capacity` — more executors would admit it; `pool-limit` —
 * the pool's (or a user's) own limit holds it, more executors would not; `unknown` — Impala's wording not recognised
 * (treated as capacity).
 */
export type QueueCause = 'capacity' | 'pool-limit' | 'unknown';

/** A pool's limits as Impala reports them (PoolStats::ToJson); -1 is unlimited, a timeout of 0 none. */
export interface ImpalaPoolLimits {
  /** pool_max_requests */
  maxRequests: number;
  /** pool_max_mem_resources, bytes, cluster-wide */
  maxMemBytes: number;
  /** pool_queue_timeout, ms: the pool's queue_timeout_ms, else impalad's --queue_wait_timeout_ms */
  queueTimeoutMs: number;
}

/** The pool's load as the coordinator(s) report it. */
export interface Load {
  queued: number;
  running: number;
  /** Cluster-wide memory reserved by running queries, bytes (agg_mem_reserved). */
  memReservedBytes: number;
  /**
   * Per-executor memory each queued query needs to be admitted (mem_limit_to_admit), bytes, in queue order. Written by
   * earlier releases (one number per queued query in every tick's history); read when present, superseded by queuedMem.
   */
  queuedQueryMemBytes?: number[];
  /** Per-executor memory (mem_limit_to_admit) of the queued queries, summarised; absent with no queue. */
  queuedMem?: MemSummary;
  /**
   * Per-executor memory (mem_limit_to_admit) of the running queries (each coordinator's running_queries), summarised.
   * Absent in observations of earlier releases: scale-down then judges by agg_mem_reserved.
   */
  runningMem?: MemSummary;
  /**
   * Coordinators (URLs) that did not answer this read: their own queries are missing from runningByGroup, so no
   * group's running count is fully known. Absent when every coordinator answered.
   */
  unreachableCoordinators?: string[];
  /**
   * Impala's view of this group set's executor groups, by Impala's name (`<groupSet>-group-NNN`). Absent in
   * observations of earlier releases and from in-process readers: Kubernetes' Ready alone counts then.
   */
  impalaGroups?: Record<string, ImpalaGroupHealth>;
  /** Healthy executor groups Impala sees for this group set. */
  healthyGroups: number;
  /** Running queries per Impala executor group name (`root.default-group-001`). */
  runningByGroup: Record<string, number>;
  /** Non-fatal problems (one coordinator of two down, ...). */
  warnings: string[];
  /** Why the queue waits; absent with no queue, and in observations of earlier releases. */
  queueCause?: QueueCause;
  /** The head_queued_reason that decided `queueCause`, in Impala's words. */
  headQueuedReason?: string;
  /** The pool's limits, when Impala reports any (absent: unlimited, or an earlier release's observation). */
  poolLimits?: ImpalaPoolLimits;
  /**
   * Impala's counters of the pool, summed over the coordinators (each counts its own): total_timed_out (queued
   * queries rejected on the queue timeout) and total_rejected. Absent in observations of earlier releases.
   */
  impalaTotals?: { timedOut: number; rejected: number };
}

export type Observation =
  /**
   * `atMs`: the tick's time, epoch ms — workflow time in the workflow, simulated time in the what-if simulator. The
   * seasonal history (pre-warming) uses it, and a scale-up backoff line shows when it ends; without it no history is
   * kept and the decision is otherwise the same.
   * `takenIndexes`: group indexes whose name (`impala-executor-NNN`, or the set's `groupPrefix`) is held in the namespace by a StatefulSet that is
   * not this warehouse's (another warehouse's, or an unlabelled one): never created, adopted or removed.
   */
  | {
      kind: 'known';
      load: Load;
      groups: GroupObservation[];
      atMs?: number;
      takenIndexes?: number[];
      /**
       * The other group sets of the same warehouse that have queries queued or running, or groups starting, this
       * tick: while any is, this set is not auto-suspended (src/policy/decide.ts suspendCheck). Absent for a
       * warehouse of one set.
       */
      busySets?: string[];
      /** The warehouse's schedules at the observation's time; absent without schedules. */
      schedule?: ScheduleView;
    }
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

export type WarehouseState = 'Running' | 'ScalingUp' | 'ScalingDown' | 'Suspended' | 'Paused' | 'LoadUnknown';

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
   * Consecutive failed scale-ups (a refused create, or groups not ready by scaleUpTimeoutSeconds) and the backoff they
   * set: no group is added before `untilTick` (src/policy/backoff.ts). Cleared when a created group becomes ready.
   */
  scaleUpBackoff?: { failures: number; untilTick: number; reason: string };
  /**
   * Live groups that have been capacity (ready) at some tick, with the last tick they were: such a group that is not
   * ready now is degraded, not a pending scale-up (src/policy/degraded.ts).
   */
  seenReady?: { name: string; tick: number }[];
  /** Degraded groups a new group was added to replace: each is removed once it runs no queries. */
  replacing?: { name: string; by: string }[];
  /** Groups that exist but are not capacity this tick, and why (degraded, or Impala's view disagreeing). */
  notCapacity?: { name: string; why: string }[];
  /**
   * Set when the auto-suspend rule took the warehouse to zero: with no group left it waits for a query. Without it
   * (groups deleted by hand, failed creates) the minimum is restored at once.
   */
  autoSuspended?: boolean;
  /**
   * The highest load seen while the current scale-down delay counts (from its first tick): a `release: 'surplus'`
   * mode scales down to what held this peak, not just the load of the last tick. `groups`: the most groups the running
   * queries' per-executor memory needed (bin-packed), when the observations carry it.
   */
  downPeak?: { running: number; memReservedBytes: number; groups?: number };
  /** Peak groups the load needed per slot of the week (src/policy/history.ts), for modes that pre-warm. */
  history?: SeasonalHistory;
  /**
   * Groups the load needed in each slot's opening window (one start-up and a poll), for modes that pre-warm, with the
   * release-4 rules (src/policy/openings.ts); `history` is kept by runs of earlier releases only.
   */
  openings?: SeasonalHistory;
  /** Ticks the last group took from create to ready, as observed: how far ahead pre-warming adds groups. */
  startupTicks?: number;
  /** The first tick of the current stretch with nothing running or queued (src/policy/break-even.ts). */
  idleSinceTick?: number;
  /** Queries queued at the last known tick, and that tick: the queue's drain rate over a poll (src/policy/queue-step.ts). */
  lastQueue?: { tick: number; queued: number };
  /** The last idle stretches, in ticks from going idle to the next load, capped at one start-up and a tick. */
  idleGaps?: number[];
  /** The open surplus stretch: its first tick and the ready groups then (src/policy/break-even.ts learnSurplusGaps). */
  surplusSince?: { tick: number; groups: number };
  /** The last surplus stretches, in ticks, capped at one start-up and a tick (release-5 rules). */
  surplusGaps?: number[];
  /** Set on a workflow run started before the current presets: it decides with the first ones (src/policy/modes.ts). */
  presets?: 'first';
  /**
   * Set on a workflow run started before the current rules (the workflow's RELEASE_N_PATCH markers): the release it
   * started on, whose rules it decides with until it continues as new, so that its history replays and its decisions
   * do not change mid-run. Each rule checks `rulesFrom(state, <the release that added it>)` (src/policy/rules.ts).
   */
  rules?: Exclude<RulesRelease, 'release-5'>;
  /** The pool's limit that held the queue at the last tick, in Impala's words (src/policy/queue-cause.ts). */
  queueHeld?: string;
  /** Impala's pool counters at the last tick, and how much they grew since the tick before. */
  impalaCounts?: { timedOutTotal: number; rejectedTotal: number; timedOut: number; rejected: number };
  /** Set while the observed group start-up is longer than the pool's queue timeout: a resume cannot save a query. */
  queueTimeoutShort?: { startupSeconds: number; timeoutSeconds: number; warning: string };
  /**
   * One-way freezes the operator set (src/policy/freeze.ts): scale-in, scale-out, or both held. Absent until the
   * operator first freezes the warehouse; an unfreeze clears both flags.
   */
  frozen?: { scaleIn: boolean; scaleOut: boolean };
  /**
   * Executor-hours used in each budget's current period (src/policy/budgets.ts), and the last tick they were counted
   * at; absent without budgets.
   */
  budget?: BudgetUse;
}

export interface BudgetUse {
  /** The tick's time and the executors that ran since (every listed group, deleting ones too). */
  atMs: number;
  executors: number;
  /**
   * One per budget of the spec, in its order: the period's bounds, the executor-seconds used in it and its limit, and
   * the highest threshold (percent) reached, 0 before the first.
   */
  periods: {
    period: string;
    startMs: number;
    endMs: number;
    usedSeconds: number;
    limitSeconds: number;
    reached: number;
  }[];
}

export type Action =
  /** `why`: 'prewarm' for groups added ahead of a forecast load, 'replace' for one added in place of a degraded one. */
  | { type: 'add'; group: string; index: number; why?: 'prewarm' | 'replace' }
  | {
      type: 'remove';
      group: string;
      index: number;
      why: 'scale-down' | 'suspend' | 'rollback' | 'above-max' | 'replace';
    };

/**
 * The rule that changed the warehouse on a tick (its first action, or the dry run's first "would"), or why nothing
 * changed: `hold` (no rule acted) or `unknown-load`. `operator` is a suspend, resume or pause the operator asked for.
 */
export type Rule =
  | 'resume'
  | 'scale-up'
  | 'min'
  | 'prewarm'
  | 'replace'
  | 'rollback'
  | 'scale-down'
  | 'above-max'
  | 'suspend'
  | 'operator'
  | 'hold'
  | 'unknown-load';

export interface Decision {
  state: PolicyState;
  /** Empty in dry-run mode: the reasons say what would have been done. */
  actions: Action[];
  /** Log lines in the seed system's wording, in order. */
  reasons: string[];
  /** What the tick decided, as data: read this, never the wording of `reasons`. */
  rule: Rule;
  /** The line of `reasons` that says why the rule acted; absent for `hold` and `unknown-load`. */
  why?: string;
}
