// The autoscaler's own Prometheus metrics, fed by the workflow's per-tick sink (src/workflows/sinks.ts). One
// prom-client registry holds these and the Temporal SDK's metrics (sdk-metrics.ts); http.ts serves it on one port.
// Labels are warehouse and group set names only: nothing here can carry a URL, a user or a secret. A warehouse with
// groupSets reports each set as its own series (label group_set); a one-set warehouse's series carry the warehouse only.
import type { InjectedSinks } from '@temporalio/worker';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AutoscalerSinks, TickReport } from '../workflows/sinks';

const LABELS = ['warehouse', 'group_set'] as const;
type Labels = (typeof LABELS)[number];

export class AutoscalerMetrics {
  readonly registry: Registry;
  private readonly scaleUp: Counter<Labels>;
  private readonly scaleDown: Counter<Labels>;
  private readonly suspend: Counter<Labels>;
  private readonly resume: Counter<Labels>;
  private readonly loadReadFailures: Counter<Labels>;
  private readonly scaleUpFailures: Counter<Labels>;
  private readonly scaleUpBackoff: Gauge<Labels>;
  private readonly groups: Gauge<Labels>;
  private readonly target: Gauge<Labels>;
  private readonly queued: Gauge<Labels>;
  private readonly running: Gauge<Labels>;
  private readonly lastTick: Gauge<Labels>;
  private readonly lateness: Histogram;
  private readonly queueHeld: Gauge<Labels>;
  private readonly impalaTimedOut: Counter<Labels>;
  private readonly impalaRejected: Counter<Labels>;
  private readonly startupOverTimeout: Gauge<Labels>;
  private readonly budgetUsed: Gauge<'warehouse' | 'budget'>;
  private readonly budgetReached: Gauge<'warehouse' | 'budget'>;
  private readonly fleetWaiting: Gauge<'warehouse'>;

