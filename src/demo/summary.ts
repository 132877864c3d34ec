// What the demo shows at the end: queue waits, group-seconds and the decisions, read from the simulator's queries
// and the workflow's own history and decision log.
import type { temporal } from '@temporalio/proto';
import { waitStats, type WaitStats } from '../util/stats';
import type { WarehouseStatus } from '../workflows/messages';

export interface DemoSummary {
  mode: string;
  wallSeconds: number;
  queries: number;
  waitSeconds: WaitStats;
  groupSeconds: number;
  decisions: { at: string; actions: string[] }[];
  historyEvents: number;
  ticks: number;
  webUi: string;
}

export function summarize(
  mode: string,
  queries: { queueWaitMs: number; state: string }[],
  history: temporal.api.history.v1.IHistory,
  status: WarehouseStatus,
  wallMs: number,
  webUi: string,
): DemoSummary {
  const decisions = status.decisions.filter((d) => d.actions.length > 0).map((d) => ({ at: d.at, actions: d.actions }));
  return {
    mode,
    wallSeconds: Math.round(wallMs / 100) / 10,
    queries: queries.length,
    waitSeconds: waitStats(queries.map((q) => q.queueWaitMs / 1000)),
    groupSeconds: groupSeconds(status, wallMs),
    decisions,
    historyEvents: history.events?.length ?? 0,
    ticks: status.state.tick,
    webUi,
  };
}

/** Each group counts from its add (or the workflow's first tick, for adopted groups) to its removal. */
function groupSeconds(status: WarehouseStatus, wallMs: number): number {
  const first = status.decisions[0] ? Date.parse(status.decisions[0].at) : Date.now() - wallMs;
  const end = Date.parse(status.decisions[status.decisions.length - 1]?.at ?? new Date().toISOString());
  const since = new Map<string, number>();
  let total = 0;
  for (const d of status.decisions) {
    for (const c of d.changes ?? []) {
      if (c.outcome !== 'done') continue;
      if (c.op === 'add') since.set(c.group, Date.parse(d.at));
      else {
        total += Date.parse(d.at) - (since.get(c.group) ?? first);
        since.delete(c.group);
      }
    }
  }
  for (const t of since.values()) total += end - t;
  return Math.round(total / 1000);
}

export function formatSummary(s: DemoSummary): string[] {
  const f = (x: number) => x.toFixed(1);
  return [
    '',
    '── Summary ─────────────────────────────────────────────',
    `mode               ${s.mode}`,
    `queries            ${s.queries}`,
    `queue wait (s)     mean ${f(s.waitSeconds.mean)}  p50 ${f(s.waitSeconds.p50)}  p95 ${f(s.waitSeconds.p95)}  max ${f(s.waitSeconds.max)}`,
    `group-seconds      ${s.groupSeconds}`,
    `ticks              ${s.ticks}  (${s.historyEvents} history events)`,
    `scaling decisions  ${s.decisions.length}`,
    ...s.decisions.map((d) => `  ${d.at.slice(11, 19)}  ${d.actions.join(', ')}`),
    `Web UI             ${s.webUi}`,
    `wall time          ${s.wallSeconds}s`,
  ];
}
