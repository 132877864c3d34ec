// Our policy in the simulator: the very `decide()` the warehouse workflow runs, fed an observation built from the
// admission model exactly as the workflow's activities build it from Impala and Kubernetes, stamped with the simulated
// time as the workflow stamps it with workflow time (simulated time 0 is 1970-01-01 00:00 UTC, a Thursday).
import { scheduleView } from '../../config/schedules';
import { decide, initialState } from '../../policy/decide';
import { groupName, impalaGroupName } from '../../policy/names';
import { summarize } from '../../policy/mem-summary';
import { poolQueueCause } from '../../policy/queue-cause';
import type { GroupObservation, Load, Observation, PolicyState, WarehouseSpec } from '../../policy/types';
import type { Command, SimPolicy, SimView } from '../policy-port';

export function observationOf(view: SimView): Observation {
  const { spec } = view;
  const groups: GroupObservation[] = view.groups.map((g) => ({
    name: groupName(g.index, spec.groupPrefix),
    index: g.index,
    ready: g.ready,
    deleting: g.deleting,
    runningQueries: g.running,
  }));
  const runningByGroup: Record<string, number> = {};
  for (const g of view.groups) if (g.ready) runningByGroup[impalaGroupName(spec.groupSet, g.index)] = g.running;
  return {
    kind: 'known',
    load: {
      queued: view.queued,
      running: view.running,
      memReservedBytes: view.memReservedBytes,
      ...summaries(view),
      healthyGroups: view.groups.filter((g) => g.ready && !g.deleting).length,
      runningByGroup,
      warnings: [],
      ...admission(view),
    },
    groups,
    atMs: view.nowMs,
    ...(view.busySets ? { busySets: view.busySets } : {}),
    // As the observe activity reads them, at the simulated time: `simulate` shows what a schedule costs.
    ...(spec.schedules ? { schedule: scheduleView(spec.schedules, view.nowMs) } : {}),
  };
}

/** The queue cause, the pool's limits and Impala's counters as the reader takes them from /admission (combine.ts). */
function admission(view: SimView): Pick<Load, 'queueCause' | 'headQueuedReason' | 'poolLimits' | 'impalaTotals'> {
  const a = view.admission();
  const cause = view.queued > 0 && a.headQueuedReason ? poolQueueCause([a.headQueuedReason]) : undefined;
  return {
    ...(cause ? { queueCause: cause.cause, headQueuedReason: cause.reason } : {}),
    ...(a.limits
      ? {
          poolLimits: {
            maxRequests: a.limits.maxRequests,
            maxMemBytes: a.limits.maxMemBytes,
            queueTimeoutMs: a.limits.queueTimeoutMs ?? 0,
          },
        }
      : {}),
    impalaTotals: { timedOut: a.timedOut, rejected: a.rejected },
  };
}

/** The running and queued queries' memory as the Impala reader summarises it (src/activities/impala/combine.ts). */
function summaries(view: SimView): Pick<Load, 'queuedMem' | 'runningMem'> {
  const queuedMem = view.queued > 0 ? summarize(view.queuedMemBytes()) : undefined;
  const runningMem = view.running > 0 ? summarize(view.runningMemBytes()) : undefined;
  return { ...(queuedMem ? { queuedMem } : {}), ...(runningMem ? { runningMem } : {}) };
}

export class OursPolicy implements SimPolicy {
  readonly name: string;
  readonly tickMs: number;
  private state: PolicyState;
  /** The last decision's log lines (for debugging a what-if run). */
  lastReasons: string[] = [];

  /** `initial`: the state to start from, e.g. a run of an earlier release's rules (`rules: 'release-4'`). */
  constructor(
    private readonly spec: WarehouseSpec,
    initial: PolicyState = initialState(),
  ) {
    this.state = initial;
    this.name = `ours-${spec.mode}`;
    this.tickMs = spec.pollIntervalSeconds * 1000;
  }

  initialGroups(): number {
    return 0;
  }

  tick(view: SimView): Command {
    const d = decide(this.spec, this.state, observationOf(view));
    this.state = d.state;
    this.lastReasons = d.reasons;
    const cmd: Command = { add: [], remove: [] };
    for (const a of d.actions) (a.type === 'add' ? cmd.add : cmd.remove).push(a.index);
    const prewarm = d.actions.filter((a) => a.type === 'add' && a.why === 'prewarm').length;
    if (prewarm > 0) cmd.prewarm = prewarm;
    return cmd;
  }

  /** For tests and the workflow-state check: the policy state carried between ticks. */
  currentState(): PolicyState {
    return this.state;
  }
}
