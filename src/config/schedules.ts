// Schedules: time windows in KEDA's cron-scaler convention — a window opens at each `start` and closes at the next
// `end`, both cron expressions (minute hour day-of-month month day-of-week; croner also reads a leading seconds field)
// read in an IANA time zone. Parsing and the time arithmetic (time zones, daylight saving) are croner's; this file
// checks a warehouse's schedules and says, for an instant, which windows are open and when the next ones open. The
// observe activity calls `scheduleView` with the tick's time, the what-if simulator with its simulated time, and the
// pure policy (src/policy/schedules.ts) applies the result.
import { Cron } from 'croner';
import { z } from 'zod';
import type { ScheduleSpec, ScheduleView } from '../policy/types';

const CRON_MODE = '5-or-6-parts' as const;

/** Contradicting windows are looked for this far ahead: a year holds every weekly, monthly and yearly pattern. */
const OVERLAP_HORIZON_MS = 366 * 86400 * 1000;
/** …or over this many windows of each schedule, whichever comes first (a window every minute fills a year slowly). */
const OVERLAP_WINDOWS = 2000;

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Why a cron expression cannot be read, in croner's words; undefined when it can. */
export function cronProblem(expression: string): string | undefined {
  try {
    new Cron(expression, { mode: CRON_MODE });
    return undefined;
  } catch (err) {
    return (err as Error).message.replace(/^CronPattern: /, '');
  }
}

const scheduleSchema = z.strictObject({
  name: z
    .string({ error: 'name must be a string' })
    .regex(/^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/, "name must be letters, digits, '_', '.' and '-'")
    .max(63, 'name must be at most 63 characters')
    .optional(),
  start: z.string({ error: 'start must be a cron expression such as "0 8 * * 1-5"' }),
  end: z.string({ error: 'end must be a cron expression such as "0 18 * * 1-5"' }),
  timezone: z.string({ error: 'timezone must be an IANA time zone such as Europe/Berlin' }),
  minGroups: z
    .number({ error: 'minGroups must be a number of executor groups' })
    .int('minGroups must be a whole number of executor groups')
    .min(1, 'minGroups must be ≥ 1 (leave it out for no minimum)')
    .optional(),
  noScaleIn: z.boolean({ error: 'noScaleIn must be true or false' }).optional(),
  suspend: z.boolean({ error: 'suspend must be true or false' }).optional(),
});

/** `schedules:` of a warehouse: each named (`schedule-N` by position when not), checked alone and against each other. */
export const schedulesSchema = z
  .array(scheduleSchema, {
    error: 'schedules must be a list of { start, end, timezone, minGroups?, noScaleIn?, suspend? }',
  })
  .superRefine((list, ctx) => {
    list.forEach((s, i) => {
      for (const field of ['start', 'end'] as const) {
        const problem = cronProblem(s[field]);
        if (problem)
          ctx.addIssue({
            code: 'custom',
            path: [i, field],
            message: `schedule ${labelOf(s, i)}: ${field} is not a valid cron expression (minute hour day-of-month month day-of-week, as KEDA's cron scaler reads it): ${problem}`,
          });
      }
      if (!isTimeZone(s.timezone))
        ctx.addIssue({
          code: 'custom',
          path: [i, 'timezone'],
          message: `schedule ${labelOf(s, i)}: timezone must be an IANA time zone such as Europe/Berlin or UTC`,
        });
      if (s.minGroups === undefined && !s.noScaleIn && !s.suspend)
        ctx.addIssue({
          code: 'custom',
          path: [i],
          message: `schedule ${labelOf(s, i)} sets no rule: set minGroups, noScaleIn or suspend`,
        });
      if (s.suspend && (s.minGroups !== undefined || s.noScaleIn))
        ctx.addIssue({
          code: 'custom',
          path: [i, 'suspend'],
          message: `schedule ${labelOf(s, i)}: suspend contradicts ${s.minGroups !== undefined ? 'minGroups' : 'noScaleIn'} in the same window; a held-suspended window runs no groups`,
        });
    });
    const names = new Map<string, number>();
    list.forEach((s, i) => {
      const name = labelOf(s, i);
      const first = names.get(name);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [i, 'name'],
          message: `schedule name ${name} is also schedule #${first + 1}'s; names must be unique`,
        });
      else names.set(name, i);
    });
  })
  .transform((list): ScheduleSpec[] => list.map((s, i) => ({ ...s, name: labelOf(s, i) })));

