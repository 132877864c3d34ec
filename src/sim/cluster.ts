// The real-time driver around the admission model: one simulated Impala cluster (statestore view, executors and
// admission), which one or more coordinator HTTP servers (coordinator.ts) expose. Time is wall-clock milliseconds
// since start; a timer wakes the model at its next event so queued queries are admitted when capacity frees, not
// when someone next asks.
import { groupName, groupIndex, impalaGroupName } from '../policy/names';
import type { WarehouseSpec } from '../policy/types';
import {
  AdmissionModel,
  type ModelEvent,
  type ModelGroup,
  type ModelQuery,
  type PoolLimits,
  type PoolStats,
} from './admission-model';
import type { MemberGroup, Membership } from './membership';

export interface ClusterOptions {
  membership: Membership;
  /** Pool / group-set prefix whose groups the membership lists. Default root.default. */
  groupSet?: string;
  executorsPerGroup?: number;
  /** Concurrent queries per group (each executor's admission slots). Default 12. */
  queriesPerGroup?: number;
  /** Each executor's admit_mem_limit, MB. Default 16384. */
  executorMemoryMb?: number;
  /** How often the membership is polled (the statestore's update period). Default 200 ms. */
  membershipPollMs?: number;
  /** Per-query memory when a submission gives none, MB. Default 1024. */
  defaultQueryMemMb?: number;
  /** Monotonic milliseconds; injectable for tests. */
  clock?: () => number;
  /** The pool's limits and queue timeout (admission-model.ts); default none. */
  poolLimits?: PoolLimits;
  /**
   * The statestore's admission topic period: every coordinator's agg_* values are those of the last update, up to
   * this old (Impala's --statestore_update_frequency_ms, 2000 by default), and the staleness they report grows
   * between updates. Default 0: exact and immediate.
   */
  statestoreUpdateMs?: number;
  /**
   * agg_mem_reserved as a fraction of the memory admitted: Impala reports the buffer-pool reservations queries
   * actually made, often below what admission counted (mem_limit_to_admit). Default 1.
   */
  memReservedFraction?: number;
}

export interface SubmitOptions {
  pool?: string;
  durationMs: number;
  memMb?: number;
  sql?: string;
  coordinator: string;
}

export interface SimQuery extends ModelQuery {
  sql?: string;
}

const MB = 1024 * 1024;

export class ClusterSimulator {
  readonly groupSet: string;
  readonly executorsPerGroup: number;
  readonly queriesPerGroup: number;
  readonly executorMemBytes: number;
  readonly model: AdmissionModel;
  /** Coordinator names in registration order (each HTTP server is one). */
  readonly coordinators: string[] = [];
  private members: MemberGroup[] = [];
  private readonly sql = new Map<string, string>();
  private readonly clock: () => number;
  private readonly t0: number;
  private seq = 0;
  private timer?: NodeJS.Timeout;
  private poller?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private lastMembershipError?: string;
  private readonly listeners: ((e: ModelEvent) => void)[] = [];
  private published?: { at: number; pools: Map<string, PoolStats> };
  private publisher?: NodeJS.Timeout;
  /** The admission service (admissiond) serving /admission in place of the coordinators, when one is started. */
  admissionService?: string;
  /** When each coordinator last (re)started, ms since the simulator started: its local state begins there. */
  readonly startedAt = new Map<string, number>();

  constructor(private readonly options: ClusterOptions) {
    this.groupSet = options.groupSet ?? 'root.default';
    this.executorsPerGroup = options.executorsPerGroup ?? 2;
    this.queriesPerGroup = options.queriesPerGroup ?? 12;
    this.executorMemBytes = (options.executorMemoryMb ?? 16384) * MB;
    this.clock = options.clock ?? (() => performance.now());
    this.t0 = this.clock();
    this.model = new AdmissionModel({
      queriesPerGroup: this.queriesPerGroup,
      executorMemBytes: this.executorMemBytes,
      executorHost: (group, i) => executorHost(group, i),
      poolLimits: options.poolLimits,
    });
  }

  /** The pool's cluster-wide values as the coordinators see them: as of the last statestore update. */
  aggStats(pool: string): PoolStats | undefined {
    return this.published ? this.published.pools.get(pool) : this.model.poolStats(pool);
  }

  /** How old the statestore's view is now, ms (0 without a statestore period). */
  aggAgeMs(): number {
    return this.published ? Math.max(0, this.now() - this.published.at) : 0;
  }

  memReservedFraction(): number {
    return this.options.memReservedFraction ?? 1;
  }

  /** A coordinator's process restarts: the queries it held end, and its local state and counters start again. */
  restartCoordinator(name: string): void {
    this.sync();
    this.emit(this.model.dropCoordinator(name, this.model.time()));
    this.startedAt.set(name, this.model.time());
    this.schedule();
  }

  private publish(): void {
    this.sync();
    this.published = { at: this.model.time(), pools: new Map(this.model.pools().map((p) => [p.pool, p])) };
  }

