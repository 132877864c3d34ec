// The coordinator's debug pages rendered from the simulated cluster, in the shapes Impala writes them
// (impala-http-handler.cc AdmissionStateHandler / BackendsHandler, admission-controller.cc PoolStats::ToJson,
// metrics.cc MetricGroup::ToJson) — the reader must not be able to tell the difference on the fields it reads.
// Cluster-wide values (agg_*, membership) are the same on every coordinator; local ones (own queue, running
// queries, num-queries-executing) are the queries submitted through this coordinator.
import { formatBytes } from '../activities/impala/pretty-bytes';
import type { ModelQuery } from './admission-model';
import type { ClusterSimulator } from './cluster';

export interface CoordinatorIdentity {
  name: string;
  /** Added to the statestore view's age in statestore_admission_control_time_since_last_update_ms. */
  stalenessMs: number;
  /**
   * The admission service (admissiond, be/src/scheduling/admissiond-main.cc): every coordinator's queries are
   * admitted there (impalads started with --admission_service_host), so its pages hold every queue and every running
   * query, and the coordinators serve no /admission (ImpalaHttpHandler::RegisterHandlers).
   */
  admissionService?: boolean;
}

/** The queries whose admission state lives in this process: its own since it (re)started, or all on admissiond. */
function held(cluster: ClusterSimulator, me: CoordinatorIdentity): ModelQuery[] {
  if (me.admissionService) return cluster.model.queries();
  const since = cluster.startedAt.get(me.name) ?? 0;
  return cluster.model.queries().filter((q) => q.coordinator === me.name && q.submittedAt >= since);
}

function queryInfo(q: ModelQuery) {
  return {
    query_id: q.id,
    mem_limit: q.memBytes,
    mem_limit_to_admit: q.memBytes,
    coord_mem_limit: 0,
    coord_mem_to_admit: 0,
    num_backends: 0,
  };
}

/** PoolStats::ToJson's agg_* values: the statestore's view (cluster.ts aggStats), zero before its first update. */
function aggOf(cluster: ClusterSimulator, pool: string) {
  const p = cluster.aggStats(pool);
  return {
    running: p?.running ?? 0,
    queued: p?.queued ?? 0,
    memReserved: Math.round((p?.memReservedBytes ?? 0) * cluster.memReservedFraction()),
  };
}

export function admissionPage(cluster: ClusterSimulator, me: CoordinatorIdentity) {
  const mine = held(cluster, me);
  const mineIds = new Set(mine.map((q) => q.id));
  const executors = new Map(cluster.model.groups().map((g) => [g.name, g.executors]));
  const pools = cluster.model
    .pools()
    .filter((p) => mine.some((q) => q.pool === p.pool))
    .map((p) => {
      const queued = p.queue.filter((id) => mineIds.has(id)).map((id) => cluster.model.query(id)!);
      const ofPool = mine.filter((q) => q.pool === p.pool);
      const running = ofPool.filter((q) => q.state === 'running');
      const agg = aggOf(cluster, p.pool);
      const json: Record<string, unknown> = {
        pool_name: p.pool,
        agg_num_running: agg.running,
        agg_num_queued: agg.queued,
        agg_mem_reserved: agg.memReserved,
        local_mem_admitted: running.reduce((s, q) => s + q.memBytes * (executors.get(q.group!) ?? 0), 0),
        agg_current_users: '0',
        local_current_users: '0',
        // Metrics of this process (PoolMetrics), since it started: each coordinator counts its own queries.
        total_admitted: ofPool.filter((q) => q.admittedAt !== undefined).length,
        total_rejected: ofPool.filter((q) => q.state === 'rejected' && !q.timedOut).length,
        total_timed_out: ofPool.filter((q) => q.timedOut).length,
        pool_max_mem_resources: p.limits.maxMemBytes,
        pool_max_requests: p.limits.maxRequests,
        pool_max_queued: p.limits.maxQueued,
        // GetQueueTimeoutForPoolMs; the simulator's "no timeout" shows as 0.
        pool_queue_timeout: p.limits.queueTimeoutMs ?? 0,
        // The pool's max-query-mem-limit: a set's, which the planner routes by (planner.ts).
        max_query_mem_limit: cluster.model.executorsOf(p.pool).maxQueryMemBytes ?? 0,
        min_query_mem_limit: 0,
        clamp_mem_limit_query_option: true,
        max_query_cpu_core_per_node_limit: 0,
        max_query_cpu_core_coordinator_limit: 0,
        wait_time_ms_ema: p.waitTimeMsEma,
        peak_mem_usage_histogram: Array.from({ length: 10 }, (_, i) => [i, 0]),
        queued_queries: queued.map(queryInfo),
      };
      if (queued.length > 0) json.head_queued_reason = queued[0].reason ?? '';
      // AdmissionStateHandler adds running_queries only for pools with a running query on this coordinator.
      if (running.length > 0) json.running_queries = running.map(queryInfo);
      return json;
    });
  return {
    resource_pools_plain_json: JSON.stringify(pools),
    resource_pools: pools,
    statestore_admission_control_time_since_last_update_ms: me.stalenessMs + cluster.aggAgeMs(),
    get_all_pools: true,
  };
}

