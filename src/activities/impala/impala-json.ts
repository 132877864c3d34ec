// Schemas of the three coordinator pages the reader uses, field names exactly as Impala writes them
// (admission-controller.cc PoolStats::ToJson / PoolToJsonLocked, impala-http-handler.cc AdmissionStateHandler and
// BackendsHandler, metrics.cc MetricGroup::ToJson). Only the fields the autoscaler reads are checked; Impala adds
// others (histograms, users, versions) that are passed over, so a newer Impala with extra keys still parses.
import { z } from 'zod';
import { parseBytes } from './pretty-bytes';

const count = z.number().int().nonnegative();
/** Impala writes int64 gauges; some (wait_time_ms_ema, limits of -1) are doubles or negative. */
const number = z.number();

const queuedQuery = z.object({
  query_id: z.string(),
  /** Per-executor memory the query needs to be admitted, bytes. */
  mem_limit_to_admit: number,
});

export const poolSchema = z.object({
  pool_name: z.string(),
  agg_num_running: count,
  agg_num_queued: count,
  agg_mem_reserved: number,
  local_mem_admitted: number,
  pool_max_requests: number,
  pool_max_mem_resources: number,
  /** GetQueueTimeoutForPoolMs: the pool's queue_timeout_ms, else --queue_wait_timeout_ms. */
  pool_queue_timeout: number,
  /** This process's counters (PoolMetrics): each coordinator counts the queries it took. */
  total_rejected: count,
  /** Queued queries timed out (PoolStats::Dequeue(true)); not counted in total_rejected. */
  total_timed_out: count,
  wait_time_ms_ema: number,
  /** This coordinator's own queue (queues are per coordinator; agg_num_queued counts all of them). */
  queued_queries: z.array(queuedQuery),
  /** Absent when this coordinator has no running query in the pool. */
  running_queries: z.array(queuedQuery).optional(),
  /** Present only while this coordinator's queue is non-empty. */
  head_queued_reason: z.string().optional(),
});

export const admissionSchema = z.object({
  resource_pools: z.array(poolSchema),
  statestore_admission_control_time_since_last_update_ms: number,
});

export interface MetricGroupJson {
  name: string;
  metrics: { name: string; value?: unknown }[];
  child_groups?: MetricGroupJson[];
}

const metricGroupSchema: z.ZodType<MetricGroupJson> = z.object({
  name: z.string(),
  // Histograms and sets carry no `value`, only their own fields.
  metrics: z.array(z.object({ name: z.string(), value: z.unknown().optional() })),
  get child_groups() {
    return z.array(metricGroupSchema).optional();
  },
});

export const metricsSchema = z.object({ metric_group: metricGroupSchema });

const byteString = z.string().transform((text, ctx) => {
  try {
    return parseBytes(text);
  } catch (err) {
    ctx.issues.push({ code: 'custom', message: (err as Error).message, input: text });
    return z.NEVER;
  }
});

export const backendSchema = z.object({
  address: z.string(),
  is_coordinator: z.boolean(),
  is_executor: z.boolean(),
  is_quiescing: z.boolean(),
  is_blacklisted: z.boolean(),
  /** Group names joined with ", " ("" for a dedicated coordinator). */
  executor_groups: z.string(),
  admit_mem_limit: byteString,
  admission_slots: number,
  admission_slots_in_use: count,
});

export const backendsSchema = z.object({
  backends: z.array(backendSchema),
  num_active_backends: count,
});

export type AdmissionJson = z.infer<typeof admissionSchema>;
export type PoolJson = z.infer<typeof poolSchema>;
export type MetricsJson = z.infer<typeof metricsSchema>;
export type BackendsJson = z.infer<typeof backendsSchema>;
export type BackendJson = z.infer<typeof backendSchema>;

/** Zod's first few issues as `field.path: problem`, so a message says which field of which page was wrong. */
export function describeIssues(error: z.ZodError, limit = 3): string {
  const shown = error.issues
    .slice(0, limit)
    .map((i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`);
  const more = error.issues.length > limit ? ` (and ${error.issues.length - limit} more)` : '';
  return shown.join('; ') + more;
}

/** Every metric of the group and its children, flattened to name → value (what /jsonmetrics would give). */
export function flattenMetrics(group: MetricGroupJson, into: Map<string, unknown> = new Map()): Map<string, unknown> {
  for (const m of group.metrics) into.set(m.name, m.value);
  for (const child of group.child_groups ?? []) flattenMetrics(child, into);
  return into;
}

/** Impala's executor_groups value split back into names. */
export function splitExecutorGroups(joined: string): string[] {
  return joined
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
