// The real-time driver around the admission model: one simulated Impala cluster (statestore view, executors and
// admission), which one or more coordinator HTTP servers (coordinator.ts) expose. Time is wall-clock milliseconds
// since start; a timer wakes the model at its next event so queued queries are admitted when capacity frees, not
// when someone next asks.
//
// A cluster serves one executor group set, or several (`sets`: Impala's --expected_executor_group_sets,
// be/src/service/impala-server.cc): each set has its own executors, its own membership and its own pool (the set's
// prefix, as in tests/custom_cluster/test_executor_groups.py: set root.small, pool root.small, groups
// root.small-group-NNN), and a query goes to the set Impala's planner picks (planner.ts routeQuery).
import { GROUP_PREFIX, groupIndex, impalaGroupName } from '../policy/names';
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
import { plannerOrder, routeQuery } from './planner';

/** One executor group set of a multi-set cluster. */
export interface GroupSetOptions {
  /** The set's prefix, which is also its pool: root.small. */
  groupSet: string;
  /** Where the set's groups come from. */
  membership: Membership;
  executorsPerGroup?: number;
  queriesPerGroup?: number;
  executorMemoryMb?: number;
  /** The set's pool's max-query-mem-limit, MB: what the planner routes by (planner.ts); absent: none. */
  maxQueryMemMb?: number;
  /** Name prefix of the set's StatefulSets and pods (`<groupPrefix>NNN-i`). Default impala-executor-. */
  groupPrefix?: string;
}

/** A set as the cluster runs it, every default filled in. */
export interface SimGroupSet {
  groupSet: string;
  membership: Membership;
  executorsPerGroup: number;
  queriesPerGroup: number;
  executorMemoryMb: number;
  executorMemBytes: number;
  maxQueryMemMb?: number;
  groupPrefix: string;
}

export interface ClusterOptions {
  /** The one set's membership; with `sets`, each set has its own. */
  membership?: Membership;
  /**
   * Several executor group sets (Impala's --expected_executor_group_sets). Queries are routed as Impala's planner
   * routes them; a submission's `pool` is its REQUEST_POOL. Without it the cluster is one set, built from the
   * single-set options here, and a submission's `pool` is used as given.
   */
  sets?: GroupSetOptions[];
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
  /** Every set, in the planner's order (the first is the one-set cluster's only set). */
  readonly sets: SimGroupSet[];
  /** The first set's values (the only set's, in a one-set cluster). */
  readonly groupSet: string;
  readonly executorsPerGroup: number;
  readonly queriesPerGroup: number;
  readonly executorMemBytes: number;
  readonly model: AdmissionModel;
  /** Coordinator names in registration order (each HTTP server is one). */
  readonly coordinators: string[] = [];
  private readonly members = new Map<string, MemberGroup[]>();
  private readonly membershipErrors = new Map<string, string>();
  private readonly sql = new Map<string, string>();
  private readonly clock: () => number;
  private readonly t0: number;
  private seq = 0;
  private timer?: NodeJS.Timeout;
  private poller?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private readonly listeners: ((e: ModelEvent) => void)[] = [];
  private published?: { at: number; pools: Map<string, PoolStats> };
  private publisher?: NodeJS.Timeout;
  /** The admission service (admissiond) serving /admission in place of the coordinators, when one is started. */
  admissionService?: string;
  /** When each coordinator last (re)started, ms since the simulator started: its local state begins there. */
  readonly startedAt = new Map<string, number>();

  constructor(private readonly options: ClusterOptions) {
    this.sets = plannerOrder(resolveSets(options));
    ({
      groupSet: this.groupSet,
      executorsPerGroup: this.executorsPerGroup,
      queriesPerGroup: this.queriesPerGroup,
      executorMemBytes: this.executorMemBytes,
    } = this.sets[0]);
    this.clock = options.clock ?? (() => performance.now());
    this.t0 = this.clock();
    this.model = new AdmissionModel({
      queriesPerGroup: this.queriesPerGroup,
      executorMemBytes: this.executorMemBytes,
      executorHost: (group, i) => this.executorHost(group, i),
      poolLimits: options.poolLimits,
      pools: Object.fromEntries(
        this.sets.map((s) => [
          s.groupSet,
          {
            queriesPerGroup: s.queriesPerGroup,
            executorMemBytes: s.executorMemBytes,
            maxQueryMemBytes: s.maxQueryMemMb === undefined ? undefined : s.maxQueryMemMb * MB,
          },
        ]),
      ),
    });
  }

  /** The set an Impala group (`<groupSet>-group-NNN`) belongs to: the set whose prefix it starts with, as Impala matches. */
  setOf(impalaGroup: string): SimGroupSet | undefined {
    return this.sets.find((s) => impalaGroup.startsWith(s.groupSet));
  }

