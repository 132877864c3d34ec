// src/config/schedules.ts: which windows are open at an instant and when the next minimum opens, in KEDA's cron
// convention (open from a `start` until the next `end`), in the schedule's IANA zone with its daylight saving.
import { scheduleView } from '../../src/config/schedules';
import type { ScheduleSpec } from '../../src/policy/types';

const office: ScheduleSpec = {
  name: 'office',
  start: '0 8 * * 1-5',
  end: '0 18 * * 1-5',
  timezone: 'Europe/Berlin',
  minGroups: 2,
};
const night: ScheduleSpec = { name: 'night', start: '0 20 * * *', end: '0 6 * * *', timezone: 'UTC', suspend: true };
const at = (iso: string) => Date.parse(iso);

test.each([
  // Wednesday 08:30 in Berlin (UTC+1 in winter): open until 18:00 Berlin.
  [
    '2026-12-02T07:30:00Z',
    { open: [{ schedule: 'office', untilMs: at('2026-12-02T17:00:00Z'), minGroups: 2 }], next: [] },
  ],
  // Its opening instant is open, its closing instant is not.
  [
    '2026-12-02T07:00:00Z',
    { open: [{ schedule: 'office', untilMs: at('2026-12-02T17:00:00Z'), minGroups: 2 }], next: [] },
  ],
  [
    '2026-12-02T17:00:00Z',
    { open: [], next: [{ schedule: 'office', atMs: at('2026-12-03T07:00:00Z'), minGroups: 2 }] },
  ],
  // Saturday: closed until Monday.
  [
    '2026-12-05T12:00:00Z',
    { open: [], next: [{ schedule: 'office', atMs: at('2026-12-07T07:00:00Z'), minGroups: 2 }] },
  ],
  // The Monday after the clocks go forward (UTC+2): 08:00 Berlin is 06:00 UTC.
  [
    '2027-03-28T12:00:00Z',
    { open: [], next: [{ schedule: 'office', atMs: at('2027-03-29T06:00:00Z'), minGroups: 2 }] },
  ],
])('office hours at %s', (iso, view) => {
  expect(scheduleView([office], at(iso))).toEqual(view);
});

test('a window across midnight is open from its start to the next end; a suspend window is never listed as next', () => {
  expect(scheduleView([night], at('2026-12-02T23:00:00Z'))).toEqual({
    open: [{ schedule: 'night', untilMs: at('2026-12-03T06:00:00Z'), suspend: true }],
    next: [],
  });
  expect(scheduleView([night], at('2026-12-03T05:59:59Z')).open).toHaveLength(1);
  expect(scheduleView([night], at('2026-12-03T12:00:00Z'))).toEqual({ open: [], next: [] });
});
