// What an idle tick writes to a workflow's history, read from the histories themselves: the events between the first
// and the last timer fired in the measuring window, per timer fired, by event type. Counting from the history (not
// from the worker's tick counter against describe() lengths taken seconds before and after the window) leaves no
// window skew, and the types say what any event beyond the bare loop's six is: a workflow task that timed out or
// failed, a search-attribute upsert, an activity.
import type { Client } from '@temporalio/client';

/** An idle tick of the bare loop: the timer fires, a workflow task runs the local activity and starts the next timer. */
export const BARE_TICK = [
  'timerFired',
  'workflowTaskScheduled',
  'workflowTaskStarted',
  'workflowTaskCompleted',
  'markerRecorded',
  'timerStarted',
];

export interface IdleTickEvents {
  /** Events per tick over the sampled workflows that ran no activity in the window. */
  perTick: number;
  ticks: number;
  workflows: number;
  /** Event types beyond BARE_TICK's one each per tick, per tick (e.g. workflowTaskTimedOut 0.04). */
  extra: Record<string, number>;
  /**
   * Over every sampled workflow, idle or not: the workflow tasks that waited longest from scheduled to started in the
   * window, and the event that caused each (a timer fired, an activity completed, a signal), to say which tasks a
   * workflow-task schedule-to-start p99 is made of.
   */
  slowestTasks: { cause: string; waitSeconds: number; sticky: boolean }[];
}

export type HistoryEvent = { eventTime?: { seconds?: unknown; nanos?: number | null } | null } & Record<
  string,
  unknown
>;

export const typeOf = (e: HistoryEvent): string =>
  Object.keys(e)
    .find((k) => k.endsWith('EventAttributes') && e[k])
    ?.replace(/EventAttributes$/, '') ?? 'unknown';

export const timeMs = (e: HistoryEvent): number =>
  Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);

export async function idleTickEvents(
  client: Client,
  workflowIds: string[],
  window: { fromMs: number; toMs: number },
): Promise<IdleTickEvents> {
  const counts: Record<string, number> = {};
  let ticks = 0;
  let workflows = 0;
  const waits: IdleTickEvents['slowestTasks'] = [];
  for (const id of workflowIds) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    const events = (history.events ?? []) as HistoryEvent[];
    const inWindow = events.filter((e) => timeMs(e) >= window.fromMs && timeMs(e) <= window.toMs);
    inWindow.forEach((e, i) => {
      if (typeOf(e) !== 'workflowTaskStarted') return;
      let scheduledAt = i - 1;
      while (scheduledAt >= 0 && typeOf(inWindow[scheduledAt]) !== 'workflowTaskScheduled') scheduledAt -= 1;
      if (scheduledAt < 0) return;
      const scheduled = inWindow[scheduledAt];
      const queue = (scheduled.workflowTaskScheduledEventAttributes as { taskQueue?: { kind?: unknown } } | undefined)
        ?.taskQueue?.kind;
      waits.push({
        cause: scheduledAt > 0 ? typeOf(inWindow[scheduledAt - 1]) : 'before the window',
        waitSeconds: (timeMs(e) - timeMs(scheduled)) / 1000,
        sticky: queue === 2 || queue === 'TASK_QUEUE_KIND_STICKY',
      });
    });
    const fired = inWindow.map((e, i) => (typeOf(e) === 'timerFired' ? i : -1)).filter((i) => i >= 0);
    // From one timer fired up to (not including) the last: whole ticks only. A run that continued as new, or acted
    // (an activity), in the window is not idle.
    if (fired.length < 2) continue;
    const span = inWindow.slice(fired[0], fired[fired.length - 1]).map(typeOf);
    if (span.some((t) => t.startsWith('activityTask') || t === 'workflowExecutionContinuedAsNew')) continue;
    for (const t of span) counts[t] = (counts[t] ?? 0) + 1;
    ticks += fired.length - 1;
    workflows += 1;
  }
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const extra: Record<string, number> = {};
  for (const [t, n] of Object.entries(counts)) {
    const beyond = n - (BARE_TICK.includes(t) ? ticks : 0);
    if (beyond !== 0) extra[t] = Math.round((beyond / Math.max(1, ticks)) * 1000) / 1000;
  }
  const slowestTasks = waits.sort((a, b) => b.waitSeconds - a.waitSeconds).slice(0, 5);
  return { perTick: ticks ? total / ticks : 0, ticks, workflows, extra, slowestTasks };
}