  constructor(registry = new Registry()) {
    this.registry = registry;
    const counter = (name: string, help: string) =>
      new Counter({ name, help, labelNames: LABELS, registers: [registry] });
    const gauge = (name: string, help: string) => new Gauge({ name, help, labelNames: LABELS, registers: [registry] });
    this.scaleUp = counter(
      'impala_autoscaler_scale_up_calls_total',
      'Executor groups the autoscaler asked to add to scale up (resumes not counted)',
    );
    this.scaleDown = counter(
      'impala_autoscaler_scale_down_calls_total',
      'Executor groups the autoscaler asked to remove one at a time (scale-down, above max, failed scale-up rollback)',
    );
    this.suspend = counter(
      'impala_autoscaler_suspend_calls_total',
      'Times a warehouse was suspended (every executor group removed)',
    );
    this.resume = counter('impala_autoscaler_resume_calls_total', 'Times a suspended warehouse was resumed');
    this.loadReadFailures = counter(
      'impala_autoscaler_load_read_failures_total',
      'Ticks whose load reading failed (load unknown: the tick changed nothing)',
    );
    this.scaleUpFailures = counter(
      'impala_autoscaler_scale_up_failures_total',
      'Failed scale-ups: creates the Kubernetes API refused (e.g. exceeded quota) and groups not ready by scaleUpTimeoutSeconds (the reason is in the decision log and warehouse status)',
    );
    this.scaleUpBackoff = gauge(
      'impala_autoscaler_scale_up_backoff_seconds',
      'Seconds before the next scale-up may be tried after failed ones (0: not backing off)',
    );
    this.groups = gauge('impala_autoscaler_executor_groups', 'Executor groups ready at the last tick');
    this.target = gauge('impala_autoscaler_target_executor_groups', 'Executor groups wanted (ready + being created)');
    this.queued = gauge(
      'impala_autoscaler_queries_queued',
      "Queries queued in the warehouse's group set at the last known reading",
    );
    this.running = gauge(
      'impala_autoscaler_queries_running',
      "Queries running in the warehouse's group set at the last known reading",
    );
    this.lastTick = gauge(
      'impala_autoscaler_last_tick_timestamp_seconds',
      'When the warehouse last completed a tick (worker clock)',
    );
    // One series for the worker, not one per warehouse: a fleet of thousands would otherwise cost a histogram each.
    this.lateness = new Histogram({
      name: 'impala_autoscaler_tick_lateness_seconds',
      help: "How late warehouse ticks start after their poll interval is up (workflow time): the worker's and the server's backlog. Rising p99: add a worker",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120],
      registers: [registry],
    });
    this.queueHeld = gauge(
      'impala_autoscaler_queue_held_by_pool_limit',
      "1 while the pool's own limit (max_requests, max_mem_resources, a user or group quota) holds the queue: no executor group is added for it",
    );
    this.fleetWaiting = gauge(
      'impala_autoscaler_fleet_waiting',
      "1 while the warehouse's fleet grants fewer executor groups than it wants (its capacity limit is reached, or kept for warehouses of higher priority)",
    );
    this.impalaTimedOut = counter(
      'impala_autoscaler_impala_queries_timed_out_total',
      "Queued queries Impala timed out in the warehouse's pool (its total_timed_out, summed over coordinators)",
    );
    this.impalaRejected = counter(
      'impala_autoscaler_impala_queries_rejected_total',
      "Queries Impala rejected in the warehouse's pool (its total_rejected, summed over coordinators)",
    );
    this.startupOverTimeout = gauge(
      'impala_autoscaler_startup_over_queue_timeout_seconds',
      "How much longer the observed executor-group start-up plus one poll is than the pool's queue timeout (0: within it); raise the pool's queue timeout above it",
    );
    const budgetGauge = (name: string, help: string) =>
      new Gauge({ name, help, labelNames: ['warehouse', 'budget'] as const, registers: [registry] });
    this.budgetUsed = budgetGauge(
      'impala_autoscaler_budget_used_percent',
      "Executor-hours used in the budget's current period, percent of the budget (budget: day, month or the period in seconds)",
    );
    this.budgetReached = budgetGauge(
      'impala_autoscaler_budget_threshold_reached_percent',
      'The highest threshold of the budget reached in its current period, percent (0: none); its action is in the decision log',
    );
  }

  /** One tick of one warehouse. Gauges keep their last known load when a reading fails. */
  tick(r: TickReport): void {
    const l = r.groupSet ? { warehouse: r.warehouse, group_set: r.groupSet } : { warehouse: r.warehouse };
    if (r.latenessSeconds !== undefined) this.lateness.observe(r.latenessSeconds);
    if (r.scaleUps) this.scaleUp.inc(l, r.scaleUps);
    if (r.scaleDowns) this.scaleDown.inc(l, r.scaleDowns);
    if (r.suspends) this.suspend.inc(l, r.suspends);
    if (r.resumes) this.resume.inc(l, r.resumes);
    if (r.loadUnknown) this.loadReadFailures.inc(l);
    if (r.scaleUpFailures) this.scaleUpFailures.inc(l, r.scaleUpFailures);
    if (r.impalaTimedOut) this.impalaTimedOut.inc(l, r.impalaTimedOut);
    if (r.impalaRejected) this.impalaRejected.inc(l, r.impalaRejected);
    // Counters appear with 0 from a warehouse's first tick, so that rate() and alerts see the series at once.
    for (const c of [
      this.scaleUp,
      this.scaleDown,
      this.suspend,
      this.resume,
      this.loadReadFailures,
      this.scaleUpFailures,
      this.impalaTimedOut,
      this.impalaRejected,
    ])
      c.inc(l, 0);
    this.queueHeld.set(l, r.queueHeldByPoolLimit ?? 0);
    this.startupOverTimeout.set(l, r.startupOverQueueTimeoutSeconds ?? 0);
    // Only for a warehouse of a fleet: the others export no such series.
    if (r.fleetWaiting !== undefined) this.fleetWaiting.set(l, r.fleetWaiting);
    this.scaleUpBackoff.set(l, r.scaleUpBackoffSeconds);
    this.groups.set(l, r.current);
    this.target.set(l, r.target);
    for (const b of r.budgets ?? []) {
      this.budgetUsed.set({ ...l, budget: b.budget }, b.usedPercent);
      this.budgetReached.set({ ...l, budget: b.budget }, b.reachedPercent);
    }
    if (r.queued !== null) this.queued.set(l, r.queued);
    if (r.running !== null) this.running.set(l, r.running);
    this.lastTick.set(l, Date.now() / 1000);
  }

  /** The worker's sink implementation (`createWarehouseWorker({ sinks })`); not called on replay. */
  sinks(onTick?: (r: TickReport) => void): InjectedSinks<AutoscalerSinks> {
    return {
      metrics: {
        tick: {
          fn: (_info, report) => {
            this.tick(report);
            onTick?.(report);
          },
          callDuringReplay: false,
        },
      },
    };
  }
}
