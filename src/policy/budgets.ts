// Budgets (release-5 rules), as Snowflake's resource monitors: executor-hours per period (a UTC day or month, or a
// fixed length), counted in the workflow state from the executors that ran between ticks (every group listed,
// draining ones too, and those added), and actions at thresholds: notify (a decision line, a metric, the Web UI's
// details), block scale-up above the minimum, suspend (held until the period ends, held-suspended.ts). A period that
// ends starts the next at zero.
import { isoMinute } from './schedules';
import type { Tick } from './tick';
import type { BudgetAction, BudgetSpec, BudgetUse, GroupObservation, PolicyState, WarehouseSpec } from './types';

/** Used when a budget sets no thresholds: a warning, then no more groups, then none at all. */
export const DEFAULT_THRESHOLDS: BudgetSpec['thresholds'] = [
  { percent: 75, action: 'notify' },
  { percent: 90, action: 'block-scale-up' },
  { percent: 100, action: 'suspend' },
];

export function budgetLabel(period: BudgetSpec['period']): string {
  return typeof period === 'string' ? `budget per ${period}` : `budget per ${period.seconds}s`;
}

/** The period holding `atMs`: UTC calendar days and months, or fixed lengths from 1970-01-01 00:00 UTC. */
export function periodOf(period: BudgetSpec['period'], atMs: number): { startMs: number; endMs: number } {
  if (period === 'month') {
    const d = new Date(atMs);
    return {
      startMs: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1),
      endMs: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1),
    };
  }
  const lengthMs = period === 'day' ? 86400_000 : period.seconds * 1000;
  const startMs = Math.floor(atMs / lengthMs) * lengthMs;
  return { startMs, endMs: startMs + lengthMs };
}

/** What the budgets hold this tick: the strongest action reached, with the budget that reached it. */
export interface BudgetRules {
  block?: { by: string; untilMs: number };
  suspend?: { by: string; untilMs: number };
}

/**
 * Counts the executor-seconds since the last counted tick into each budget's period and says each threshold crossed
 * (with the tick's lines, `notes`). Undefined, and the count dropped, for a warehouse without budgets.
 */
export function countBudgets(
  spec: WarehouseSpec,
  s: PolicyState,
  atMs: number | undefined,
): { rules: BudgetRules; notes: string[] } | undefined {
  if (!spec.budgets?.length) {
    delete s.budget;
    return undefined;
  }
  if (atMs === undefined) return undefined;
  const prev = s.budget;
  const notes: string[] = [];
  const rules: BudgetRules = {};
  const periods = spec.budgets.map((b): BudgetUse['periods'][number] => {
    const label = budgetLabel(b.period);
    const { startMs, endMs } = periodOf(b.period, atMs);
    const was = prev?.periods.find((p) => p.period === label);
    const same = was?.startMs === startMs;
    if (was && !same)
      notes.push(
        `${capital(label)}: a new period began at ${isoMinute(startMs)} (${hours(was.usedSeconds)} of ${hours(was.limitSeconds)} executor-hours were used in the last).`,
      );
    const ranMs = prev ? Math.max(0, atMs - Math.max(prev.atMs, startMs)) : 0;
    const usedSeconds = (same ? was.usedSeconds : 0) + ((prev?.executors ?? 0) * ranMs) / 1000;
    const limitSeconds = b.executorHours * 3600;
    const percent = (usedSeconds / limitSeconds) * 100;
    const reachedBefore = same ? was.reached : 0;
    const crossed = b.thresholds.filter((th) => th.percent <= percent);
    const by = `${label} (${hours(usedSeconds)} of ${hours(limitSeconds)} executor-hours used, ${Math.floor(percent)}%)`;
    for (const th of crossed) {
      if (th.percent > reachedBefore)
        notes.push(
          `${capital(label)} has reached ${th.percent}% (${hours(usedSeconds)} of ${hours(limitSeconds)} executor-hours used since ${isoMinute(startMs)}): ${actionText(th.action, endMs)}.`,
        );
      if (th.action === 'suspend') rules.suspend ??= { by, untilMs: endMs };
      if (th.action === 'block-scale-up') rules.block ??= { by, untilMs: endMs };
    }
    const reached = crossed.length ? crossed[crossed.length - 1].percent : 0;
    return { period: label, startMs, endMs, usedSeconds, limitSeconds, reached };
  });
  s.budget = { atMs, executors: prev?.executors ?? 0, periods };
  // A suspend blocks scale-up too.
  if (rules.suspend) rules.block ??= rules.suspend;
  return { rules, notes };
}

/** After the tick's actions: the executors that run until the next tick (every group listed, and those added). */
export function budgetExecutors(t: Tick, groups: GroupObservation[]): void {
  if (!t.s.budget) return;
  const added = t.actions.filter((a) => a.type === 'add').length;
  t.s.budget = { ...t.s.budget, executors: (groups.length + added) * t.spec.executorsPerGroup };
}

/**
 * A budget that blocks scale-up holds a rule that would add groups above the minimum: the up counter restarts and one
 * line says so. `wanted` is the rule's own line, without its full stop.
 */
export function heldByBudget(t: Tick, wanted: string): boolean {
  const block = t.budget?.block;
  if (!block) return false;
  t.s.counters.up = 0;
  t.say(
    `${wanted}, but ${block.by} blocks scale-up above the minimum ${t.limits.floorGroups} until ${isoMinute(block.untilMs)}; holding ${t.s.target} executor groups.`,
  );
  return true;
}

/**
 * Where each budget stands, for `warehouse status` and the Web UI's details: `Budget per day: 152 of 200
 * executor-hours used (76%) since 2026-12-02T00:00Z, until 2026-12-03T00:00Z; reached 75% (notify).`
 */
export function budgetStandings(spec: WarehouseSpec, s: Pick<PolicyState, 'budget'>): string[] {
  return (s.budget?.periods ?? []).map((p) => {
    const b = spec.budgets?.find((x) => budgetLabel(x.period) === p.period);
    const action = b?.thresholds.find((th) => th.percent === p.reached)?.action;
    return (
      `${capital(p.period)}: ${hours(p.usedSeconds)} of ${hours(p.limitSeconds)} executor-hours used (${Math.floor((p.usedSeconds / p.limitSeconds) * 100)}%) since ${isoMinute(p.startMs)}, until ${isoMinute(p.endMs)}` +
      (p.reached > 0 ? `; reached ${p.reached}%${action ? ` (${action})` : ''}` : '') +
      '.'
    );
  });
}

function actionText(action: BudgetAction, untilMs: number): string {
  switch (action) {
    case 'notify':
      return 'notify';
    case 'block-scale-up':
      return `no scale-up above the minimum until ${isoMinute(untilMs)}`;
    case 'suspend':
      return `the warehouse is held suspended until ${isoMinute(untilMs)}`;
  }
}

/** Three significant digits: 200, 152, 0.0123 (a test's short periods use small budgets). */
function hours(seconds: number): string {
  return String(Number((seconds / 3600).toPrecision(3)));
}

function capital(text: string): string {
  return text[0].toUpperCase() + text.slice(1);
}
