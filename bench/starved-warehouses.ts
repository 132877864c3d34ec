// Why the warehouses that ticked least in bench:scale's window did: each one's history over the window, read from the
// server — its timers fired (ticks), its events by type (a workflow task that timed out on a busy worker's sticky
// queue and went back to the task queue shows as workflowTaskTimedOut), and where it stood at the window's end (a
// workflow task scheduled long before the end is a tick waiting for a worker).
import type { Client } from '@temporalio/client';
import { type HistoryEvent, timeMs, typeOf } from './idle-tick-events';

export interface StarvedWarehouse {
  workflowId: string;
  /** Timers fired in the window: the ticks the server saw. */
  timersFired: number;
  /** Every event in the window, by type. */
  events: Record<string, number>;
  /** The last event at or before the window's end, and how long before the end it was written. */
  last: { type: string; secondsBeforeEnd: number } | null;
}

export async function starvedWarehouses(
  client: Client,
  workflowIds: string[],
  window: { fromMs: number; toMs: number },
): Promise<StarvedWarehouse[]> {
  const out: StarvedWarehouse[] = [];
  for (const workflowId of workflowIds) {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const events = (history.events ?? []) as HistoryEvent[];
    const upToEnd = events.filter((e) => timeMs(e) <= window.toMs);
    const inWindow = upToEnd.filter((e) => timeMs(e) >= window.fromMs);
    const counts: Record<string, number> = {};
    for (const e of inWindow) counts[typeOf(e)] = (counts[typeOf(e)] ?? 0) + 1;
    const last = upToEnd.at(-1);
    out.push({
      workflowId,
      timersFired: counts.timerFired ?? 0,
      events: counts,
      last: last ? { type: typeOf(last), secondsBeforeEnd: (window.toMs - timeMs(last)) / 1000 } : null,
    });
  }
  return out;
}

/** One line per warehouse: `warehouse-0007: 1 tick; workflowTaskTimedOut 3, …; last workflowTaskScheduled 95.2 s before the end`. */
export function starvedText(s: StarvedWarehouse): string {
  const types = Object.entries(s.events)
    .sort((a, b) => b[1] - a[1])
    .map(([t, n]) => `${t} ${n}`)
    .join(', ');
  const last = s.last ? `; last ${s.last.type} ${s.last.secondsBeforeEnd.toFixed(1)} s before the end` : '';
  return `${s.workflowId}: ${s.timersFired} ticks; ${types || 'no events'}${last}`;
}
