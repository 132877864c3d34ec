// A warehouse of several executor group sets is, per set, a warehouse of one set: each set is resolved into a full
// WarehouseSpec of its own (its values over the warehouse's) and observed, decided and acted on with the code that
// serves a one-set warehouse, with a PolicyState of its own. A warehouse without groupSets is its own one set.
import { GROUP_PREFIX } from './names';
import type { GroupSetSpec, WarehouseSpec } from './types';

/**
 * The specs of the warehouse's sets, in the order listed: `[spec]` itself when it has no groupSets; otherwise one per
 * set, without groupSets, whose StatefulSets are named `impala-executor-<setSlug>-NNN`.
 */
export function setSpecs(spec: WarehouseSpec): WarehouseSpec[] {
  if (!spec.groupSets) return [spec];
  const { groupSets, ...warehouse } = spec;
  return groupSets.map((set) => resolveSet(warehouse, set));
}

function resolveSet(warehouse: Omit<WarehouseSpec, 'groupSets'>, set: GroupSetSpec): WarehouseSpec {
  const { size: _size, maxQueryMemMb, ...rest } = warehouse;
  const resolved: WarehouseSpec = {
    ...rest,
    groupSet: set.groupSet,
    executorsPerGroup: set.executorsPerGroup,
    nodes: { ...set.nodes },
    queriesPerGroup: set.queriesPerGroup ?? warehouse.queriesPerGroup,
    executorMemoryMb: set.executorMemoryMb ?? warehouse.executorMemoryMb,
    mode: set.mode ?? warehouse.mode,
    scaleUpDelaySeconds: set.scaleUpDelaySeconds ?? warehouse.scaleUpDelaySeconds,
    scaleDownDelaySeconds: set.scaleDownDelaySeconds ?? warehouse.scaleDownDelaySeconds,
    executorTemplate: set.executorTemplate ?? warehouse.executorTemplate,
    groupPrefix: `${GROUP_PREFIX}${setSlug(set.groupSet)}-`,
  };
  // The warehouse's size names its own group size, not a set's (whose executorsPerGroup is always given).
  if (set.size) resolved.size = set.size;
  const memLimit = set.maxQueryMemMb ?? maxQueryMemMb;
  if (memLimit !== undefined) resolved.maxQueryMemMb = memLimit;
  // Delays the set and the warehouse leave to the mode's presets stay absent, as in a one-set spec.
  if (resolved.scaleUpDelaySeconds === undefined) delete resolved.scaleUpDelaySeconds;
  if (resolved.scaleDownDelaySeconds === undefined) delete resolved.scaleDownDelaySeconds;
  return resolved;
}

/**
 * The set's part of its StatefulSets' names: lower-case, every character other than a-z and 0-9 as '-'
 * (`root.small` → `root-small`, StatefulSet `impala-executor-root-small-001`).
 */
export function setSlug(groupSet: string): string {
  return groupSet.toLowerCase().replace(/[^a-z0-9]/g, '-');
}

/** The spec of the set named `groupSet`, or undefined when the warehouse has no such set. */
export function setSpecOf(spec: WarehouseSpec, groupSet: string): WarehouseSpec | undefined {
  return setSpecs(spec).find((s) => s.groupSet === groupSet);
}
