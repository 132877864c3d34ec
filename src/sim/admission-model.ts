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
// - quiescing groups admit nothing new and finish what they run; wait_time_ms_ema uses Impala's 0.2 multiplier.
//
// Where it differs from Impala (each a deliberate simplification; none changes what the autoscaler reads):
// - agg_* values are exact and immediate; Impala's travel through the statestore and lag by up to a topic update
//   (the simulator reports staleness 0). Several coordinators share one model, i.e. one perfectly coherent queue per
//   pool, where Impala keeps one queue per coordinator and reconciles through the statestore.
// - Memory counted is the memory admitted (mem_limit_to_admit); Impala also checks actual reservations
//   (max(mem_reserved, mem_admitted)), which can only be lower for admitted queries in a simulator.
// - No pool limits (max_requests, max_mem_resources, max_queued are unlimited: -1) and no queue timeout, so a queued
//   query waits for capacity however long it takes; Impala's defaults would time it out after 60 s
//   (--queue_wait_timeout_ms) — a warehouse with an autoscaler must raise that above the group start-up time.
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

export interface ModelConfig {
  /** Admission slots per executor; every query takes one: the group's concurrency. */
  queriesPerGroup: number;
  /** Each executor's admit_mem_limit, bytes. */
  executorMemBytes: number;
  /** The `host:port` Impala would name for executor `i` of a group (used in queue reasons). */
  executorHost?: (group: string, i: number) => string;
}

export interface ModelGroup {
  /** Impala group name, `<pool>-group-NNN`. */
  name: string;
  executors: number;
  healthy: boolean;
  quiescing: boolean;
}

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
}

export interface ModelEvent {
  type: 'admitted' | 'finished' | 'rejected' | 'killed';
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
  waitTimeMsEma: number;
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
  waitTimeMsEma: number;
}

export class AdmissionModel {
  private readonly config: Required<ModelConfig>;
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
    this.config = { executorHost: (g, i) => `${g}-${i}:27000`, ...config };
  }

  /** Latest time the model has been advanced to. */
  time(): number {
    return this.now;
  }

  /** When a running query ends next; undefined when nothing runs (nothing changes until a submit or setGroups). */
  nextEventTime(): number | undefined {
    let next: number | undefined;
    for (const q of this.running) if (next === undefined || q.endAt! < next) next = q.endAt;
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
      this.admitQueued(events);
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
    const q: ModelQuery = { ...request, state: 'queued', submittedAt: now };
    this.all.set(q.id, q);
    const pool = this.pool(q.pool);
    if (q.memBytes > this.config.executorMemBytes) {
      q.state = 'rejected';
      q.endAt = now;
      q.reason =
        `request memory needed ${formatBytes(q.memBytes)} is greater than memory available for admission ` +
        `${formatBytes(this.config.executorMemBytes)} of ${this.config.executorHost(`${q.pool}-group`, 0)}.\n\n` +
        'Use the MEM_LIMIT query option to indicate how much memory is required per node.';
      pool.totalRejected += 1;
      events.push({ type: 'rejected', id: q.id, at: now });
      return { query: q, events };
    }
    const waiting = pool.queue.length - pool.head;
    if (waiting > 0) {
      q.reason = `queue is not empty (size ${waiting}); queued queries are executed first.`;
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
      waitTimeMsEma: s.waitTimeMsEma,
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
      s = { queue: [], head: 0, totalAdmitted: 0, totalRejected: 0, waitTimeMsEma: 0 };
      this.poolStates.set(name, s);
    }
    return s;
  }

  /** undefined when a group admits `q`; otherwise Impala's reason, from the last group tried. */
  private tryAdmit(q: ModelQuery): string | undefined {
    const candidates = this.groupList.filter((g) => g.name.startsWith(`${q.pool}-`) && g.healthy && !g.quiescing);
    if (candidates.length === 0) return REASON_NO_EXECUTOR_GROUPS;
    let reason = REASON_NO_EXECUTOR_GROUPS;
    const { queriesPerGroup: slots, executorMemBytes: limit, executorHost } = this.config;
    for (const g of candidates) {
      const u = this.usage.get(g.name) ?? { running: 0, mem: 0 };
      const host = executorHost(g.name, 0);
      if (u.running + 1 > slots) {
        reason = `Not enough admission control slots available on host ${host}. Needed 1 slots but ${u.running}/${slots} are already in use.`;
      } else if (u.mem + q.memBytes > limit) {
        reason =
          `Not enough memory available on host ${host}. Needed ${formatBytes(q.memBytes)} but only ` +
          `${formatBytes(Math.max(limit - u.mem, 0))} out of ${formatBytes(limit)} was available.`;
      } else {
        q.group = g.name;
        return undefined;
      }
    }
    return reason;
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
    const wait = q.admittedAt - q.submittedAt;
    // PoolStats::UpdateWaitTime: the first wait seeds the average.
    pool.waitTimeMsEma =
      pool.waitTimeMsEma === 0 ? wait : pool.waitTimeMsEma * (1 - EMA_MULTIPLIER) + wait * EMA_MULTIPLIER;
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
