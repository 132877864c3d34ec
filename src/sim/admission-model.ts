// Impala's admission, as one deterministic state machine shared by the real-time coordinator simulator
// (coordinator.ts) and the discrete-event what-if simulator: no clock, no timers, no I/O — every call takes the
// current time in milliseconds, and `nextEventTime()` says when the model next changes on its own (a running query
// ends), so a driver can jump straight there.
//
// What it does as Impala does (be/src/scheduling/admission-controller.cc):
// - one FIFO queue per pool; a new query queues behind a non-empty queue ("queue is not empty (size N); queued
//   queries are executed first.");
// - pool P runs on the groups named `P-…`; healthy groups are tried in name order, the first that admits wins;
// - a group admits while every executor has a free admission slot (one per query, `queriesPerGroup` per executor)
//   and then while the query's per-executor memory fits under every executor's admit_mem_limit (slots are checked
//   before memory, as in CanAdmitRequest); the head's reason is the last group's, in Impala's words;
// - a query needing more per-executor memory than an executor's admit_mem_limit is rejected (REASON_REQ_OVER_NODE_MEM);
// - quiescing groups admit nothing new and finish what they run; wait_time_ms_ema uses Impala's 0.2 multiplier;
// - pool limits (`poolLimits`, TPoolConfig's max_requests, max_mem_resources, max_queued and queue_timeout_ms), checked
//   in Impala's order: RejectForCluster (max_queued full → REASON_QUEUE_FULL; a limit of 0 disables the pool),
//   RejectForSchedule (a query over max_mem_resources on its own → REASON_REQ_OVER_POOL_MEM), then CanAdmitRequest per
//   group: the queue (QUEUED_QUEUE_NOT_EMPTY), max_requests against the pool's running count (QUEUED_NUM_RUNNING),
//   the group's slots (HOST_SLOT_NOT_AVAILABLE), then HasAvailableMemResources: the pool's max_mem_resources against
//   its admitted memory (POOL_MEM_NOT_AVAILABLE) before each host's (HOST_MEM_NOT_AVAILABLE);
// - a queued query still queued `queueTimeoutMs` after it was submitted is timed out (AdmissionController::
//   WaitOnQueued: AdmissionOutcome::TIMED_OUT, PoolStats::Dequeue(true) counts it in total_timed_out, not in
//   total_rejected) with the ADMISSION_TIMED_OUT message of common/thrift/generate_error_codes.py.
//
// Where it differs from Impala (each a deliberate simplification; none changes what the autoscaler reads):
// - agg_* values are exact and immediate here; Impala's travel through the statestore and lag by up to a topic
//   update, which the coordinator simulator adds on top (cluster.ts, `statestoreUpdateMs`). Several coordinators share
//   one model, i.e. one perfectly coherent queue per pool, where Impala keeps one queue per coordinator and reconciles
//   through the statestore. A coordinator that restarts loses the queries it held, queued and running
//   (`dropCoordinator`): they lived in its process (AdmissionController::queue_nodes_, ClientRequestState).
// - Memory counted is the memory admitted (mem_limit_to_admit); Impala also checks actual reservations
//   (max(mem_reserved, mem_admitted)), which can only be lower for admitted queries in a simulator.
// - Without `poolLimits` the pool has no limits (max_requests, max_mem_resources, max_queued unlimited: -1) and no
//   queue timeout, so a queued query waits for capacity however long it takes; Impala's defaults would time it out
//   after 60 s (--queue_wait_timeout_ms) — a warehouse with an autoscaler must raise that above the group start-up.
// - The limits apply to every pool of the model alike; per-user and per-group quotas
//   (USER_QUOTA_EXCEEDED, GROUP_QUOTA_EXCEEDED) are not modelled: Impala rejects on them at submission
//   (FindGroupToAdmitOrReject calls CanAdmitQuota only when not admitting from the queue).
// - Every executor of a group is the same (one admit_mem_limit, one slot count); the coordinator's own memory and
//   slots are not modelled; a query takes one slot on each executor of one group (mt_dop 0).
// - A group that disappears (rather than quiesces) with queries running kills them (state `killed`), where Impala
//   would fail them when their fragments fail: the simulator's way of showing a scale-down that was not drain-safe.
// - An executor lost from a group (unhealthy) stops new admissions there but does not fail its running queries.
import { formatBytes } from '../activities/impala/pretty-bytes';

