// What a scaling policy sees and does in the what-if simulator. Every policy — ours (`decide()`) and each baseline —
// is a tick function over this view, so all of them run against the same admission model, clock and start-up time.
import type { WarehouseSpec } from '../policy/types';
import type { PoolLimits } from '../sim/admission-model';

export interface SimGroup {
  /** NNN of `impala-executor-NNN` / `<groupSet>-group-NNN`. */
  index: number;
  createdAtMs: number;
  readyAtMs: number;
  ready: boolean;
  /** Removed by the policy: admits nothing new, disappears when its running queries end. */
  deleting: boolean;
  running: number;
  /** Per-executor bytes admitted to its running queries. */
  memAdmittedBytes: number;
}

export interface SimView {
  nowMs: number;
  spec: WarehouseSpec;
  /** Groups that exist (being created, ready, or draining), by index. */
  groups: SimGroup[];
  queued: number;
  running: number;
  /** Cluster-wide bytes admitted to running queries (per-executor memory × executors). */
  memReservedBytes: number;
  /** Per-executor memory of each queued query, bytes, in queue order (computed on demand). */
  queuedMemBytes(): number[];
  /** Per-executor memory of each running query, bytes (computed on demand). */
  runningMemBytes(): number[];
  /** Mean run time of the last completed queries (what a query log shows), seconds; undefined before any ends. */
  recentMeanDurationS: number | undefined;
  /** What Impala's /admission says of the pool: the head's reason, its limits, its counters (computed on demand). */
  admission(): { headQueuedReason?: string; limits?: PoolLimits; timedOut: number; rejected: number };
  /** In a warehouse of several sets: the other sets busy now (Observation.busySets); absent for one set. */
  busySets?: string[];
}

export interface Command {
  /** Indices of groups to create (each ready `startup` seconds later). */
  add: number[];
  /** Indices of groups to remove (drain-safe: they finish what they run). */
  remove: number[];
  /** How many of `add` are ahead of a forecast load (pre-warming), for the results and the chart. */
  prewarm?: number;
}

export interface SimPolicy {
  readonly name: string;
  /** How often the policy's control loop runs. */
  readonly tickMs: number;
  /** Groups that exist and are ready when the trace starts (static provisioning); 0 for an autoscaler. */
  initialGroups(spec: WarehouseSpec): number;
  tick(view: SimView): Command;
}

export const NONE: Command = { add: [], remove: [] };

/** The `n` lowest indices not in use by any existing group (names are not reused while a group drains). */
export function freeIndices(groups: SimGroup[], n: number): number[] {
  const used = new Set(groups.map((g) => g.index));
  const out: number[] = [];
  for (let i = 0; out.length < n; i++) if (!used.has(i)) out.push(i);
  return out;
}

export function maxGroupsOf(spec: WarehouseSpec): number {
  return spec.nodes.max / spec.executorsPerGroup;
}

export function minGroupsOf(spec: WarehouseSpec): number {
  return spec.nodes.min / spec.executorsPerGroup;
}

export const MIB = 1024 * 1024;
