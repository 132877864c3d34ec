// How many groups a set of queries needs, by admission slots and by per-executor memory, as Impala admits them:
// a query needs its per-executor memory free on every executor of one group, so groups are bins of
// `queriesPerGroup` slots and `executorMemoryMb` of memory.
import { expand, queriesIn, queuedMems } from './mem-summary';
import type { Load, WarehouseSpec } from './types';

export const MIB = 1024 * 1024;

/** First-fit decreasing bin packing: exact for the seed's shapes, within 11/9 of optimal in general. */
export function groupsNeeded(spec: WarehouseSpec, queries: number, memBytesPerQuery: number[]): number {
  if (queries <= 0) return 0;
  const capacity = spec.executorMemoryMb * MIB;
  const mems = Array.from({ length: queries }, (_, i) => Math.min(memBytesPerQuery[i] ?? 0, capacity)).sort(
    (a, b) => b - a,
  );
  const bins: { slots: number; free: number }[] = [];
  for (const m of mems) {
    const bin = bins.find((b) => b.slots > 0 && b.free >= m);
    if (bin) {
      bin.slots -= 1;
      bin.free -= m;
    } else {
      bins.push({ slots: spec.queriesPerGroup - 1, free: capacity - m });
    }
  }
  return bins.length;
}

/** Would `groups` groups still hold what runs now, by slots and by memory? */
export function holds(
  spec: WarehouseSpec,
  groups: number,
  running: number,
  memReservedBytes: number,
): { slots: boolean; memory: boolean } {
  return {
    slots: groups * spec.queriesPerGroup >= running,
    memory: groups * spec.executorsPerGroup * spec.executorMemoryMb * MIB >= memReservedBytes,
  };
}

/**
 * The fewest groups that hold the running queries as Impala admitted them, each needing its per-executor memory on
 * every executor of one group (bin-packed like a queue); undefined when the observation does not carry the running
 * queries' memory (earlier releases' histories, a coordinator without running_queries). Queries the lists miss (the
 * pool-wide count ahead of them) take a slot each.
 */
export function runningGroupsNeeded(
  spec: WarehouseSpec,
  load: Pick<Load, 'running' | 'runningMem'>,
): number | undefined {
  if (!load.runningMem) return undefined;
  return groupsNeeded(spec, Math.max(load.running, queriesIn(load.runningMem)), expand(load.runningMem));
}

type LoadFigures = Pick<
  Load,
  'running' | 'memReservedBytes' | 'queued' | 'queuedQueryMemBytes' | 'queuedMem' | 'runningMem'
>;

/**
 * The groups the load needed at one instant: the fewest that hold what runs (by slots and by memory — with
 * `perExecutor`, also by the running queries' per-executor memory) plus those its queue fills. What the seasonal
 * history records, so that a forecast is load, not the groups that happened to exist.
 */
export function groupsForLoad(spec: WarehouseSpec, load: LoadFigures, perExecutor = false): number {
  const bySlots = Math.ceil(load.running / spec.queriesPerGroup);
  const byMemory = Math.ceil(load.memReservedBytes / (spec.executorsPerGroup * spec.executorMemoryMb * MIB));
  const byExecutor = (perExecutor && runningGroupsNeeded(spec, load)) || 0;
  return Math.max(bySlots, byMemory, byExecutor) + groupsNeeded(spec, load.queued, queuedMems(load));
}
