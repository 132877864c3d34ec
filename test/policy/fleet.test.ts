// The fleet capacity limit (src/policy/fleet.ts): how the fleet grants groups under its limit, by priority, exactly
// (a request seen twice grants once; a lost answer is released by the next report), and how a warehouse's decision
// waits for what was not granted, saying why.
import { decide } from '../../src/policy/decide';
import {
  type FleetAllowance,
  type FleetGroup,
  type FleetRequest,
  type FleetState,
  fleetAsk,
  fleetLimitText,
  fleetReport,
  fleetUsed,
  initialFleet,
} from '../../src/policy/fleet';
import { add, checkRow, counters, expectDecision, obs, ready, spec, state } from './support';

const groups = (executors: number, ...indexes: number[]): FleetGroup[] =>
  indexes.map((index) => ({ index, executors }));
const fleet = (maxExecutors = 80, priorities: Record<string, number> = { sales: 10, etl: 1 }): FleetState =>
  initialFleet({ name: 'main', maxExecutors, priorities });
const ask = (
  warehouse: string,
  holding: FleetGroup[],
  want: FleetGroup[],
  requestId = `${warehouse}-${want.map((g) => g.index).join('.')}`,
): FleetRequest => ({ requestId, warehouse, holding, want, waitMs: 60_000 });