export const REASON_NO_EXECUTOR_GROUPS =
  'Waiting for executors to start. Only DDL queries and queries scheduled only on the coordinator (either NUM_NODES ' +
  'set to 1 or when small query optimization is triggered) can currently run.';
export const EMA_MULTIPLIER = 0.2;

// Impala's queue and rejection reasons (admission-controller.cc, the constants of the same names), with the staleness
// detail ($n, GetStalenessDetailLocked(" ")) empty: the model's own view is never stale.
/** QUEUED_NUM_RUNNING: the pool's max_requests. */
export const queuedNumRunning = (running: number, limit: number) =>
  `number of running queries ${running} is at or over limit ${limit}.`;
/** QUEUED_QUEUE_NOT_EMPTY */
export const queuedQueueNotEmpty = (size: number) =>
  `queue is not empty (size ${size}); queued queries are executed first.`;
/** POOL_MEM_NOT_AVAILABLE: the pool's max_mem_resources against the cluster-wide memory it has admitted. */
export const poolMemNotAvailable = (pool: string, max: number, needed: number, available: number) =>
  `Not enough aggregate memory available in pool ${pool} with max mem resources ${formatBytes(max)}. Needed ` +
  `${formatBytes(needed)} but only ${formatBytes(available)} was available.`;
/** HOST_MEM_NOT_AVAILABLE */
export const hostMemNotAvailable = (host: string, needed: number, available: number, limit: number) =>
  `Not enough memory available on host ${host}. Needed ${formatBytes(needed)} but only ${formatBytes(available)} ` +
  `out of ${formatBytes(limit)} was available.`;
/** HOST_SLOT_NOT_AVAILABLE */
export const hostSlotNotAvailable = (host: string, needed: number, inUse: number, slots: number) =>
  `Not enough admission control slots available on host ${host}. Needed ${needed} slots but ${inUse}/${slots} are already in use.`;
/** REASON_QUEUE_FULL (a rejection) */
export const reasonQueueFull = (limit: number, queued: number) => `queue full, limit=${limit}, num_queued=${queued}.`;
/** REASON_DISABLED_REQUESTS_LIMIT (a rejection) */
export const REASON_DISABLED_REQUESTS_LIMIT = 'disabled by requests limit set to 0';
/** REASON_DISABLED_MAX_MEM_RESOURCES (a rejection) */
export const REASON_DISABLED_MAX_MEM_RESOURCES = 'disabled by pool max mem resources set to 0';
/** REASON_REQ_OVER_POOL_MEM (a rejection) */
export const reasonReqOverPoolMem = (needed: number, max: number) =>
  `request memory needed ${formatBytes(needed)} is greater than pool max mem resources ${formatBytes(max)}.\n\n` +
  'Use the MEM_LIMIT query option to indicate how much memory is required per node. The total memory needed is the ' +
  'per-node MEM_LIMIT times the number of nodes executing the query. See the Admission Control documentation for ' +
  'more information.';
/** ADMISSION_TIMED_OUT (generate_error_codes.py), as WaitOnQueued returns it; the details are empty here. */
export const admissionTimedOut = (timeoutMs: number, pool: string, reason: string) =>
  `Admission for query exceeded timeout ${timeoutMs}ms in pool ${pool}. Queued reason: ${reason} Additional Details: `;

/** A pool's limits as TPoolConfig holds them (RequestPoolService.getPoolConfig); -1 is unlimited, as in Impala. */
export interface PoolLimits {
  /** max_requests: queries the pool runs at once, cluster-wide. */
  maxRequests: number;
  /** max_mem_resources: memory the pool admits cluster-wide (per-executor memory × executors), bytes. */
  maxMemBytes: number;
  /** max_queued: a query arriving to this many queued is rejected. */
  maxQueued: number;
  /** queue_timeout_ms (else --queue_wait_timeout_ms); undefined: no timeout (the simulator's default, not Impala's). */
  queueTimeoutMs?: number;
}

