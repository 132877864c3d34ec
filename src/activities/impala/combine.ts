// From what each coordinator answered to one Load: pure, so every rule below is tested on fixtures without HTTP.
//
// Rules (docs/design.md, "What is read"):
// - agg_* values are the statestore's cluster-wide view of the pool, the same pool seen from every coordinator: taken
//   once, from the freshest coordinator (least statestore_admission_control_time_since_last_update_ms) among those that
//   list the pool — a coordinator lists only pools it has itself seen a query for, so a backup coordinator's
//   "absent" must not hide the primary's queue. No coordinator lists it: zero load.
// - Queues and num-queries-executing.<group> are each coordinator's own: concatenated / summed.
// - Membership (/backends, total-healthy) is the statestore's cluster-wide view: taken from the freshest coordinator.
// - Why the pool queues is read from each coordinator's head_queued_reason (its own queue's head): capacity when any
//   head waits for capacity (src/policy/queue-cause.ts). total_timed_out / total_rejected are each process's own
//   counters: summed.
// - The queued and running queries' per-executor memory (mem_limit_to_admit) goes into the Load as bounded summaries
//   (src/policy/mem-summary.ts): the Load is written to workflow history on every tick.
import { summarize } from '../../policy/mem-summary';
import { poolQueueCause, unknownReasonWarning } from '../../policy/queue-cause';
import type { ImpalaGroupHealth, ImpalaPoolLimits, Load, QueueCause } from '../../policy/types';
import {
  flattenMetrics,
  splitExecutorGroups,
  type AdmissionJson,
  type BackendsJson,
  type MetricsJson,
  type PoolJson,
} from './impala-json';

export interface CoordinatorReading {
  url: string;
  admission: AdmissionJson;
  metrics: MetricsJson;
  backends: BackendsJson;
}

export interface GroupView {
  /** Impala's name, `<groupSet>-group-NNN`. */
  name: string;
  /** Executors registered for the group (whatever their state). */
  executors: number;
  /** Executors neither quiescing nor blacklisted. */
  activeExecutors: number;
  blacklisted: number;
  healthy: boolean;
  quiescing: boolean;
  runningQueries: number;
  /** Per-executor admission limit (smallest over the group), bytes; undefined with no executor. */
  admitMemLimitBytes?: number;
}

export interface PoolView {
  poolMaxRequests: number;
  limits: ImpalaPoolLimits;
  waitTimeMsEma: number;
  headQueuedReasons: string[];
  /** Why the queue waits, from the heads' reasons (src/policy/queue-cause.ts); undefined with no queue read. */
  queueCause?: QueueCause;
  /** Summed over the coordinators: total_timed_out, total_rejected. */
  timedOut: number;
  rejected: number;
  /** Coordinator the agg_* values came from, and how stale they were. */
  aggFrom: string;
  stalenessMs: number;
}

export interface LoadView {
  load: Load;
  /** Groups of the group set, sorted by name. */
  groups: GroupView[];
  /** Per-executor memory of each queued query, bytes, in queue order (exact; the Load holds a summary). */
  queuedQueryMemBytes: number[];
  /** Undefined when no coordinator has seen the pool yet. */
  pool?: PoolView;
}

/** Impala's default --admission_control_stale_topic_threshold_ms: past it, Impala itself warns in queue reasons. */
export const STALE_WARNING_MS = 5000;

const HEALTHY_METRIC = 'cluster-membership.group-set.executor-groups.total-healthy.';
const EXECUTING_METRIC = 'admission-controller.executor-group.num-queries-executing.';

