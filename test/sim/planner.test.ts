// routeQuery against Frontend.java's setupThresholdsForExecutorGroupSets / getTExecRequest, with the three sets of
// tests/custom_cluster/test_executor_groups.py (_setup_three_exec_group_cluster: tiny 64 MB, small 90 MB, large
// unbounded; sizes 1, 2, 3).
import { plannerOrder, RequestPoolError, routeQuery, type PlannedSet } from '../../src/sim/planner';

const tiny: PlannedSet = { groupSet: 'root.tiny', executorsPerGroup: 1, executorMemoryMb: 2048, maxQueryMemMb: 64 };
const small: PlannedSet = { groupSet: 'root.small', executorsPerGroup: 2, executorMemoryMb: 2048, maxQueryMemMb: 90 };
const large: PlannedSet = { groupSet: 'root.large', executorsPerGroup: 3, executorMemoryMb: 4096 };
const sets = [large, tiny, small];

describe('routeQuery (Frontend.getTExecRequest)', () => {
  test.each([
    ['fits the smallest limit: the first set', { memMb: 16 }, 'root.tiny'],
    ['exactly at a limit: fits (perHostMemEstimate <= max_mem_limit)', { memMb: 64 }, 'root.tiny'],
    ['over tiny, under small', { memMb: 70 }, 'root.small'],
    [
      'over every limit: the last set (skip_resource_checking_on_last_executor_group_set)',
      { memMb: 99_999 },
      'root.large',
    ],
    ['REQUEST_POOL=small (a suffix of root.small) skips the memory check', { memMb: 132, pool: 'small' }, 'root.small'],
    ['REQUEST_POOL with the full name', { memMb: 1, pool: 'root.large' }, 'root.large'],
    ['an empty REQUEST_POOL has no effect', { memMb: 1, pool: '' }, 'root.tiny'],
  ])('%s', (_why, query, expected) => {
    expect(routeQuery(sets, query)).toBe(expected);
  });

  test("a REQUEST_POOL naming no set fails in Impala's words", () => {
    expect(() => routeQuery(sets, { memMb: 1, pool: 'root.adhoc' })).toThrow(
      new RequestPoolError('Request pool: root.adhoc does not map to any known executor group set.'),
    );
  });

  test('order: max_query_mem_limit (absent = executor memory), then group size, then prefix', () => {
    const a: PlannedSet = { groupSet: 'root.b', executorsPerGroup: 4, executorMemoryMb: 1000 };
    const b: PlannedSet = { groupSet: 'root.a', executorsPerGroup: 4, executorMemoryMb: 2000, maxQueryMemMb: 1000 };
    const c: PlannedSet = { groupSet: 'root.c', executorsPerGroup: 2, executorMemoryMb: 1000 };
    expect(plannerOrder([a, b, c]).map((s) => s.groupSet)).toEqual(['root.c', 'root.a', 'root.b']);
  });
});