export const NO_POOL_LIMITS: PoolLimits = { maxRequests: -1, maxMemBytes: -1, maxQueued: -1 };

export interface ModelConfig {
  /** Admission slots per executor; every query takes one: the group's concurrency. */
  queriesPerGroup: number;
  /** Each executor's admit_mem_limit, bytes. */
  executorMemBytes: number;
  /** The `host:port` Impala would name for executor `i` of a group (used in queue reasons). */
  executorHost?: (group: string, i: number) => string;
  /** Every pool's limits; default none (NO_POOL_LIMITS). */
  poolLimits?: PoolLimits;
  /**
   * Executor group sets (--expected_executor_group_sets): pool P runs only on groups `P-…`, so the executors of a
   * pool's groups are its set's, with their own slots and memory. A pool not listed uses the values above.
   */
  pools?: Record<string, PoolExecutors>;
}

/** The executors of one group set, and its pool's max_query_mem_limit. */
export interface PoolExecutors {
  queriesPerGroup: number;
  executorMemBytes: number;
  /**
   * The pool's max_query_mem_limit, bytes (0 or absent: none). ScheduleState::UpdateMemoryRequirements clamps a
   * query's planned per-host memory to it: a query forced into a small set's pool (REQUEST_POOL) runs with less.
   */
  maxQueryMemBytes?: number;
}

export interface ModelGroup {
  /** Impala group name, `<pool>-group-NNN`. */
  name: string;
  executors: number;
  healthy: boolean;
  quiescing: boolean;
}

/** A query timed out in the queue ends `rejected` (its client gets an error) with `timedOut` set. */
export type QueryState = 'queued' | 'running' | 'finished' | 'rejected' | 'killed';

export interface QueryRequest {
  id: string;
  pool: string;
  /** Per-executor memory the query needs (mem_limit_to_admit), bytes. */
  memBytes: number;
  /** Run time once admitted. */
  durationMs: number;
  /** Opaque to the model: which coordinator took the query. */
  coordinator?: string;
}

export interface ModelQuery extends QueryRequest {
  state: QueryState;
  submittedAt: number;
  admittedAt?: number;
  /** When a running query will end / a finished, rejected or killed one ended. */
  endAt?: number;
  group?: string;
  /** Why it is (or was last) queued, or why rejected / killed. */
  reason?: string;
  /** Rejected because it waited past the pool's queue timeout. */
  timedOut?: true;
}

export interface ModelEvent {
  type: 'admitted' | 'finished' | 'rejected' | 'timed-out' | 'killed';
  id: string;
  at: number;
  group?: string;
}

export interface PoolStats {
  pool: string;
  running: number;
  queued: number;
  /** Cluster-wide bytes admitted to running queries (per-executor memory × executors of their group). */
  memReservedBytes: number;
  totalAdmitted: number;
  totalRejected: number;
  /** Queries timed out in the queue (total_timed_out; Impala does not count them in total_rejected). */
  totalTimedOut: number;
  waitTimeMsEma: number;
  limits: PoolLimits;
  /** Queue in order (ids). */
  queue: string[];
  headQueuedReason?: string;
}

export interface GroupStats extends ModelGroup {
  running: number;
  /** Per-executor bytes admitted. */
  memAdmittedBytes: number;
}

interface PoolState {
  queue: ModelQuery[];
  head: number;
  totalAdmitted: number;
  totalRejected: number;
  totalTimedOut: number;
  waitTimeMsEma: number;
}

export class AdmissionModel {
  private readonly config: Required<Omit<ModelConfig, 'pools'>>;
  private readonly poolExecutors: Record<string, PoolExecutors>;
  private now = 0;
  private groupList: ModelGroup[] = [];
  private readonly usage = new Map<string, { running: number; mem: number }>();
  private readonly poolStates = new Map<string, PoolState>();
  private readonly all = new Map<string, ModelQuery>();
  private running: ModelQuery[] = [];

