// Schedules in the decision (release-5 rules): the observation says which windows are open and when those with a
// minimum open next (src/config/schedules.ts scheduleView, outside the policy: cron and time zones are croner's); this
// applies them. A minimum holds during its window — from one observed start-up and a poll before it opens, so the
// groups are ready when it does — and keeps the warehouse from suspending; a noScaleIn window holds scale-down and
// auto-suspend as a scale-in freeze does; a suspend window holds the warehouse suspended (held-suspended.ts).
import { breakEvenTicks } from './break-even';
import type { Limits } from './modes';
import type { Tick } from './tick';
import type { Observation, PolicyState, ScheduleView, WarehouseSpec } from './types';

export interface ScheduledRules {
  /** The highest minimum of the windows open now or opening within one start-up and a poll. */
  min?: { groups: number; schedule: string; untilMs?: number; fromMs?: number };
  noScaleIn?: { schedule: string; untilMs: number };
  suspend?: { schedule: string; untilMs: number };
}

/** The rules the schedules set at `atMs`; undefined when none applies. */
export function scheduledRules(
  spec: WarehouseSpec,
  s: PolicyState,
  view: ScheduleView | undefined,
  atMs: number | undefined,
): ScheduledRules | undefined {
  if (!view || atMs === undefined) return undefined;
  const rules: ScheduledRules = {};
  const leadMs = (breakEvenTicks(spec, s) + 1) * spec.pollIntervalSeconds * 1000;
  for (const w of view.open) {
    if (w.suspend) rules.suspend ??= { schedule: w.schedule, untilMs: w.untilMs };
    if (w.noScaleIn) rules.noScaleIn ??= { schedule: w.schedule, untilMs: w.untilMs };
    if (w.minGroups !== undefined && w.minGroups > (rules.min?.groups ?? 0))
      rules.min = { groups: w.minGroups, schedule: w.schedule, untilMs: w.untilMs };
  }
  for (const w of view.next)
    if (w.atMs - atMs <= leadMs && w.minGroups > (rules.min?.groups ?? 0))
      rules.min = { groups: w.minGroups, schedule: w.schedule, fromMs: w.atMs };
  // A suspend window holds the warehouse whatever else is open (the spec's check rejects overlaps it can find).
  if (rules.suspend) return { suspend: rules.suspend };
  return rules.min || rules.noScaleIn ? rules : undefined;
}

/** The mode's limits with a schedule's minimum (at most the maximum) raising the minimum and the scale-down floor. */
export function withScheduledMin(limits: Limits, min: number): Limits {
  const groups = Math.min(limits.maxGroups, min);
  return {
    ...limits,
    minGroups: Math.max(limits.minGroups, groups),
    floorGroups: Math.max(limits.floorGroups, groups),
  };
}

/** `of schedule business-hours until 2026-12-02T17:00Z`, or `from …` when the window is still to open. */
export function scheduleMinText(min: NonNullable<ScheduledRules['min']>): string {
  return min.fromMs !== undefined
    ? `of schedule ${min.schedule} from ${isoMinute(min.fromMs)} (one start-up and a poll ahead)`
    : `of schedule ${min.schedule} until ${isoMinute(min.untilMs!)}`;
}

/**
 * A noScaleIn window holds a rule that would remove groups, as a scale-in freeze does: its counters restart, and one
 * line says so. `wanted` is the rule's own "needs… is true as …" line, without its full stop.
 */
export function heldBySchedule(t: Tick, wanted: string): boolean {
  const hold = t.schedule?.noScaleIn;
  if (!hold) return false;
  t.s.counters.down = t.s.counters.suspend = 0;
  t.say(
    `${wanted}, but schedule ${hold.schedule} allows no scale-in until ${isoMinute(hold.untilMs)}; holding ${t.s.target} executor groups.`,
  );
  return true;
}

/** The schedules as the last observation saw them, for `warehouse status` and the Web UI's details. */
export function scheduleStandings(obs: Observation | null): string[] {
  if (obs?.kind !== 'known' || !obs.schedule) return [];
  const rules = (w: ScheduleView['open'][number]) =>
    [
      w.minGroups !== undefined ? `minGroups ${w.minGroups}` : '',
      w.noScaleIn ? 'noScaleIn' : '',
      w.suspend ? 'suspend' : '',
    ]
      .filter(Boolean)
      .join(', ');
  return [
    ...obs.schedule.open.map((w) => `Schedule ${w.schedule} is open until ${isoMinute(w.untilMs)} (${rules(w)}).`),
    ...obs.schedule.next.map((w) => `Schedule ${w.schedule} opens at ${isoMinute(w.atMs)} (minGroups ${w.minGroups}).`),
  ];
}

/** A UTC instant to the minute (or second, when it has one), as the decision log prints times. */
export function isoMinute(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/(:\d\d)?\.\d{3}Z$/, (_m, sec: string | undefined) => (sec && sec !== ':00' ? `${sec}Z` : 'Z'));
}