export function combine(
  readings: CoordinatorReading[],
  target: { groupSet: string; executorsPerGroup?: number },
  warnings: string[] = [],
): { ok: true; view: LoadView } | { ok: false; reason: string } {
  if (readings.length === 0) return { ok: false, reason: 'no coordinator answered' };
  const pool = target.groupSet;
  const byFreshness = [...readings].sort(
    (a, b) =>
      a.admission.statestore_admission_control_time_since_last_update_ms -
      b.admission.statestore_admission_control_time_since_last_update_ms,
  );
  const freshest = byFreshness[0];
  const withPool = byFreshness
    .map((r) => ({ r, p: r.admission.resource_pools.find((p) => p.pool_name === pool) }))
    .filter((x): x is { r: CoordinatorReading; p: PoolJson } => x.p !== undefined);

  const flat = readings.map((r) => ({ url: r.url, metrics: flattenMetrics(r.metrics.metric_group) }));
  const runningByGroup: Record<string, number> = {};
  for (const { url, metrics } of flat) {
    for (const [name, value] of metrics) {
      if (!name.startsWith(EXECUTING_METRIC)) continue;
      const group = name.slice(EXECUTING_METRIC.length);
      if (!group.startsWith(`${pool}-`)) continue;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        return {
          ok: false,
          reason: `${url}/metrics?json: metric ${name} is ${JSON.stringify(value)}, expected a non-negative integer`,
        };
      }
      runningByGroup[group] = (runningByGroup[group] ?? 0) + value;
    }
  }

  if (withPool.length === 0) {
    // No coordinator lists the pool, yet its groups execute queries: the admission state was lost (a coordinator
    // restarted), not an idle pool. Read as zero, it would advance the scale-down and suspend counters under load.
    const executing = Object.values(runningByGroup).reduce((a, b) => a + b, 0);
    if (executing > 0) {
      return {
        ok: false,
        reason: `pool ${pool} is missing from every coordinator's /admission?json, yet ${executing} queries execute on its executor groups (${EXECUTING_METRIC}<group>): its queue and running queries cannot be read`,
      };
    }
  }

  const groups = groupsFromBackends(freshest.backends, pool, target.executorsPerGroup, runningByGroup);
  for (const g of groups) runningByGroup[g.name] ??= 0;

  const healthyName = HEALTHY_METRIC + pool;
  const freshestMetrics = flat.find((f) => f.url === freshest.url)!.metrics;
  const healthyValue = freshestMetrics.get(healthyName);
  let healthyGroups: number;
  if (healthyValue === undefined) {
    // Impala creates group-set metrics only for configured --expected_executor_group_sets.
    healthyGroups = groups.filter((g) => g.healthy).length;
    warnings.push(
      `${freshest.url}/metrics?json has no ${healthyName} (group set not configured in Impala?); counted ${healthyGroups} healthy groups from /backends`,
    );
  } else if (typeof healthyValue !== 'number' || !Number.isInteger(healthyValue) || healthyValue < 0) {
    return {
      ok: false,
      reason: `${freshest.url}/metrics?json: metric ${healthyName} is ${JSON.stringify(healthyValue)}, expected a non-negative integer`,
    };
  } else healthyGroups = healthyValue;

  for (const g of groups) {
    if (g.blacklisted > 0) warnings.push(`group ${g.name}: ${g.blacklisted} executor(s) blacklisted by Impala`);
  }

  const ownPools = readings.flatMap((r) => r.admission.resource_pools.filter((x) => x.pool_name === pool));
  const queuedQueryMemBytes = ownPools.flatMap((p) => p.queued_queries.map((q) => q.mem_limit_to_admit));
  const runningQueryMemBytes = ownPools.flatMap((p) => (p.running_queries ?? []).map((q) => q.mem_limit_to_admit));

  let poolView: PoolView | undefined;
  let agg = { queued: 0, running: 0, mem: 0 };
  let poolFields: Pick<Load, 'queueCause' | 'headQueuedReason' | 'poolLimits' | 'impalaTotals'> = {};
  if (withPool.length > 0) {
    const { r, p } = withPool[0];
    agg = { queued: p.agg_num_queued, running: p.agg_num_running, mem: p.agg_mem_reserved };
    const stalenessMs = r.admission.statestore_admission_control_time_since_last_update_ms;
    if (stalenessMs > STALE_WARNING_MS) {
      warnings.push(
        `pool ${pool}: freshest admission state (${r.url}) is ${stalenessMs} ms old; statestore updates are late`,
      );
    }
    const headQueuedReasons = withPool.map((x) => x.p.head_queued_reason).filter((s): s is string => s !== undefined);
    const cause = agg.queued > 0 ? poolQueueCause(headQueuedReasons) : undefined;
    if (cause?.cause === 'unknown') warnings.push(unknownReasonWarning(pool, cause.reason));
    const limits: ImpalaPoolLimits = {
      maxRequests: p.pool_max_requests,
      maxMemBytes: p.pool_max_mem_resources,
      queueTimeoutMs: p.pool_queue_timeout,
    };
    const sum = (f: (x: PoolJson) => number) => ownPools.reduce((a, x) => a + f(x), 0);
    const totals = { timedOut: sum((x) => x.total_timed_out), rejected: sum((x) => x.total_rejected) };
    poolFields = {
      ...(cause ? { queueCause: cause.cause, headQueuedReason: cause.reason } : {}),
      poolLimits: limits,
      impalaTotals: totals,
    };
    poolView = {
      poolMaxRequests: p.pool_max_requests,
      limits,
      waitTimeMsEma: p.wait_time_ms_ema,
      headQueuedReasons,
      queueCause: cause?.cause,
      ...totals,
      aggFrom: r.url,
      stalenessMs,
    };
  }

  const queuedMem = summarize(queuedQueryMemBytes);
  const runningMem = summarize(runningQueryMemBytes);
  return {
    ok: true,
    view: {
      load: {
        queued: agg.queued,
        running: agg.running,
        memReservedBytes: agg.mem,
        ...(queuedMem ? { queuedMem } : {}),
        ...(runningMem ? { runningMem } : {}),
        impalaGroups: Object.fromEntries(groups.map((g) => [g.name, impalaHealth(g)])),
        healthyGroups,
        runningByGroup,
        warnings,
        ...poolFields,
      },
      groups,
      queuedQueryMemBytes,
      pool: poolView,
    },
  };
}

