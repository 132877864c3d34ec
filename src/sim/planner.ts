// Which executor group set a query runs on, as Impala's planner picks it (fe/src/main/java/org/apache/impala/service/
// Frontend.java): setupThresholdsForExecutorGroupSets keeps the sets a REQUEST_POOL names (a set whose prefix ends
// with it: `queue1` names `root.queue1`) and sorts them by <max_mem_limit (the pool's max_query_mem_limit),
// expectedTotalCores, prefix>; getTExecRequest then takes the first set whose max_mem_limit holds the query's per-host
// memory estimate, and with --skip_resource_checking_on_last_executor_group_set (true by default,
// be/src/util/backend-gflag-util.cc) the last set when none does. A REQUEST_POOL skips the checks: the first set it
// names wins ("query option REQUEST_POOL=… is set. Memory and cpu limit checking is skipped.").
//
// Where it differs: the simulator plans no CPU, so expectedTotalCores (executors × the pool's
// max-query-cpu-core-per-node-limit) becomes the group's executors, i.e. equal per-node core limits; and a pool
// without max_query_mem_limit (Impala: unbounded) is bounded by its executors' memory, which no query above it could
// be admitted to anyway.

/** One set as the planner sees it; a resolved set spec (src/policy/group-sets.ts) has these fields. */
export interface PlannedSet {
  groupSet: string;
  executorsPerGroup: number;
  executorMemoryMb: number;
  /** The set's pool's max_query_mem_limit, MB; absent = executorMemoryMb. */
  maxQueryMemMb?: number;
}

export interface PlannedQuery {
  /** Per-host memory estimate, MB. */
  memMb: number;
  /** REQUEST_POOL, when the client set it. */
  pool?: string;
}

/** Frontend.getTExecRequest's AnalysisException when a REQUEST_POOL names no set. */
export class RequestPoolError extends Error {}

export const maxQueryMemMbOf = (s: PlannedSet): number => s.maxQueryMemMb ?? s.executorMemoryMb;

/** The sets in the planner's order (Frontend.setupThresholdsForExecutorGroupSets' comparator). */
export function plannerOrder<S extends PlannedSet>(sets: readonly S[]): S[] {
  return [...sets].sort(
    (a, b) =>
      maxQueryMemMbOf(a) - maxQueryMemMbOf(b) ||
      a.executorsPerGroup - b.executorsPerGroup ||
      (a.groupSet < b.groupSet ? -1 : a.groupSet > b.groupSet ? 1 : 0),
  );
}

/** The groupSet the query runs on. Throws RequestPoolError, in Impala's words, for a pool that names no set. */
export function routeQuery(sets: readonly PlannedSet[], query: PlannedQuery): string {
  if (sets.length === 0) throw new Error('routeQuery: no executor group sets');
  const ordered = plannerOrder(sets);
  if (query.pool !== undefined && query.pool !== '') {
    const named = ordered.find((s) => s.groupSet.endsWith(query.pool!));
    if (!named) throw new RequestPoolError(`Request pool: ${query.pool} does not map to any known executor group set.`);
    return named.groupSet;
  }
  return (ordered.find((s) => query.memMb <= maxQueryMemMbOf(s)) ?? ordered[ordered.length - 1]).groupSet;
}