interface Metric {
  name: string;
  value: number;
  kind: 'GAUGE' | 'COUNTER';
  units: 'NONE' | 'UNIT';
  description: string;
  human_readable: string;
}

export interface MetricGroupPage {
  name: string;
  metrics: Metric[];
  child_groups?: MetricGroupPage[];
}

const metric = (
  name: string,
  value: number,
  kind: Metric['kind'],
  units: Metric['units'],
  description: string,
): Metric => ({
  name,
  value,
  kind,
  units,
  description,
  human_readable: String(value),
});

export function metricTree(cluster: ClusterSimulator, me: CoordinatorIdentity): MetricGroupPage {
  const groups = cluster.model.groups();
  const mine = held(cluster, me);
  const admission: Metric[] = [];
  for (const p of cluster.model.pools()) {
    if (!mine.some((q) => q.pool === p.pool)) continue;
    const agg = aggOf(cluster, p.pool);
    admission.push(
      metric(
        `admission-controller.agg-num-running.${p.pool}`,
        agg.running,
        'GAUGE',
        'NONE',
        `Resource Pool ${p.pool} Aggregate Num Running`,
      ),
      metric(
        `admission-controller.agg-num-queued.${p.pool}`,
        agg.queued,
        'GAUGE',
        'NONE',
        `Resource Pool ${p.pool} Aggregate Queue Size`,
      ),
      metric(
        `admission-controller.agg-mem-reserved.${p.pool}`,
        agg.memReserved,
        'GAUGE',
        'NONE',
        `Resource Pool ${p.pool} Aggregate Mem Reserved`,
      ),
      metric(
        `admission-controller.total-admitted.${p.pool}`,
        mine.filter((q) => q.pool === p.pool && q.admittedAt !== undefined).length,
        'COUNTER',
        'NONE',
        `Resource Pool ${p.pool} Total Admitted`,
      ),
    );
  }
  for (const g of groups) {
    const executing = mine.filter((q) => q.state === 'running' && q.group === g.name).length;
    admission.push(
      metric(
        `admission-controller.executor-group.num-queries-executing.${g.name}`,
        executing,
        'GAUGE',
        'UNIT',
        `Total number of queries admitted on this coordinator running on executor group: ${g.name}`,
      ),
    );
  }
  const withExecutors = groups.filter((g) => g.executors > 0);
  const healthy = groups.filter((g) => g.healthy);
  const backends = withExecutors.reduce((s, g) => s + g.executors, 0);
  // ClusterMembershipMgr::UpdateMetrics: per expected set, the groups whose name starts with its prefix.
  const perSet = cluster.sets.flatMap(({ groupSet: set }) => {
    const ofSet = groups.filter((g) => g.name.startsWith(set));
    const live = ofSet.filter((g) => g.executors > 0);
    return [
      metric(
        `cluster-membership.group-set.backends.total.${set}`,
        live.reduce((s, g) => s + g.executors, 0),
        'COUNTER',
        'NONE',
        `Total number of backends in the executor group set ${set} registered with the statestore`,
      ),
      metric(
        `cluster-membership.group-set.executor-groups.total.${set}`,
        live.length,
        'COUNTER',
        'NONE',
        `Total number of executor groups in the executor group set ${set} that have at least one executor`,
      ),
      metric(
        `cluster-membership.group-set.executor-groups.total-healthy.${set}`,
        ofSet.filter((g) => g.healthy).length,
        'COUNTER',
        'NONE',
        `Total number of executor groups in the executor group set ${set} that are in a healthy state`,
      ),
    ];
  });
  const membership = [
    metric(
      'cluster-membership.backends.total',
      backends + cluster.coordinators.length,
      'COUNTER',
      'NONE',
      'Total number of backends registered with the statestore',
    ),
    metric(
      'cluster-membership.executor-groups.total',
      withExecutors.length,
      'COUNTER',
      'NONE',
      'Total number of executor groups that have at least one executor',
    ),
    metric(
      'cluster-membership.executor-groups.total-healthy',
      healthy.length,
      'COUNTER',
      'NONE',
      'Total number of executor groups that are in a healthy state',
    ),
    ...perSet,
  ];
  return {
    name: 'impala-metrics',
    metrics: [],
    child_groups: [
      { name: 'admission-controller', metrics: admission, child_groups: [] },
      { name: 'cluster-membership', metrics: membership, child_groups: [] },
    ],
  };
}