function impalaHealth(g: GroupView): ImpalaGroupHealth {
  return {
    executors: g.executors,
    active: g.activeExecutors,
    healthy: g.healthy,
    ...(g.blacklisted > 0 ? { blacklisted: g.blacklisted } : {}),
    ...(g.quiescing ? { quiescing: true as const } : {}),
  };
}

function groupsFromBackends(
  backends: BackendsJson,
  pool: string,
  executorsPerGroup: number | undefined,
  runningByGroup: Record<string, number>,
): GroupView[] {
  const byName = new Map<string, GroupView>();
  for (const b of backends.backends) {
    if (!b.is_executor) continue;
    for (const name of splitExecutorGroups(b.executor_groups)) {
      if (!name.startsWith(`${pool}-`)) continue;
      const g = byName.get(name) ?? {
        name,
        executors: 0,
        activeExecutors: 0,
        blacklisted: 0,
        healthy: false,
        quiescing: false,
        runningQueries: 0,
      };
      g.executors += 1;
      if (b.is_quiescing) g.quiescing = true;
      if (b.is_blacklisted) g.blacklisted += 1;
      if (!b.is_quiescing && !b.is_blacklisted) g.activeExecutors += 1;
      g.admitMemLimitBytes = Math.min(g.admitMemLimitBytes ?? Infinity, b.admit_mem_limit);
      byName.set(name, g);
    }
  }
  for (const g of byName.values()) {
    // Impala drops quiescing and blacklisted executors from their group; the group is healthy while the rest still
    // reach its configured size (unknown to /backends, so the spec's, else "everyone registered").
    const size = executorsPerGroup ?? g.executors;
    g.healthy = g.activeExecutors >= size && g.activeExecutors > 0;
    g.runningQueries = runningByGroup[g.name] ?? 0;
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
