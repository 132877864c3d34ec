// The generated suite of bench:policy (src/whatif/suite/): two disjoint seed sets of 30 traces from 10 families, each
// trace regenerated identically from its printed seed.
import { FAMILIES } from '../../src/whatif/suite/families';
import { suiteIds, suiteTrace } from '../../src/whatif/suite/seeds';

const c = { executorMemoryMb: 16384, maxGroups: 10, queriesPerGroup: 12 };

test('30 traces a set from at least 8 families; the develop and report sets share no seed', () => {
  const develop = suiteIds('develop');
  const report = suiteIds('report');
  expect(develop).toHaveLength(30);
  expect(report).toHaveLength(30);
  expect(develop.filter((id) => report.includes(id))).toEqual([]);
  expect(new Set(report.map((id) => id.split('/')[0])).size).toBeGreaterThanOrEqual(8);
  expect(FAMILIES.length).toBeGreaterThanOrEqual(8);
});

test('a trace is regenerated identically from its seed, and another seed of its family draws other parameters', () => {
  const a = suiteTrace('storms/report-2', c);
  const again = suiteTrace('storms/report-2', c);
  expect(again.trace).toEqual(a.trace);
  expect(again.params).toBe(a.params);
  expect(a.trace.length).toBeGreaterThan(0);
  expect(suiteTrace('storms/develop-2', c).params).not.toBe(a.params);
});

test('heavy herds need up to a whole executor per query, never more', () => {
  const t = suiteTrace('heavy-herds/develop-1', c).trace;
  expect(Math.max(...t.map((q) => q.memMb))).toBeLessThanOrEqual(c.executorMemoryMb);
  expect(Math.max(...t.map((q) => q.memMb))).toBeGreaterThan(0.9 * c.executorMemoryMb);
});

test('an id that is no suite trace says what ids look like', () => {
  expect(() => suiteTrace('office/holdout-1', c)).toThrow(
    /--suite-trace office\/holdout-1: expected <family>\/<develop\|report>-<n>, family one of steady, office/,
  );
});