  constructor(config: ModelConfig) {
    if (!Number.isInteger(config.queriesPerGroup) || config.queriesPerGroup < 1) {
      throw new Error(`queriesPerGroup must be a positive integer (got ${config.queriesPerGroup})`);
    }
    if (!(config.executorMemBytes > 0))
      throw new Error(`executorMemBytes must be positive (got ${config.executorMemBytes})`);
    for (const [pool, p] of Object.entries(config.pools ?? {})) {
      if (!Number.isInteger(p.queriesPerGroup) || p.queriesPerGroup < 1 || !(p.executorMemBytes > 0)) {
        throw new Error(`pool ${pool}: queriesPerGroup must be a positive integer and executorMemBytes positive`);
      }
    }
    const { pools, ...rest } = config;
    this.poolExecutors = pools ?? {};
    this.config = {
      executorHost: (g, i) => `${g}-${i}:27000`,
      ...rest,
      poolLimits: config.poolLimits ?? NO_POOL_LIMITS,
    };
  }

  /** The executors pool `pool`'s groups have: its set's, else the model's. */
  executorsOf(pool: string): PoolExecutors {
    return (
      this.poolExecutors[pool] ?? {
        queriesPerGroup: this.config.queriesPerGroup,
        executorMemBytes: this.config.executorMemBytes,
      }
    );
  }

  /** Latest time the model has been advanced to. */
  time(): number {
    return this.now;
  }

  /**
   * When a running query ends or a queued one times out next; undefined when neither can happen (nothing changes
   * until a submit or setGroups).
   */
  nextEventTime(): number | undefined {
    let next = this.nextEnd();
    const timeout = this.nextTimeout();
    if (timeout !== undefined && (next === undefined || timeout < next)) next = timeout;
    return next;
  }

  private nextEnd(): number | undefined {
    let next: number | undefined;
    for (const q of this.running) if (next === undefined || q.endAt! < next) next = q.endAt;
    return next;
  }

  /** Queues are FIFO by submission and share one timeout: each pool's head is its first to time out. */
  private nextTimeout(): number | undefined {
    const timeout = this.config.poolLimits.queueTimeoutMs;
    if (timeout === undefined) return undefined;
    let next: number | undefined;
    for (const pool of this.poolStates.values()) {
      const head = pool.queue[pool.head];
      if (head && (next === undefined || head.submittedAt + timeout < next)) next = head.submittedAt + timeout;
    }
    return next;
  }

  /**
   * Moves time to `now`: ends every query due by then, each at its own end time and in end-time order, and admits
   * from the queues at that same instant — so waits are exact however coarsely a driver advances.
   */
  advance(now: number): ModelEvent[] {
    this.checkTime(now);
    const events: ModelEvent[] = [];
    for (;;) {
      const next = this.nextEventTime();
      if (next === undefined || next > now) break;
      this.now = next;
      const due = this.running.filter((q) => q.endAt === next).sort((a, b) => (a.id < b.id ? -1 : 1));
      this.running = this.running.filter((q) => q.endAt !== next);
      for (const q of due) {
        q.state = 'finished';
        this.release(q);
        events.push({ type: 'finished', id: q.id, at: next, group: q.group });
      }
      // Capacity freed at the very instant of a timeout admits first: the query waited exactly the timeout.
      this.admitQueued(events);
      if (this.timeOutQueued(events)) this.admitQueued(events);
    }
    this.now = now;
    return events;
  }

  /** Replaces the membership (a statestore update). Groups gone with queries running kill them. */
  setGroups(groups: ModelGroup[], now: number): ModelEvent[] {
    const events = this.advance(now);
    const names = new Set(groups.map((g) => g.name));
    this.groupList = [...groups].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const lost = this.running.filter((q) => !names.has(q.group!));
    this.running = this.running.filter((q) => names.has(q.group!));
    for (const q of lost) {
      q.state = 'killed';
      q.endAt = now;
      q.reason = `executor group ${q.group} was removed while the query ran`;
      this.release(q);
      events.push({ type: 'killed', id: q.id, at: now, group: q.group });
    }
    for (const name of [...this.usage.keys()]) if (!names.has(name)) this.usage.delete(name);
    this.admitQueued(events);
    return events;
  }

