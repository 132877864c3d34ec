// The two outside systems, each behind one small interface so that a simulated implementation can stand in
// (DESIGN.md §3). Implementations: in-process (src/activities/in-process.ts), Impala (src/activities/impala/),
// Kubernetes (src/activities/kubernetes/).
import type { GroupObservation, Load, WarehouseSpec } from '../policy/types';

export type LoadResult = { ok: true; load: Load } | { ok: false; reason: string };

export interface LoadReader {
  /** Never throws for a failed read: returns `{ ok: false, reason }` naming the coordinator URL and what was wrong. */
  read(spec: WarehouseSpec): Promise<LoadResult>;
}

/** A group as the cluster lists it; running queries come from Impala, not from here. */
export type ListedGroup = Omit<GroupObservation, 'runningQueries'>;

export interface ExecutorGroups {
  /** The warehouse's groups (found by label), sorted by index. */
  list(spec: WarehouseSpec): Promise<ListedGroup[]>;
  /** Idempotent: a group that already exists and is ours is success. */
  create(spec: WarehouseSpec, index: number): Promise<void>;
  /** Idempotent: a group already gone is success. */
  delete(spec: WarehouseSpec, index: number): Promise<void>;
}
