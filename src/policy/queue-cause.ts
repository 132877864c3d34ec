// Why Impala queues the pool's head query, read from head_queued_reason (admission-controller.cc PoolToJsonLocked:
// the head's "Latest admission queue reason"), and what that means for scaling: a queue that more executors would
// admit is `capacity`; one held by the pool's own limits (or a user's or group's quota) is `pool-limit`, which no
// number of groups admits sooner. The patterns are the fixed parts of Impala's format strings, matched from the start
// (a reason may end with GetStalenessDetailLocked's " Warning: admission control information from statestore is
// stale: …").
import type { Load, QueueCause } from './types';

interface Rule {
  /** The constant's name in be/src/scheduling/admission-controller.cc. */
  name: string;
  cause: QueueCause;
  pattern: RegExp;
}

const RULES: Rule[] = [
  // CanAdmitRequest → HasAvailableMemResources, per host: another group, or an idle one, admits it.
  { name: 'HOST_MEM_NOT_AVAILABLE', cause: 'capacity', pattern: /^Not enough memory available on host \S+\. Needed / },
  // CanAdmitRequest → HasAvailableSlots.
  {
    name: 'HOST_SLOT_NOT_AVAILABLE',
    cause: 'capacity',
    pattern:
      /^Not enough admission control slots available on host \S+\. Needed \d+ slots but \d+\/\d+ are already in use\./,
  },
  // ComputeGroupScheduleStates: no healthy executor group (a suspended warehouse, groups still starting).
  { name: 'REASON_NO_EXECUTOR_GROUPS', cause: 'capacity', pattern: /^Waiting for executors to start\. / },
  // The head was queued behind queries since admitted, and its reason is refreshed at the next dequeue attempt
  // (TryDequeue → LogDequeueFailed): nothing says a limit holds it, so it counts as capacity, as before.
  {
    name: 'QUEUED_QUEUE_NOT_EMPTY',
    cause: 'capacity',
    pattern: /^queue is not empty \(size \d+\); queued queries are executed first\./,
  },
  // CanAdmitRequest, and GetMaxToDequeue: the pool's max_requests.
  {
    name: 'QUEUED_NUM_RUNNING',
    cause: 'pool-limit',
    pattern: /^number of running queries \d+ is at or over limit \d+\./,
  },
  // HasAvailableMemResources, case 1: the pool's max_mem_resources.
  {
    name: 'POOL_MEM_NOT_AVAILABLE',
    cause: 'pool-limit',
    pattern: /^Not enough aggregate memory available in pool \S+ with max mem resources /,
  },
  // HasSufficientUserQuota / HasSufficientGroupQuota: a user's or a group's own limit in the pool.
  {
    name: 'USER_QUOTA_EXCEEDED',
    cause: 'pool-limit',
    pattern: /^current per-user load \d+ for user '.*' is at or above the user limit \d+ in pool /,
  },
  {
    name: 'USER_WILDCARD_QUOTA_EXCEEDED',
    cause: 'pool-limit',
    pattern: /^current per-user load \d+ for user '.*' is at or above the wildcard limit \d+ in pool /,
  },
  // ComputeGroupScheduleStates: the query's coordinator has not registered with the statestore yet (it restarted). No
  // executor and no pool limit is the matter; it stays unknown, and so is treated as capacity.
  {
    name: 'REASON_COORDINATOR_NOT_FOUND',
    cause: 'unknown',
    pattern: /^Coordinator not registered with the statestore\./,
  },
  {
    name: 'GROUP_QUOTA_EXCEEDED',
    cause: 'pool-limit',
    pattern: /^current per-group load \d+ for user '.*' in group '.*' is at or above the group limit \d+ in pool /,
  },
];

export interface Classified {
  cause: QueueCause;
  /** Impala's constant the text matched; undefined when the wording is not recognised. */
  rule?: string;
}

export function classifyReason(reason: string): Classified {
  for (const r of RULES) if (r.pattern.test(reason)) return { cause: r.cause, rule: r.name };
  return { cause: 'unknown' };
}

/**
 * The pool's cause from each coordinator's head (queues are per coordinator): capacity when any head is one that more
 * executors would admit — adding them helps someone — else unknown when any head's wording is not recognised, else
 * pool-limit. The reason returned is the one that decided.
 */
export function poolQueueCause(reasons: string[]): { cause: QueueCause; reason: string } | undefined {
  const classified = reasons.map((reason) => ({ reason, ...classifyReason(reason) }));
  return (
    classified.find((c) => c.cause === 'capacity') ??
    classified.find((c) => c.cause === 'unknown') ??
    classified.find((c) => c.cause === 'pool-limit')
  );
}

/** The warning an `unknown` head_queued_reason gets (it is then treated as capacity). */
export function unknownReasonWarning(pool: string, reason: string): string {
  return `pool ${pool}: head_queued_reason does not say whether more executors would admit the queue; treated as capacity: ${JSON.stringify(reason)}`;
}

/** Words for `probe` and `warehouse status`. */
export function causeInWords(cause: QueueCause): string {
  switch (cause) {
    case 'capacity':
      return 'the queue waits for capacity: more executor groups would admit it';
    case 'pool-limit':
      return "the queue is held by the pool's own limit: more executor groups would not admit it";
    case 'unknown':
      return 'why the queue waits is not recognised: treated as waiting for capacity';
  }
}

/** Whether this tick's queue is held by a limit that no number of groups lifts. */
export function heldByPoolLimit(load: Pick<Load, 'queued' | 'queueCause'>): boolean {
  return load.queued > 0 && load.queueCause === 'pool-limit';
}