  submit(request: QueryRequest, now: number): { query: ModelQuery; events: ModelEvent[] } {
    if (this.all.has(request.id)) throw new Error(`query id ${request.id} was already submitted`);
    if (!(request.durationMs >= 0) || !(request.memBytes >= 0)) {
      throw new Error(`query ${request.id}: durationMs and memBytes must be non-negative numbers`);
    }
    const events = this.advance(now);
    const { executorMemBytes, maxQueryMemBytes } = this.executorsOf(request.pool);
    const memBytes = maxQueryMemBytes ? Math.min(request.memBytes, maxQueryMemBytes) : request.memBytes;
    const q: ModelQuery = { ...request, memBytes, state: 'queued', submittedAt: now };
    this.all.set(q.id, q);
    const pool = this.pool(q.pool);
    const rejection = this.rejectForCluster(pool);
    if (rejection !== undefined) return { query: this.reject(q, pool, rejection, events), events };
    const overPool = this.rejectForSchedule(q);
    if (overPool !== undefined) return { query: this.reject(q, pool, overPool, events), events };
    if (q.memBytes > executorMemBytes) {
      const reason =
        `request memory needed ${formatBytes(q.memBytes)} is greater than memory available for admission ` +
        `${formatBytes(executorMemBytes)} of ${this.config.executorHost(`${q.pool}-group`, 0)}.\n\n` +
        'Use the MEM_LIMIT query option to indicate how much memory is required per node.';
      return { query: this.reject(q, pool, reason, events), events };
    }
    const waiting = pool.queue.length - pool.head;
    if (waiting > 0) {
      q.reason = queuedQueueNotEmpty(waiting);
      pool.queue.push(q);
      return { query: q, events };
    }
    const verdict = this.tryAdmit(q);
    if (verdict === undefined) events.push(this.admit(q, pool));
    else {
      q.reason = verdict;
      pool.queue.push(q);
    }
    return { query: q, events };
  }

  /**
   * A coordinator's process ended (a restart): its queued queries leave the queue and its running ones end, all as
   * `killed`; their resources are released and the queues admit at once.
   */
  dropCoordinator(coordinator: string, now: number): ModelEvent[] {
    const events = this.advance(now);
    const reason = `coordinator ${coordinator} restarted`;
    const end = (q: ModelQuery) => {
      q.state = 'killed';
      q.endAt = now;
      q.reason = reason;
      events.push({ type: 'killed', id: q.id, at: now, group: q.group });
    };
    const lost = this.running.filter((q) => q.coordinator === coordinator);
    this.running = this.running.filter((q) => q.coordinator !== coordinator);
    for (const q of lost) {
      this.release(q);
      end(q);
    }
    for (const pool of this.poolStates.values()) {
      const waiting = pool.queue.slice(pool.head);
      for (const q of waiting) if (q.coordinator === coordinator) end(q);
      pool.queue = waiting.filter((q) => q.coordinator !== coordinator);
      pool.head = 0;
    }
    this.admitQueued(events);
    return events;
  }

  query(id: string): ModelQuery | undefined {
    return this.all.get(id);
  }

  queries(): ModelQuery[] {
    return [...this.all.values()];
  }

  /** Pools that have seen a query, by name (Impala lists a pool only after its first query). */
  pools(): PoolStats[] {
    return [...this.poolStates.keys()].sort().map((p) => this.poolStats(p)!);
  }

  poolStats(pool: string): PoolStats | undefined {
    const s = this.poolStates.get(pool);
    if (!s) return undefined;
    const queue = s.queue.slice(s.head);
    const running = this.running.filter((q) => q.pool === pool);
    const executors = new Map(this.groupList.map((g) => [g.name, g.executors]));
    return {
      pool,
      running: running.length,
      queued: queue.length,
      memReservedBytes: running.reduce((sum, q) => sum + q.memBytes * (executors.get(q.group!) ?? 0), 0),
      totalAdmitted: s.totalAdmitted,
      totalRejected: s.totalRejected,
      totalTimedOut: s.totalTimedOut,
      waitTimeMsEma: s.waitTimeMsEma,
      limits: this.config.poolLimits,
      queue: queue.map((q) => q.id),
      headQueuedReason: queue[0]?.reason,
    };
  }

