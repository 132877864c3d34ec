// The two outside systems, each behind one small interface so that a simulated implementation can stand in
// (docs/design.md, "Shape of the code"). Implementations: in-process (src/activities/in-process.ts), Impala (src/activities/impala/),
// Kubernetes (src/activities/kubernetes/).
import type { GroupObservation, Load, WarehouseSpec } from '../policy/types';

export type LoadResult = { ok: true; load: Load } | { ok: false; reason: string };

export interface LoadReader {
  /** Never throws for a failed read: returns `{ ok: false, reason }` naming the coordinator URL and what was wrong. */
  read(spec: WarehouseSpec): Promise<LoadResult>;
}

/** A group as the cluster lists it; running queries come from Impala, not from here. */
export type ListedGroup = Omit<GroupObservation, 'runningQueries'>;

export interface GroupListing {
  /** The warehouse's groups (found by label), sorted by index. */
  groups: ListedGroup[];
  /**
   * Indexes whose group name is held by an object that is not this warehouse's (another warehouse's group, an
   * unlabelled StatefulSet): a new group must not take them. Sorted.
   */
  takenIndexes: number[];
}

/**
 * The executor template as the workflow keeps it (in its state, through continue-as-new): any worker creates groups
 * from it, also when the StatefulSet it was read from is gone. Plain JSON.
 */
export interface CapturedTemplate {
  /** What groups are cloned from, without server-set or group-specific fields; null where there is none (in-process). */
  manifest: Record<string, unknown> | null;
  /** Short content hash: the same for the template and for every group cloned from it. */
  revision: string;
  /** Where it was read, e.g. `StatefulSet impala-executor-000 in namespace impala` or `file /etc/…/executor.yaml`. */
  source: string;
  /** ISO 8601. */
  capturedAt: string;
}

/** Why a scale action happened, recorded as a Kubernetes Event on the group's StatefulSet (best effort). */
export interface ScaleEvent {
  reason: 'ScaledUp' | 'ScaledDown' | 'ScaleUpFailed' | 'Suspended' | 'Resumed';
  /** The decision's reason, e.g. `needsScaleUp is true as there are 3 queries queued.` */
  message: string;
}

export interface ExecutorGroups {
  list(spec: WarehouseSpec): Promise<GroupListing>;
  /**
   * Reads and validates the warehouse's executor template now. When the template StatefulSet is gone, a group of the
   * warehouse (an exact clone) stands in for it — unless `copyGroup` is false: a warehouse that already keeps a
   * template keeps it rather than copy a group that may run an older one.
   */
  captureTemplate(spec: WarehouseSpec, opts?: { copyGroup?: boolean }): Promise<CapturedTemplate>;
  /**
   * Idempotent: a group that already exists and is ours is success. Without a template (a workflow run started
   * before templates were kept in its state) the template is captured for this call. `event` says why, for an
   * implementation that records it (never failing or delaying the create for it); a create refused for good records
   * `ScaleUpFailed` instead.
   */
  create(spec: WarehouseSpec, index: number, template?: CapturedTemplate, event?: ScaleEvent): Promise<void>;
  /** Idempotent: a group already gone is success. `event`: as for create. */
  delete(spec: WarehouseSpec, index: number, event?: ScaleEvent): Promise<void>;
}
