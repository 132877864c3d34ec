// The workflow's one way to tell the worker process what a tick did, for the Prometheus metrics
// (src/observability/metrics.ts). A sink call leaves no trace in history, and the worker does not call sinks while it
// replays history, so a counter is incremented once per tick however often the workflow is replayed.
import { proxySinks, workflowInfo, type Sinks } from '@temporalio/workflow';
import { backoffSecondsLeft } from '../policy/backoff';
import type { Action, Decision, Observation, PolicyState, WarehouseSpec } from '../policy/types';

/** One tick, as the metrics need it: plain JSON (sink arguments are copied out of the workflow isolate). */
export interface TickReport {
  warehouse: string;
  /** A warehouse with groupSets reports each set's tick, labelled with the set; absent for a one-set warehouse. */
  groupSet?: string;
  namespace: string;
  tick: number;
  state: PolicyState['state'];
  current: number;
  target: number;
  /** null when the load was unknown this tick. */
  queued: number | null;
  running: number | null;
  loadUnknown: boolean;
  /** Executor groups this tick tried to add to scale up (not counting a resume). */
  scaleUps: number;
  /** Executor groups this tick tried to remove one at a time (scale-down, above max, failed scale-up rollback). */
  scaleDowns: number;
  /** 1 when this tick suspended the warehouse (removed every group). */
  suspends: number;
  /** 1 when this tick resumed a suspended warehouse. */
  resumes: number;
  /** 1 when this tick recorded a failed scale-up (a refused create, or groups not ready by scaleUpTimeoutSeconds). */
  scaleUpFailures: number;
  /** Seconds before the next scale-up may be tried (src/policy/backoff.ts); 0 when not backing off. */
  scaleUpBackoffSeconds: number;
  /** How late the tick started after its timer was due (workflow time); absent when a message woke it early. */
  latenessSeconds?: number;
  /** 1 while the pool's own limit holds the queue (no group is added for it); absent from earlier releases. */
  queueHeldByPoolLimit?: number;
  /** Queued queries Impala timed out, and queries it rejected, since the last tick (its total_* counters). */
  impalaTimedOut?: number;
  impalaRejected?: number;
  /** Seconds the observed group start-up plus one poll exceed the pool's queue timeout; 0 when they do not. */
  startupOverQueueTimeoutSeconds?: number;
  /** Each budget's use in its current period, percent (src/policy/budgets.ts); absent without budgets. */
  budgets?: { budget: string; usedPercent: number; reachedPercent: number }[];
  /** 1 while the warehouse's fleet grants less than it wants (src/policy/fleet.ts); absent without a fleet. */
  fleetWaiting?: number;
  /**
   * A steady tick's one log line (`Same decision as tick N (…)`, Warehouse.logDecision), which the worker logs from
   * this report as the workflow's logger would (src/worker.ts withSteadyLines): an idle tick makes one sink call,
   * not two. Absent when the tick logged its lines itself.
   */
  steadyLine?: string;
}

/** What a tick's report adds to what its state and decision say. */
export interface TickExtras {
  latenessMs?: number;
  fleetWaiting?: boolean;
  steadyLine?: string;
}

export interface AutoscalerSinks extends Sinks {
  metrics: { tick(report: TickReport): void };
}

const { metrics } = proxySinks<AutoscalerSinks>();

/**
 * Called once per tick by the warehouse workflow, after the tick is recorded — and after `afterActions`
 * (src/policy/backoff.ts), so that a create the Kubernetes API refused is counted as a failed scale-up.
 */
export function reportTick(
  spec: WarehouseSpec,
  state: PolicyState,
  observation: Observation,
  decision: Decision,
  { latenessMs, fleetWaiting, steadyLine }: TickExtras,
): void {
  // The worker drops non-replay sink calls during replay anyway; skipping them here also keeps a replay-only
  // worker (the determinism tests, which register no sinks) from logging "unregistered external sink".
  if (workflowInfo().unsafe.isReplaying) return;
  const report: TickReport = tickReport(spec, state, observation, decision);
  if (fleetWaiting !== undefined) report.fleetWaiting = fleetWaiting ? 1 : 0;
  if (latenessMs !== undefined) report.latenessSeconds = latenessMs / 1000;
  if (steadyLine !== undefined) report.steadyLine = steadyLine;
  metrics.tick(report);
}

export function tickReport(
  spec: WarehouseSpec,
  state: PolicyState,
  observation: Observation,
  decision: Decision,
): TickReport {
  const adds = decision.actions.filter((a) => a.type === 'add').length;
  const removes = decision.actions.filter((a): a is Extract<Action, { type: 'remove' }> => a.type === 'remove');
  // An operator's rule adds groups only to resume a suspended warehouse.
  const resumed = adds > 0 && (decision.rule === 'resume' || decision.rule === 'operator');
  const known = observation.kind === 'known';
  return {
    warehouse: spec.name,
    ...(spec.groupPrefix ? { groupSet: spec.groupSet } : {}),
    namespace: spec.namespace,
    tick: state.tick,
    state: state.state,
    current: state.current,
    target: state.target,
    queued: known ? observation.load.queued : null,
    running: known ? observation.load.running : null,
    loadUnknown: !known,
    scaleUps: resumed ? 0 : adds,
    scaleDowns: removes.filter((a) => a.why !== 'suspend').length,
    suspends: removes.some((a) => a.why === 'suspend') ? 1 : 0,
    resumes: resumed ? 1 : 0,
    scaleUpFailures: state.lastScaleUpFailure?.tick === state.tick ? 1 : 0,
    scaleUpBackoffSeconds: backoffSecondsLeft(spec, state),
    queueHeldByPoolLimit: state.queueHeld ? 1 : 0,
    impalaTimedOut: state.impalaCounts?.timedOut ?? 0,
    impalaRejected: state.impalaCounts?.rejected ?? 0,
    startupOverQueueTimeoutSeconds: state.queueTimeoutShort
      ? state.queueTimeoutShort.startupSeconds + spec.pollIntervalSeconds - state.queueTimeoutShort.timeoutSeconds
      : 0,
    ...(state.budget
      ? {
          budgets: state.budget.periods.map((p) => ({
            budget: p.period.replace(/^budget per /, ''),
            usedPercent: (p.usedSeconds / p.limitSeconds) * 100,
            reachedPercent: p.reached,
          })),
        }
      : {}),
  };
}