  /** `<groupPrefix>NNN-i:27000`, the pod Kubernetes would run executor i of the group as. */
  executorHost(impalaGroup: string, i: number): string {
    const index = groupIndex(impalaGroup);
    const prefix = this.setOf(impalaGroup)?.groupPrefix ?? GROUP_PREFIX;
    return `${index === undefined ? impalaGroup : `${prefix}${String(index).padStart(3, '0')}`}-${i}:27000`;
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

  /**
   * Runs a query. In a multi-set cluster the planner picks its set (its pool is the set's); a `pool` that names no set
   * throws planner.ts's RequestPoolError, as Impala fails the query at planning.
   */
  submit(o: SubmitOptions): SimQuery {
    const memMb = o.memMb ?? this.options.defaultQueryMemMb ?? 1024;
    const pool = this.options.sets ? routeQuery(this.sets, { memMb, pool: o.pool }) : (o.pool ?? this.groupSet);
    this.sync();
    this.seq += 1;
    // Shaped like Impala's query ids (two 64-bit hex halves), unique per simulator.
    const id = `${(0x5a17 * 0x10000 + this.seq).toString(16).padStart(16, '0')}:${this.seq.toString(16).padStart(16, '0')}`;
    const memBytes = Math.round(memMb * MB);
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

  /** A set's membership as last polled (default: the first set's). */
  memberGroups(groupSet: string = this.groupSet): MemberGroup[] {
    return (this.members.get(groupSet) ?? []).map((m) => ({ ...m }));
  }

  /** Why the last membership poll failed, naming the set when there are several; undefined when it did not. */
  membershipError(): string | undefined {
    const errors = [...this.membershipErrors].map(([set, e]) => (this.sets.length > 1 ? `group set ${set}: ${e}` : e));
    return errors.length > 0 ? errors.join('; ') : undefined;
  }

  /** Impala's name of a member group of a set (default: the first set). */
  impalaName(index: number, groupSet: string = this.groupSet): string {
    return impalaGroupName(groupSet, index);
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
        const results = await Promise.allSettled(this.sets.map((s) => s.membership.groups()));
        results.forEach((r, i) => {
          const set = this.sets[i].groupSet;
          if (r.status === 'fulfilled') {
            this.membershipErrors.delete(set);
            this.members.set(
              set,
              [...r.value].sort((a, b) => a.index - b.index),
            );
          } else {
            // The statestore keeps its last view when a subscriber misses updates; so does the simulator, per set.
            this.membershipErrors.set(set, (r.reason as Error).message);
          }
        });
        const modelGroups: ModelGroup[] = this.sets.flatMap((s) =>
          this.memberGroups(s.groupSet)
            .filter((g) => g.executors > 0 || g.healthy)
            .map((g) => ({
              name: this.impalaName(g.index, s.groupSet),
              executors: g.executors,
              healthy: g.healthy,
              quiescing: g.quiescing,
            })),
        );
        this.emit(this.model.setGroups(modelGroups, Math.max(this.now(), this.model.time())));
        this.schedule();
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

function resolveSets(options: ClusterOptions): SimGroupSet[] {
  const given: GroupSetOptions[] = options.sets ?? [
    {
      groupSet: options.groupSet ?? 'root.default',
      membership:
        options.membership ??
        (() => {
          throw new Error('a simulated cluster needs a membership, or sets each with their own');
        })(),
      executorsPerGroup: options.executorsPerGroup,
      queriesPerGroup: options.queriesPerGroup,
      executorMemoryMb: options.executorMemoryMb,
    },
  ];
  if (given.length === 0) throw new Error('sets must list at least one executor group set');
  const seen = new Set<string>();
  return given.map((s) => {
    if (seen.has(s.groupSet)) {
      // ClusterMembershipMgr::PopulateExpectedExecGroupSets' error.
      throw new Error(`Executor group set prefix specified multiple times: ${s.groupSet}`);
    }
    seen.add(s.groupSet);
    const executorMemoryMb = s.executorMemoryMb ?? 16384;
    return {
      groupSet: s.groupSet,
      membership: s.membership,
      executorsPerGroup: s.executorsPerGroup ?? 2,
      queriesPerGroup: s.queriesPerGroup ?? 12,
      executorMemoryMb,
      executorMemBytes: executorMemoryMb * MB,
      maxQueryMemMb: s.maxQueryMemMb,
      groupPrefix: s.groupPrefix ?? GROUP_PREFIX,
    };
  });
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

/** One set of a multi-set simulated cluster matching a (resolved) set spec. */
export function groupSetOptionsFor(
  spec: Pick<WarehouseSpec, 'groupSet' | 'executorsPerGroup' | 'queriesPerGroup' | 'executorMemoryMb'> & {
    maxQueryMemMb?: number;
    groupPrefix?: string;
  },
  membership: Membership,
): GroupSetOptions {
  return {
    groupSet: spec.groupSet,
    membership,
    executorsPerGroup: spec.executorsPerGroup,
    queriesPerGroup: spec.queriesPerGroup,
    executorMemoryMb: spec.executorMemoryMb,
    maxQueryMemMb: spec.maxQueryMemMb,
    groupPrefix: spec.groupPrefix,
  };
}
