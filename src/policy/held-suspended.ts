// A warehouse held suspended by a schedule's suspend window or a used-up budget (release-5 rules): every group that
// runs nothing is removed (drain-safe, as auto-suspend), one that runs queries once it is idle, and no queue, minimum
// or forecast adds a group until the hold ends. It then waits for a query, as after an auto-suspend.
import { isoMinute } from './schedules';
import type { Tick } from './tick';
import type { GroupObservation, Load } from './types';

export interface SuspendHold {
  /** What holds it, for the log: `schedule night`, `budget per day (…)`. */
  by: string;
  untilMs: number;
}

export function holdSuspended(t: Tick, load: Load, live: GroupObservation[], hold: SuspendHold): void {
  const { s, spec } = t;
  const until = isoMinute(hold.untilMs);
  s.counters = { up: 0, down: 0, suspend: 0, inScaleUp: 0 };
  const idle = live.filter((g) => !t.busy(g));
  if (idle.length > 0) {
    t.because(
      'suspend',
      `Suspending warehouse: ${spec.name} as ${hold.by} holds it suspended until ${until}; removing ${idle.length} executor groups.`,
    );
    t.remove(idle, 'suspend');
  }
  if (idle.length < live.length)
    t.say(
      `${live.length - idle.length} executor groups have running queries; ${hold.by} holds the warehouse suspended, removing them once idle.`,
    );
  if (live.length === 0)
    t.say(
      load.queued > 0
        ? `needsScaleUp is true as there are ${load.queued} queries queued, but ${hold.by} holds the warehouse suspended until ${until}; the warehouse stays suspended.`
        : `Warehouse is held suspended by ${hold.by} until ${until}: 0 executor groups, no queries queued.`,
    );
  if (spec.dryRun) return;
  s.state = idle.length === live.length ? 'Suspended' : 'ScalingDown';
  s.autoSuspended = true;
}