  /** Reads the membership once (so the first page already shows the groups), then polls it. */
  async start(): Promise<void> {
    await this.pollMembership();
    this.poller = setInterval(() => void this.pollMembership(), this.options.membershipPollMs ?? 200);
    this.poller.unref();
    const period = this.options.statestoreUpdateMs ?? 0;
    if (period > 0) {
      this.publish();
      this.publisher = setInterval(() => this.publish(), period);
      this.publisher.unref();
    }
  }

  stop(): void {
    clearInterval(this.poller);
    clearInterval(this.publisher);
    clearTimeout(this.timer);
  }

  /** Milliseconds since the simulator started. */
  now(): number {
    return this.clock() - this.t0;
  }

  /** Brings the model to now; every page and control call does this first. */
  sync(): void {
    this.emit(this.model.advance(Math.max(this.now(), this.model.time())));
    this.schedule();
  }

  submit(o: SubmitOptions): SimQuery {
    this.sync();
    this.seq += 1;
    // Shaped like Impala's query ids (two 64-bit hex halves), unique per simulator.
    const id = `${(0x5a17 * 0x10000 + this.seq).toString(16).padStart(16, '0')}:${this.seq.toString(16).padStart(16, '0')}`;
    const pool = o.pool ?? this.groupSet;
    const memBytes = Math.round((o.memMb ?? this.options.defaultQueryMemMb ?? 1024) * MB);
    const { query, events } = this.model.submit(
      { id, pool, memBytes, durationMs: o.durationMs, coordinator: o.coordinator },
      this.model.time(),
    );
    if (o.sql !== undefined) this.sql.set(id, o.sql);
    this.emit(events);
    this.schedule();
    return this.view(query);
  }

  query(id: string): SimQuery | undefined {
    this.sync();
    const q = this.model.query(id);
    return q && this.view(q);
  }

  queries(): SimQuery[] {
    this.sync();
    return this.model.queries().map((q) => this.view(q));
  }

  /** The membership as last polled. */
  memberGroups(): MemberGroup[] {
    return this.members.map((m) => ({ ...m }));
  }

  membershipError(): string | undefined {
    return this.lastMembershipError;
  }

  /** Impala's name of a member group. */
  impalaName(index: number): string {
    return impalaGroupName(this.groupSet, index);
  }

  onEvent(listener: (e: ModelEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Waits for an in-flight membership poll and runs one more: tests use it instead of sleeping. */
  async refreshMembership(): Promise<void> {
    await this.polling;
    await this.pollMembership();
  }

  private pollMembership(): Promise<void> {
    // One poll at a time: a slow ExecutorGroups.list must not stack up polls that apply out of order.
    if (this.polling) return this.polling;
    this.polling = (async () => {
      try {
        const groups = await this.options.membership.groups();
        this.lastMembershipError = undefined;
        this.members = [...groups].sort((a, b) => a.index - b.index);
        const modelGroups: ModelGroup[] = this.members
          .filter((g) => g.executors > 0 || g.healthy)
          .map((g) => ({
            name: this.impalaName(g.index),
            executors: g.executors,
            healthy: g.healthy,
            quiescing: g.quiescing,
          }));
        this.emit(this.model.setGroups(modelGroups, Math.max(this.now(), this.model.time())));
        this.schedule();
      } catch (err) {
        // The statestore keeps its last view when a subscriber misses updates; so does the simulator.
        this.lastMembershipError = (err as Error).message;
      } finally {
        this.polling = undefined;
      }
    })();
    return this.polling;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    const next = this.model.nextEventTime();
    if (next === undefined) return;
    this.timer = setTimeout(() => this.sync(), Math.max(0, next - this.now()));
    this.timer.unref();
  }

  private emit(events: ModelEvent[]): void {
    for (const e of events) for (const l of this.listeners) l(e);
  }

  private view(q: ModelQuery): SimQuery {
    const sql = this.sql.get(q.id);
    return sql === undefined ? { ...q } : { ...q, sql };
  }
}

/** `impala-executor-NNN-i:27000`, the pod Kubernetes would run executor i of group NNN as. */
export function executorHost(impalaGroup: string, i: number): string {
  const index = groupIndex(impalaGroup);
  return `${index === undefined ? impalaGroup : groupName(index)}-${i}:27000`;
}

/** Simulator settings that match a warehouse spec, so the simulated cluster has the spec's groups and limits. */
export function clusterOptionsFor(
  spec: Pick<WarehouseSpec, 'groupSet' | 'executorsPerGroup' | 'queriesPerGroup' | 'executorMemoryMb'>,
  membership: Membership,
  poolLimits?: PoolLimits,
): ClusterOptions {
  return {
    membership,
    poolLimits,
    groupSet: spec.groupSet,
    executorsPerGroup: spec.executorsPerGroup,
    queriesPerGroup: spec.queriesPerGroup,
    executorMemoryMb: spec.executorMemoryMb,
  };
}
