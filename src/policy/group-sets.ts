// A warehouse of several executor group sets is, per set, a warehouse of one set: each set is resolved into a full
// WarehouseSpec of its own (its values over the warehouse's) and observed, decided and acted on with the code that
// serves a one-set warehouse, with a PolicyState of its own. A warehouse without groupSets is its own one set.
import { GROUP_PREFIX } from './names';
import type { GroupSetSpec, Observation, PolicyState, WarehouseSpec, WarehouseState } from './types';

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

/**
 * Whether a set keeps the other sets of its warehouse from auto-suspending this tick: queries queued or running in
 * its pool, or groups it started that are not ready yet.
 */
export function setIsBusy(observation: Observation, state: PolicyState): boolean {
  if (state.pending.length > 0) return true;
  return observation.kind === 'known' && (observation.load.queued > 0 || observation.load.running > 0);
}

/**
 * Each set's observation of one tick with `busySets`, the other sets of the warehouse that are busy (src/policy/
 * decide.ts does not auto-suspend a set while any is). `sets`: every set of the warehouse, with its observation and
 * its state before the tick. The workflow and the what-if engine fill busySets with this.
 */
export function withBusySets(
  sets: { groupSet: string; observation: Observation; state: PolicyState }[],
): Observation[] {
  const busy = sets.filter((s) => setIsBusy(s.observation, s.state)).map((s) => s.groupSet);
  return sets.map(({ groupSet, observation }) =>
    observation.kind === 'known' ? { ...observation, busySets: busy.filter((b) => b !== groupSet) } : observation,
  );
}

/**
 * The warehouse as a whole, from its sets' states (in setSpecs order): their groups summed, the operator's flags and
 * the rules (the same in every set), and one state — Suspended only when every set is, else the most telling of
 * theirs. The status query, search attributes and `warehouse list` show it.
 */
export function summaryState(states: PolicyState[]): PolicyState {
  const [first] = states;
  const all = (w: WarehouseState) => states.every((s) => s.state === w);
  const any = (w: WarehouseState) => states.some((s) => s.state === w);
  const state: WarehouseState = all('Suspended') ? 'Suspended' : (SUMMARY_ORDER.find(any) ?? 'Running');
  return {
    tick: Math.max(...states.map((s) => s.tick)),
    current: sum(states.map((s) => s.current)),
    target: sum(states.map((s) => s.target)),
    counters: { up: 0, down: 0, suspend: 0, inScaleUp: 0 },
    paused: first.paused,
    operatorSuspended: first.operatorSuspended,
    intent: first.intent,
    state,
    pending: states.flatMap((s) => s.pending),
    ...(first.frozen ? { frozen: first.frozen } : {}),
    ...(first.rules ? { rules: first.rules } : {}),
    ...(first.presets ? { presets: first.presets } : {}),
  };
}

/** Which of the sets' states the warehouse shows when they differ (and not every set is suspended). */
const SUMMARY_ORDER: WarehouseState[] = ['Paused', 'LoadUnknown', 'ScalingUp', 'ScalingDown', 'Running'];

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
