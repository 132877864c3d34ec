// Small builders for the what-if tests: a one-executor-per-group spec and hand-written traces.
import { parseWarehouseSpec } from '../../src/config/warehouse-spec';
import type { Mode, WarehouseSpec } from '../../src/policy/types';
import type { TraceQuery } from '../../src/sim/trace';

export const GiB_MB = 1024;

/** One executor per group; `slots` queries a group; 0..maxGroups groups; 16 GiB an executor. */
export function simSpec(
  o: { maxGroups?: number; minGroups?: number; slots?: number; mode?: Mode; memMb?: number } = {},
): WarehouseSpec {
  return parseWarehouseSpec(
    {
      name: 'sim',
      namespace: 'default',
      executorsPerGroup: 1,
      nodes: { min: o.minGroups ?? 0, max: o.maxGroups ?? 4 },
      queriesPerGroup: o.slots ?? 1,
      executorMemoryMb: o.memMb ?? 16 * GiB_MB,
      mode: o.mode ?? 'balanced',
    },
    'test spec',
  );
}

/** Queries as [arrival_s, duration_s, mem_mb?]. */
export function trace(rows: [number, number, number?][]): TraceQuery[] {
  return rows.map(([arrivalS, durationS, memMb], id) => ({ id, arrivalS, durationS, memMb: memMb ?? 0 }));
}