describe('the fleet grants groups under its limit', () => {
  test('grants what fits, in the order wanted; the rest waits', () => {
    let s = fleet();
    ({ state: s } = fleetAsk(s, ask('etl', groups(20, 0, 1), []), 0));
    const { state, answer } = fleetAsk(s, ask('sales', groups(20, 0), groups(20, 1, 2)), 1000);
    expect(answer.granted).toEqual([1]);
    expect(fleetUsed(state)).toBe(80);
    expect(state.waiting).toEqual([{ warehouse: 'sales', executors: 20, sinceMs: 1000, untilMs: 61_000 }]);
    expect(fleetLimitText(answer.view)).toBe('the fleet limit of 80 executors is reached (sales 40, etl 40)');
  });

  test('the same request id again (a resent signal) gets the same answer and grants nothing twice', () => {
    const first = fleetAsk(fleet(), ask('sales', [], groups(20, 0, 1), 'r1'), 0);
    const again = fleetAsk(first.state, ask('sales', [], groups(20, 0, 1), 'r1'), 500);
    expect(again.answer).toEqual(first.answer);
    expect(again.state).toBe(first.state);
    expect(fleetUsed(again.state)).toBe(40);
  });

  test('a grant whose answer was lost is released by the next request, which reports what really exists', () => {
    const lost = fleetAsk(fleet(40), ask('sales', [], groups(20, 0, 1), 'r1'), 0);
    expect(fleetUsed(lost.state)).toBe(40);
    // The warehouse never heard: it created nothing, and asks again with what it lists (nothing).
    const next = fleetAsk(lost.state, ask('sales', [], groups(20, 0, 1), 'r2'), 20_000);
    expect(next.answer.granted).toEqual([0, 1]);
    expect(fleetUsed(next.state)).toBe(40);
  });

  test('a report releases the groups that are gone, and a warehouse that stopped waiting leaves the queue', () => {
    let s = fleetAsk(fleet(40), ask('etl', [], groups(20, 0, 1)), 0).state;
    s = fleetAsk(s, ask('sales', [], groups(20, 0)), 0).state;
    expect(s.waiting.map((x) => x.warehouse)).toEqual(['sales']);
    s = fleetReport(s, { warehouse: 'sales', holding: [], waiting: false });
    expect(s.waiting).toEqual([]);
    s = fleetReport(s, { warehouse: 'etl', holding: groups(20, 0), waiting: false });
    expect(fleetUsed(s)).toBe(20);
  });

  test('freed capacity is kept for the waiting warehouse of higher priority', () => {
    let s = fleet(80);
    s = fleetAsk(s, ask('etl', [], groups(20, 0, 1)), 0).state;
    s = fleetAsk(s, ask('sales', [], groups(20, 0, 1, 2)), 0).state;
    expect(s.waiting).toEqual([{ warehouse: 'sales', executors: 20, sinceMs: 0, untilMs: 60_000 }]);
    // etl scales down by one group: 20 free, owed to sales, which waits ahead of etl.
    s = fleetReport(s, { warehouse: 'etl', holding: groups(20, 0), waiting: false });
    const etl = fleetAsk(s, ask('etl', groups(20, 0), groups(20, 1)), 5000);
    expect(etl.answer.granted).toEqual([]);
    expect(fleetLimitText(etl.answer.view)).toBe(
      'the fleet limit of 80 executors leaves 20 executors free, kept for sales (priority 10, 20 executors) waiting first (sales 40, etl 20)',
    );
    const sales = fleetAsk(etl.state, ask('sales', groups(20, 0, 1), groups(20, 2)), 6000);
    expect(sales.answer.granted).toEqual([2]);
    expect(sales.state.waiting.map((x) => x.warehouse)).toEqual(['etl']);
  });

  test('a lower priority waiting longer does not go first; equal priorities go in the order they began to wait', () => {
    let s = fleet(40, { a: 1, b: 1, c: 5 });
    s = fleetAsk(s, ask('a', [], groups(20, 0, 1)), 0).state;
    s = fleetAsk(s, ask('b', [], groups(20, 0)), 1000).state;
    s = fleetAsk(s, ask('c', [], groups(20, 0)), 2000).state;
    // One group frees: c, of higher priority, gets it although b waited longer.
    s = fleetReport(s, { warehouse: 'a', holding: groups(20, 0), waiting: false });
    expect(fleetAsk(s, ask('b', [], groups(20, 0), 'b2'), 3000).answer.granted).toEqual([]);
    s = fleetAsk(s, ask('c', [], groups(20, 0), 'c2'), 3000).state;
    s = fleetReport(s, { warehouse: 'a', holding: [], waiting: false });
    expect(fleetAsk(s, ask('b', [], groups(20, 0), 'b3'), 4000).answer.granted).toEqual([0]);
    // Of two equal priorities, the one that began to wait first.
    let e = fleet(20, { x: 1, y: 1 });
    e = fleetAsk(e, ask('z', [], groups(20, 0)), 0).state;
    e = fleetAsk(e, ask('y', [], groups(20, 0)), 1000).state;
    e = fleetAsk(e, ask('x', [], groups(20, 0)), 2000).state;
    e = fleetReport(e, { warehouse: 'z', holding: [], waiting: false });
    expect(fleetAsk(e, ask('x', [], groups(20, 0), 'x2'), 3000).answer.granted).toEqual([]);
    expect(fleetAsk(e, ask('y', [], groups(20, 0), 'y2'), 3000).answer.granted).toEqual([0]);
  });

  test('a waiter that stops asking stops holding capacity back', () => {
    let s = fleet(20, { sales: 10, etl: 1 });
    s = fleetAsk(s, ask('etl', [], groups(20, 0)), 0).state;
    s = fleetAsk(s, ask('sales', [], groups(20, 0)), 0).state;
    s = fleetReport(s, { warehouse: 'etl', holding: [], waiting: false });
    expect(fleetAsk(s, ask('etl', [], groups(20, 0), 'e2'), 59_000).answer.granted).toEqual([]);
    expect(fleetAsk(s, ask('etl', [], groups(20, 0), 'e3'), 61_000).answer.granted).toEqual([0]);
  });

  test('less free than one group grants nothing, and says so', () => {
    const s = fleetAsk(fleet(50), ask('etl', [], groups(20, 0, 1)), 0).state;
    const { answer } = fleetAsk(s, ask('sales', [], groups(20, 0)), 0);
    expect(answer.granted).toEqual([]);
    expect(fleetLimitText(answer.view)).toBe(
      'the fleet limit of 80 executors leaves 10 executors free, fewer than one executor group of 20 (sales 0, etl 40)'.replace(
        '80',
        '50',
      ),
    );
  });

  test('a lowered limit keeps what is held and grants nothing until enough is released', () => {
    let s = fleetAsk(fleet(80), ask('etl', [], groups(20, 0, 1, 2)), 0).state;
    s = { ...s, spec: { ...s.spec, maxExecutors: 40 } };
    expect(fleetAsk(s, ask('sales', [], groups(20, 0)), 0).answer.granted).toEqual([]);
    expect(fleetUsed(s)).toBe(60);
  });
});

