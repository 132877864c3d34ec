// Schedules in the decision (src/policy/schedules.ts): a window's minimum holds (one observed start-up and a poll
// ahead of its opening, resuming a suspended warehouse, and keeping the last groups from suspending), a noScaleIn
// window holds scale-down and auto-suspend, a suspend window holds the warehouse suspended; runs of release 4 keep
// deciding as before. The observation carries the schedules' view as the observe activity builds it.
import type { Observation, ScheduleView } from '../../src/policy/types';
import { add, checkRow, counters, g, obs, ready, rm, spec, state, type Row } from './support';

const H = 3600_000;
/** 1970-01-01 09:00 UTC: the simulated clock's business morning. */
const NINE = 9 * H;

const schedules = [
  { name: 'business-hours', start: '0 9 * * *', end: '0 17 * * *', timezone: 'UTC', minGroups: 3 },
  { name: 'etl', start: '0 6 * * *', end: '0 8 * * *', timezone: 'UTC', noScaleIn: true },
  { name: 'night', start: '0 20 * * *', end: '0 6 * * *', timezone: 'UTC', suspend: true },
];
const sp = spec({ groups: [0, 4], schedules });

function at(o: Observation, atMs: number, schedule: ScheduleView): Observation {
  return { ...o, atMs, schedule } as Observation;
}
const none: ScheduleView = { open: [], next: [] };
const businessOpen: ScheduleView = { open: [{ schedule: 'business-hours', untilMs: 17 * H, minGroups: 3 }], next: [] };
const businessNext: ScheduleView = { open: [], next: [{ schedule: 'business-hours', atMs: NINE, minGroups: 3 }] };
const etlOpen: ScheduleView = { open: [{ schedule: 'etl', untilMs: 8 * H, noScaleIn: true }], next: [] };
const nightOpen: ScheduleView = { open: [{ schedule: 'night', untilMs: 30 * H, suspend: true }], next: [] };

describe('a minGroups window', () => {
  const rows: Row[] = [
    {
      name: 'while it is open, groups below its minimum are added',
      spec: sp,
      from: state({ current: 1 }),
      obs: at(obs({ groups: ready(0) }), 10 * H, businessOpen),
      actions: [add(1), add(2)],
      rule: 'min',
      lines: [
        'needsScaleUp is true as current executor groups 1 is below the minimum 3 of schedule business-hours until 1970-01-01T17:00Z.',
        'Adding new executor group: impala-executor-001',
      ],
    },
    {
      name: 'one start-up and a poll before it opens (60 s assumed + 20 s), a suspended warehouse is resumed to it',
      spec: sp,
      from: state({ state: 'Suspended', autoSuspended: true }),
      obs: at(obs({ groups: [] }), NINE - 80_000, businessNext),
      actions: [add(0), add(1), add(2)],
      rule: 'min',
      lines: [
        'needsScaleUp is true as current executor groups 0 is below the minimum 3 of schedule business-hours from 1970-01-01T09:00Z (one start-up and a poll ahead).',
      ],
    },
    {
      name: 'earlier than that, the warehouse stays suspended',
      spec: sp,
      from: state({ state: 'Suspended', autoSuspended: true }),
      obs: at(obs({ groups: [] }), NINE - 100_000, businessNext),
      actions: [],
      lines: ['Warehouse is suspended: 0 executor groups, no queries queued.'],
      state: 'Suspended',
    },
    {
      name: 'the measured start-up sets how far ahead: 120 s observed starts it 140 s ahead',
      spec: sp,
      from: state({ state: 'Suspended', autoSuspended: true, startupTicks: 6 }),
      obs: at(obs({ groups: [] }), NINE - 140_000, businessNext),
      actions: [add(0), add(1), add(2)],
      rule: 'min',
    },
    {
      name: 'the last groups do not suspend while it is open',
      spec: spec({ groups: [0, 4], schedules: [{ ...schedules[0], minGroups: 1 }] }),
      from: state({ current: 1, counters: { suspend: 15 } }),
      obs: at(obs({ groups: ready(0) }), 10 * H, {
        open: [{ schedule: 'business-hours', untilMs: 17 * H, minGroups: 1 }],
        next: [],
      }),
      actions: [],
      lines: [
        'needsSuspend is false as the minimum is 1 executor groups of schedule business-hours until 1970-01-01T17:00Z.',
      ],
      absent: ['Suspending'],
      counters: counters(),
    },
    {
      name: 'scale-down stops at its minimum',
      spec: sp,
      from: state({ current: 4, counters: { down: 30 } }),
      obs: at(obs({ groups: ready(0, 1, 2, 3) }), 10 * H, businessOpen),
      actions: [rm(3, 'scale-down')],
    },
    {
      name: 'a run of release 4 keeps its decision: nothing added',
      spec: sp,
      from: state({ current: 1, rules: 'release-4' }),
      obs: at(obs({ groups: ready(0) }), 10 * H, businessOpen),
      actions: [],
      absent: ['schedule', 'Adding'],
    },
    {
      name: 'after it closes, the normal rules go on',
      spec: sp,
      from: state({ current: 1 }),
      obs: at(obs({ groups: ready(0) }), 18 * H, none),
      actions: [],
      absent: ['schedule'],
    },
  ];
  test.each(rows)('$name', (row) => void checkRow(row));
});