  groups(): GroupStats[] {
    return this.groupList.map((g) => {
      const u = this.usage.get(g.name) ?? { running: 0, mem: 0 };
      return { ...g, running: u.running, memAdmittedBytes: u.mem };
    });
  }

  /** Queries running on this group (any pool). */
  runningOn(group: string): ModelQuery[] {
    return this.running.filter((q) => q.group === group);
  }

  private checkTime(now: number): void {
    if (!Number.isFinite(now) || now < this.now) {
      throw new Error(`time must not go backwards (model at ${this.now} ms, asked for ${now} ms)`);
    }
  }

  private pool(name: string): PoolState {
    let s = this.poolStates.get(name);
    if (!s) {
      s = { queue: [], head: 0, totalAdmitted: 0, totalRejected: 0, totalTimedOut: 0, waitTimeMsEma: 0 };
      this.poolStates.set(name, s);
    }
    return s;
  }

  /** undefined when a group admits `q`; otherwise Impala's reason, from the last group tried. */
  private tryAdmit(q: ModelQuery): string | undefined {
    const candidates = this.groupList.filter((g) => g.name.startsWith(`${q.pool}-`) && g.healthy && !g.quiescing);
    if (candidates.length === 0) return REASON_NO_EXECUTOR_GROUPS;
    let reason = REASON_NO_EXECUTOR_GROUPS;
    const { executorHost, poolLimits } = this.config;
    const { queriesPerGroup: slots, executorMemBytes: limit } = this.executorsOf(q.pool);
    const { maxRequests, maxMemBytes } = poolLimits;
    const inPool = this.running.filter((r) => r.pool === q.pool);
    // The pool's limit is the same for every group: Impala says it for each group it tries.
    if (maxRequests >= 0 && inPool.length >= maxRequests) return queuedNumRunning(inPool.length, maxRequests);
    const poolMem = maxMemBytes >= 0 ? this.admittedMem(inPool) : 0;
    for (const g of candidates) {
      const u = this.usage.get(g.name) ?? { running: 0, mem: 0 };
      const host = executorHost(g.name, 0);
      const clusterMem = q.memBytes * g.executors;
      if (u.running + 1 > slots) {
        reason = hostSlotNotAvailable(host, 1, u.running, slots);
      } else if (maxMemBytes >= 0 && poolMem + clusterMem > maxMemBytes) {
        reason = poolMemNotAvailable(q.pool, maxMemBytes, clusterMem, Math.max(maxMemBytes - poolMem, 0));
      } else if (u.mem + q.memBytes > limit) {
        reason = hostMemNotAvailable(host, q.memBytes, Math.max(limit - u.mem, 0), limit);
      } else {
        q.group = g.name;
        return undefined;
      }
    }
    return reason;
  }

  /** Cluster-wide memory admitted to these running queries (per-executor memory × their group's executors). */
  private admittedMem(running: ModelQuery[]): number {
    const executors = new Map(this.groupList.map((g) => [g.name, g.executors]));
    return running.reduce((sum, r) => sum + r.memBytes * (executors.get(r.group!) ?? 0), 0);
  }

  /** AdmissionController::RejectForCluster, for a query arriving (not one admitted from the queue). */
  private rejectForCluster(pool: PoolState): string | undefined {
    const { maxRequests, maxMemBytes, maxQueued } = this.config.poolLimits;
    if (maxRequests === 0) return REASON_DISABLED_REQUESTS_LIMIT;
    if (maxMemBytes === 0) return REASON_DISABLED_MAX_MEM_RESOURCES;
    const queued = pool.queue.length - pool.head;
    if (maxQueued >= 0 && queued >= maxQueued) return reasonQueueFull(maxQueued, queued);
    return undefined;
  }