// XSMALL groups of 2 executors; balanced, poll 20 s: a queue adds on the tick after the first (up target 1).
const reached: FleetAllowance = { groups: 0, why: 'the fleet limit of 80 executors is reached (sales 40, etl 40)' };

describe("a warehouse's decision waits for the capacity its fleet did not grant", () => {
  test('a queue past the scale-up delay adds nothing; the up counter is kept, so freed capacity is used at once', () => {
    const from = state({ current: 1, counters: { up: 1 } });
    const o = obs({ queued: 30, groups: ready(0) });
    const d = decide(spec(), from, o, reached);
    expectDecision(d, {
      actions: [],
      rule: 'hold',
      lines: [
        'needsScaleUp is true as there are 30 queries queued.',
        'needsScaleUp is true but the fleet limit of 80 executors is reached (sales 40, etl 40).',
      ],
      absent: ['Adding new executor group', 'Impala autoscaler will attempt'],
      counters: counters({ up: 1 }),
      target: 1,
      state: 'Running',
    });
    // The next tick the fleet grants: the groups are added without serving the delay again.
    expectDecision(decide(spec(), d.state, o), { actions: [add(1), add(2), add(3)], rule: 'scale-up' });
  });

  test('a partial grant adds the first groups and says how many of those wanted', () => {
    const d = decide(spec(), state({ current: 1, counters: { up: 1 } }), obs({ queued: 30, groups: ready(0) }), {
      groups: 1,
      why: reached.why,
    });
    expectDecision(d, {
      actions: [add(1)],
      rule: 'scale-up',
      lines: [
        'needsScaleUp is true but the fleet limit of 80 executors is reached (sales 40, etl 40): adding 1 of the 3 executor groups wanted.',
        'Adding new executor group: impala-executor-001',
      ],
      target: 2,
      state: 'ScalingUp',
    });
  });

  test('a suspended warehouse with a queue stays suspended', () => {
    const d = decide(
      spec({ groups: [0, 4] }),
      state({ state: 'Suspended', autoSuspended: true }),
      obs({ queued: 2, groups: [] }),
      reached,
    );
    expectDecision(d, {
      actions: [],
      lines: [
        'needsScaleUp is true as there are 2 queries queued, but the fleet limit of 80 executors is reached (sales 40, etl 40).',
      ],
      absent: ['Resuming'],
      state: 'Suspended',
    });
    expect(d.state.autoSuspended).toBe(true);
  });

  test('below the minimum, the missing groups wait too', () => {
    checkRow({
      fleet: reached,
      name: 'below min',
      spec: spec({ groups: [3, 4] }),
      from: state({ current: 1 }),
      obs: obs({ groups: ready(0) }),
      actions: [],
      lines: [
        'needsScaleUp is true as current executor groups 1 is below the minimum 3.',
        'needsScaleUp is true but the fleet limit of 80 executors is reached (sales 40, etl 40).',
      ],
      target: 1,
    });
  });

  test('without an allowance (no fleet, or the fleet granted all) the decision is the one of today', () => {
    const row = {
      name: 'no fleet',
      spec: spec(),
      from: state({ current: 1, counters: { up: 1 } }),
      obs: obs({ queued: 30, groups: ready(0) }),
      actions: [add(1), add(2), add(3)],
    };
    checkRow(row);
    checkRow({ ...row, fleet: { groups: 3, why: reached.why }, absent: ['fleet'] });
  });

  test('a run on release 4 rules decides as before, whatever the allowance', () => {
    checkRow({
      fleet: reached,
      name: 'release 4',
      spec: spec(),
      from: state({ current: 1, counters: { up: 1 }, rules: 'release-4' }),
      obs: obs({ queued: 30, groups: ready(0) }),
      actions: [add(1), add(2), add(3)],
      absent: ['fleet'],
    });
  });
});