function labelOf(s: { name?: string }, i: number): string {
  return s.name ?? `schedule-${i + 1}`;
}

/**
 * Windows of a suspend schedule that overlap windows of a schedule that wants groups (minGroups or noScaleIn), over
 * the coming year: one problem per such pair of schedules, with the first overlap found. `fromMs`: where to start.
 */
export function contradictions(schedules: ScheduleSpec[], fromMs: number): { index: number; message: string }[] {
  const problems: { index: number; message: string }[] = [];
  // A schedule that cannot be read has been reported by the schema: it opens no window here.
  const readable = (s: ScheduleSpec) => !cronProblem(s.start) && !cronProblem(s.end) && isTimeZone(s.timezone);
  const windows = schedules.map((s) => (readable(s) ? windowsOf(s, fromMs) : []));
  schedules.forEach((held, i) => {
    if (!held.suspend) return;
    schedules.forEach((wants, j) => {
      if (wants.suspend || (wants.minGroups === undefined && !wants.noScaleIn)) return;
      const overlap = firstOverlap(windows[i], windows[j]);
      if (!overlap) return;
      const rule = wants.minGroups !== undefined ? `minGroups ${wants.minGroups}` : 'noScaleIn';
      problems.push({
        index: i,
        message: `schedule ${held.name} holds the warehouse suspended from ${iso(overlap[0][0])} to ${iso(overlap[0][1])}, while schedule ${wants.name} (${rule}) is open from ${iso(overlap[1][0])} to ${iso(overlap[1][1])}: the windows contradict each other; change start or end of one of them`,
      });
    });
  });
  return problems;
}

type Window = [number, number];

function windowsOf(s: ScheduleSpec, fromMs: number): Window[] {
  const start = cron(s.start, s.timezone);
  const end = cron(s.end, s.timezone);
  const out: Window[] = [];
  let cursor = new Date(fromMs);
  while (out.length < OVERLAP_WINDOWS) {
    const opens = start.nextRun(cursor);
    if (!opens || opens.getTime() > fromMs + OVERLAP_HORIZON_MS) break;
    const closes = end.nextRun(opens);
    if (!closes) {
      out.push([opens.getTime(), Number.POSITIVE_INFINITY]);
      break;
    }
    out.push([opens.getTime(), closes.getTime()]);
    cursor = closes;
  }
  return out;
}

function firstOverlap(a: Window[], b: Window[]): [Window, Window] | undefined {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i][0] < b[j][1] && b[j][0] < a[i][1]) return [a[i], b[j]];
    if (a[i][1] <= b[j][1]) i += 1;
    else j += 1;
  }
  return undefined;
}

/**
 * Which windows are open at `atMs` and when each schedule with a minimum that is not open opens next. A window is
 * open when the schedule's next `end` comes before its next `start` (KEDA's cron scaler decides so too).
 */
export function scheduleView(schedules: ScheduleSpec[], atMs: number): ScheduleView {
  const at = new Date(atMs);
  const view: ScheduleView = { open: [], next: [] };
  for (const s of schedules) {
    const opens = cron(s.start, s.timezone).nextRun(at);
    const closes = cron(s.end, s.timezone).nextRun(at);
    if (closes && (!opens || closes < opens)) {
      view.open.push({
        schedule: s.name,
        untilMs: closes.getTime(),
        ...(s.minGroups !== undefined ? { minGroups: s.minGroups } : {}),
        ...(s.noScaleIn ? { noScaleIn: true as const } : {}),
        ...(s.suspend ? { suspend: true as const } : {}),
      });
    } else if (opens && s.minGroups !== undefined) {
      view.next.push({ schedule: s.name, atMs: opens.getTime(), minGroups: s.minGroups });
    }
  }
  return view;
}

// A tick reads every schedule twice: parsed expressions are kept (a warehouse's few, keyed by expression and zone).
const parsed = new Map<string, Cron>();

function cron(expression: string, timezone: string): Cron {
  const key = `${timezone} ${expression}`;
  let c = parsed.get(key);
  if (!c) {
    c = new Cron(expression, { mode: CRON_MODE, timezone });
    if (parsed.size > 1000) parsed.clear();
    parsed.set(key, c);
  }
  return c;
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString().replace(/:00\.000Z$/, 'Z') : 'never';
}