  /**
   * AdmissionController::RejectForSchedule: a query that alone needs more than the pool's max_mem_resources on a
   * group of the warehouse's size could never be admitted. Without a group, Impala has no schedule to check yet.
   */
  private rejectForSchedule(q: ModelQuery): string | undefined {
    const { maxMemBytes } = this.config.poolLimits;
    const g = this.groupList.find((x) => x.name.startsWith(`${q.pool}-`) && x.executors > 0);
    if (maxMemBytes < 0 || !g || q.memBytes * g.executors <= maxMemBytes) return undefined;
    return reasonReqOverPoolMem(q.memBytes * g.executors, maxMemBytes);
  }

  private reject(q: ModelQuery, pool: PoolState, reason: string, events: ModelEvent[]): ModelQuery {
    q.state = 'rejected';
    q.endAt = this.now;
    q.reason = reason;
    pool.totalRejected += 1;
    events.push({ type: 'rejected', id: q.id, at: this.now });
    return q;
  }

  /** Times out every queued query whose wait reached the pool's queue timeout now; true when any did. */
  private timeOutQueued(events: ModelEvent[]): boolean {
    const timeout = this.config.poolLimits.queueTimeoutMs;
    if (timeout === undefined) return false;
    let any = false;
    for (const pool of this.poolStates.values()) {
      while (pool.head < pool.queue.length && pool.queue[pool.head].submittedAt + timeout <= this.now) {
        const q = pool.queue[pool.head];
        pool.head += 1;
        q.state = 'rejected';
        q.timedOut = true;
        q.endAt = this.now;
        q.reason = admissionTimedOut(timeout, q.pool, q.reason ?? '');
        pool.totalTimedOut += 1;
        // WaitOnQueued updates the wait average with a timed-out query's wait too (PoolStats::UpdateWaitTime).
        this.updateWait(pool, this.now - q.submittedAt);
        events.push({ type: 'timed-out', id: q.id, at: this.now });
        any = true;
      }
    }
    return any;
  }

  private updateWait(pool: PoolState, wait: number): void {
    // PoolStats::UpdateWaitTime: the first wait seeds the average.
    pool.waitTimeMsEma =
      pool.waitTimeMsEma === 0 ? wait : pool.waitTimeMsEma * (1 - EMA_MULTIPLIER) + wait * EMA_MULTIPLIER;
  }

  private admit(q: ModelQuery, pool: PoolState): ModelEvent {
    const u = this.usage.get(q.group!) ?? { running: 0, mem: 0 };
    u.running += 1;
    u.mem += q.memBytes;
    this.usage.set(q.group!, u);
    q.state = 'running';
    q.admittedAt = this.now;
    q.endAt = this.now + q.durationMs;
    this.running.push(q);
    pool.totalAdmitted += 1;
    this.updateWait(pool, q.admittedAt - q.submittedAt);
    return { type: 'admitted', id: q.id, at: this.now, group: q.group };
  }

  private release(q: ModelQuery): void {
    const u = this.usage.get(q.group!);
    if (!u) return;
    u.running -= 1;
    u.mem -= q.memBytes;
  }

  /** Dequeues each pool's head while a group admits it; a head that does not fit blocks its pool (FIFO). */
  private admitQueued(events: ModelEvent[]): void {
    for (const pool of this.poolStates.values()) {
      while (pool.head < pool.queue.length) {
        const q = pool.queue[pool.head];
        // TryDequeue → FindGroupToAdmitOrReject runs RejectForSchedule again: a query queued before any group existed
        // is rejected from the queue once one shows it can never fit the pool.
        const rejection = this.rejectForSchedule(q);
        if (rejection !== undefined) {
          pool.head += 1;
          this.reject(q, pool, rejection, events);
          continue;
        }
        const verdict = this.tryAdmit(q);
        if (verdict !== undefined) {
          q.reason = verdict;
          break;
        }
        pool.head += 1;
        events.push(this.admit(q, pool));
      }
      if (pool.head > 1024 && pool.head * 2 > pool.queue.length) {
        pool.queue = pool.queue.slice(pool.head);
        pool.head = 0;
      }
    }
  }
}