/** `/metrics?json[&metric_group=NAME]`: a named group comes without its children, as in MetricGroup::TemplateCallback. */
export function metricsPage(cluster: ClusterSimulator, me: CoordinatorIdentity, group?: string) {
  const root = metricTree(cluster, me);
  if (group === undefined) return { metric_group: root };
  const found = root.child_groups!.find((g) => g.name === group);
  return found
    ? { metric_group: { name: found.name, metrics: found.metrics } }
    : { error: `Metric group ${group} not found` };
}

/** `/jsonmetrics`: the flat legacy form, name → value. */
export function jsonMetricsPage(cluster: ClusterSimulator, me: CoordinatorIdentity): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (g: MetricGroupPage): void => {
    for (const m of g.metrics) out[m.name] = m.value;
    for (const c of g.child_groups ?? []) walk(c);
  };
  walk(metricTree(cluster, me));
  return out;
}

export function backendsPage(cluster: ClusterSimulator) {
  const slots = cluster.queriesPerGroup;
  const limit = formatBytes(cluster.executorMemBytes);
  // Each executor reports its own set's admission slots and admit_mem_limit.
  const executorsOf = (group: string) => {
    const set = cluster.setOf(group);
    return set ? { slots: set.queriesPerGroup, limit: formatBytes(set.executorMemBytes) } : { slots, limit };
  };
  const backends: Record<string, unknown>[] = cluster.coordinators.map((name, i) => ({
    address: `${name}:27000`,
    krpc_address: `${name}:27010`,
    backend_id: `${(0xc0 + i).toString(16).padStart(16, '0')}:0000000000000000`,
    webserver_url: `http://${name}:25000`,
    is_coordinator: true,
    is_executor: false,
    is_quiescing: false,
    is_blacklisted: false,
    is_active: true,
    admit_mem_limit: limit,
    mem_reserved: '0',
    mem_admitted: '0',
    admission_slots: slots,
    num_admitted: 0,
    admission_slots_in_use: 0,
    executor_groups: '',
    process_start_time: '',
    version: 'impalad version 4.5.0-SIMULATED',
  }));
  let quiescing = 0;
  for (const g of cluster.model.groups()) {
    const running = g.running;
    const own = executorsOf(g.name);
    for (let i = 0; i < g.executors; i++) {
      const host = cluster.executorHost(g.name, i);
      if (g.quiescing) quiescing += 1;
      backends.push({
        address: host,
        krpc_address: host.replace(/:27000$/, ':27010'),
        backend_id: `${g.name}:${i}`,
        webserver_url: `http://${host.replace(/:27000$/, ':25000')}`,
        is_coordinator: false,
        is_executor: true,
        is_quiescing: g.quiescing,
        is_blacklisted: false,
        is_active: !g.quiescing,
        admit_mem_limit: own.limit,
        mem_reserved: formatBytes(g.memAdmittedBytes),
        mem_admitted: formatBytes(g.memAdmittedBytes),
        admission_slots: own.slots,
        num_admitted: running,
        admission_slots_in_use: running,
        executor_groups: g.name,
        process_start_time: '',
        version: 'impalad version 4.5.0-SIMULATED',
      });
    }
  }
  const page: Record<string, unknown> = {
    backends,
    num_active_backends: backends.filter((b) => b.is_active).length,
  };
  // BackendsHandler omits these when zero.
  if (quiescing > 0) page.num_quiescing_backends = quiescing;
  return page;
}