describe('a noScaleIn window', () => {
  const rows: Row[] = [
    {
      name: 'holds a served scale-down delay; the counter restarts',
      spec: sp,
      from: state({ current: 2, counters: { down: 30 } }),
      obs: at(obs({ groups: ready(0, 1) }), 7 * H, etlOpen),
      actions: [],
      lines: [
        'needsScaleDown is true as there are no queries queued and 1 executor groups would hold 0 running queries, but schedule etl allows no scale-in until 1970-01-01T08:00Z; holding 2 executor groups.',
      ],
      counters: counters(),
    },
    {
      name: 'holds auto-suspend',
      spec: sp,
      from: state({ current: 1, counters: { suspend: 15 } }),
      obs: at(obs({ groups: ready(0) }), 7 * H, etlOpen),
      actions: [],
      lines: [
        'needsSuspend is true as there are no queries running or queued, but schedule etl allows no scale-in until 1970-01-01T08:00Z; holding 1 executor groups.',
      ],
    },
    {
      name: 'scale-up goes on',
      spec: sp,
      from: state({ current: 1, counters: { up: 1 } }),
      obs: at(obs({ queued: 13, groups: ready(0) }), 7 * H, etlOpen),
      actions: [add(1), add(2)],
      rule: 'scale-up',
    },
  ];
  test.each(rows)('$name', (row) => void checkRow(row));
});

describe('a suspend window', () => {
  const rows: Row[] = [
    {
      name: 'removes every idle group; a busy one goes once idle',
      spec: sp,
      from: state({ current: 3 }),
      obs: at(obs({ running: 2, groups: [g(0, { running: 2 }), g(1), g(2)] }), 21 * H, nightOpen),
      actions: [rm(1, 'suspend'), rm(2, 'suspend')],
      rule: 'suspend',
      lines: [
        'Suspending warehouse: wh as schedule night holds it suspended until 1970-01-02T06:00Z; removing 2 executor groups.',
        '1 executor groups have running queries; schedule night holds the warehouse suspended, removing them once idle.',
      ],
      state: 'ScalingDown',
    },
    {
      name: 'a queued query does not resume it',
      spec: sp,
      from: state({ state: 'Suspended', autoSuspended: true }),
      obs: at(obs({ queued: 2, groups: [] }), 22 * H, nightOpen),
      actions: [],
      lines: [
        'needsScaleUp is true as there are 2 queries queued, but schedule night holds the warehouse suspended until 1970-01-02T06:00Z; the warehouse stays suspended.',
      ],
      absent: ['Resuming'],
      state: 'Suspended',
    },
    {
      name: "the operator's resume is answered, and the window holds",
      spec: sp,
      from: state({ state: 'Suspended', autoSuspended: true, intent: 'resume' }),
      obs: at(obs({ groups: [] }), 22 * H, nightOpen),
      actions: [],
      lines: [
        'Resume asked for, but schedule night holds the warehouse suspended until 1970-01-02T06:00Z.',
        'Warehouse is held suspended by schedule night until 1970-01-02T06:00Z: 0 executor groups, no queries queued.',
      ],
      state: 'Suspended',
    },
    {
      name: 'pending groups are removed too (a scale-up in progress)',
      spec: sp,
      from: state({ current: 1, target: 2, pending: [{ name: 'impala-executor-001', sinceTick: 0 }] }),
      obs: at(obs({ groups: [g(0), g(1, { ready: false })] }), 21 * H, nightOpen),
      actions: [rm(0, 'suspend'), rm(1, 'suspend')],
      state: 'Suspended',
    },
    {
      name: 'once it closes, a queued query resumes the warehouse',
      spec: sp,
      from: state({ state: 'Suspended', autoSuspended: true }),
      obs: at(obs({ queued: 1, groups: [] }), 30 * H, none),
      actions: [add(0)],
      rule: 'resume',
    },
    {
      name: 'a run of release 4 keeps its decision: a queued query resumes it',
      spec: sp,
      from: state({ state: 'Suspended', autoSuspended: true, rules: 'release-4' }),
      obs: at(obs({ queued: 1, groups: [] }), 22 * H, nightOpen),
      actions: [add(0)],
      rule: 'resume',
    },
  ];
  test.each(rows)('$name', (row) => void checkRow(row));
});
