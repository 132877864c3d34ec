// Which live groups are capacity this tick, and what becomes of those that are not. Capacity is a group Ready in
// Kubernetes AND healthy in Impala (registered with enough active executors, per /backends) when the observation
// carries Impala's view; without it (earlier releases' histories, in-process readers) Kubernetes' Ready alone counts.
// A group that is not capacity is either *pending* (created, never yet capacity: a scale-up in progress, rolled back
// at scaleUpTimeoutSeconds) or *degraded* (was capacity at some tick, is not now: blocks nothing, is never removed
// while it may run queries, and is replaced past degradedReplaceSeconds — a new group first, the degraded one removed
// once idle).
import { backingOff, backoffNote } from './backoff';
import { groupName, impalaGroupName } from './names';
import type { Tick } from './tick';
import type { GroupObservation, ImpalaGroupHealth, Load, PolicyState, WarehouseSpec } from './types';

export interface GroupsView {
  /** Capacity. */
  ready: GroupObservation[];
  /** Created, never yet capacity. */
  pending: GroupObservation[];
  /** Were capacity, are not now, not yet replaced. */
  degraded: GroupObservation[];
  /** Degraded and already replaced: removed once idle, no longer counted against the bounds. */
  retiring: GroupObservation[];
}

/** Why a group is not capacity, for the decision log and `warehouse status`; undefined when nobody says. */
export function notCapacityWhy(spec: WarehouseSpec, load: Load, g: GroupObservation): string | undefined {
  // Quoted inside a sentence of ours: its own final period would double ours.
  if (!g.ready) return g.problem?.replace(/\.$/, '');
  const h = impalaView(spec, load, g);
  return h === 'healthy' ? undefined : `Ready in Kubernetes but not healthy in Impala: ${impalaDetail(spec, g, h)}`;
}

/** The earlier releases' view: Ready in Kubernetes is capacity, anything else a pending scale-up. */
export function kubernetesOnly(live: GroupObservation[]): GroupsView {
  return { ready: live.filter((g) => g.ready), pending: live.filter((g) => !g.ready), degraded: [], retiring: [] };
}

/** Sorts the live groups, says which are not capacity and why, and keeps `seenReady` and `replacing` in `t.s`. */
export function classify(t: Tick, load: Load, live: GroupObservation[], prev: PolicyState): GroupsView {
  const { s, spec } = t;
  const capacity = (g: GroupObservation) => g.ready && impalaView(spec, load, g) === 'healthy';
  for (const g of live) {
    const h = impalaView(spec, load, g);
    if (g.ready && h !== 'healthy')
      t.say(`Executor group ${g.name} is Ready in Kubernetes but not healthy in Impala: ${impalaDetail(spec, g, h)}.`);
  }
  const seen = new Map((prev.seenReady ?? []).map((x) => [x.name, x.tick]));
  const ready = live.filter(capacity);
  for (const g of ready) seen.set(g.name, s.tick);
  const notReady = live.filter((g) => !capacity(g));
  const wasReady = notReady.filter((g) => seen.has(g.name));
  // A replaced group stays replaced whatever becomes of its replacement (scaled down as surplus, or rolled back): it
  // goes once idle, and the minimum and the queue bring what capacity is needed — not another replacement.
  const replacing = (prev.replacing ?? []).filter((r) => wasReady.some((g) => g.name === r.name));
  const seenNow = live.filter((g) => seen.has(g.name)).map((g) => ({ name: g.name, tick: seen.get(g.name)! }));
  setOrDelete(s, 'seenReady', seenNow);
  setOrDelete(s, 'replacing', replacing);
  const notes: { name: string; why: string }[] = [];
  for (const g of notReady) {
    const why = notCapacityWhy(spec, load, g);
    const readyAt = seen.get(g.name);
    if (readyAt !== undefined) {
      // Impala's details were said just above; Kubernetes' are said here.
      const short = g.ready ? 'Ready in Kubernetes but not healthy in Impala' : (why ?? 'not Ready in Kubernetes');
      t.say(`Executor group ${g.name} is degraded: ${short} (was ready at tick ${readyAt}); not counted as capacity.`);
      notes.push({ name: g.name, why: `degraded since tick ${readyAt + 1}: ${why ?? 'not Ready in Kubernetes'}` });
    } else if (why !== undefined) {
      notes.push({ name: g.name, why: `not ready yet: ${why}` });
    }
  }
  setOrDelete(s, 'notCapacity', notes);
  const retiring = wasReady.filter((g) => replacing.some((r) => r.name === g.name));
  return {
    ready,
    pending: notReady.filter((g) => !seen.has(g.name)),
    degraded: wasReady.filter((g) => !retiring.includes(g)),
    retiring,
  };
}

/**
 * Replaces each group not Ready in Kubernetes for longer than degradedReplaceSeconds, and removes the replaced ones
 * that run no queries. A group Ready in Kubernetes but unhealthy in Impala is not replaced: a new group would meet
 * the same --executor_groups flag, statestore or blacklisting; it is reported every tick instead.
 */
export function replaceDegraded(t: Tick, view: GroupsView, groups: GroupObservation[]): void {
  const { s, spec, limits } = t;
  const retiring = [...view.retiring];
  for (const d of view.degraded) {
    if (d.ready) continue;
    const readyAt = s.seenReady!.find((x) => x.name === d.name)!.tick;
    const degradedFor = s.tick - readyAt - 1;
    if (degradedFor < limits.degradedTicks) {
      t.say(
        `enoughConsecutive Degraded calls false for ${d.name} as current ${degradedFor} target ${limits.degradedTicks}`,
      );
      continue;
    }
    if (backingOff(s)) {
      t.say(`Executor group ${d.name} is due for replacement, but ${backoffNote(spec, s, t.atMs)}.`);
      continue;
    }
    const [index] = t.freeIndexes(1, groups);
    t.because(
      'replace',
      `Executor group ${d.name} has not been ready since tick ${readyAt} (degradedReplaceSeconds ${spec.degradedReplaceSeconds}s); replacing it with ${groupName(index, spec.groupPrefix)}.`,
    );
    t.add(1, groups, 'replace');
    if (spec.dryRun) continue;
    s.replacing = [...(s.replacing ?? []), { name: d.name, by: groupName(index, spec.groupPrefix) }];
    retiring.push(d);
  }
  for (const r of retiring) {
    const by = s.replacing!.find((x) => x.name === r.name)!.by;
    if (t.busy(r)) {
      t.say(`Degraded executor group ${r.name} ${busyText(t, r)}; removing it once idle (replaced by ${by}).`);
    } else {
      t.because('replace', `Degraded executor group ${r.name} runs no queries; removing it (replaced by ${by}).`);
      // One replaced on an earlier tick is no longer in the target; one replaced just now still is.
      t.remove([r], 'replace', !view.retiring.includes(r));
    }
  }
}

/** Why a busy group is kept: its running queries, or the coordinators whose queries are not counted. */
export function busyText(t: Tick, g: GroupObservation): string {
  if (g.runningQueries > 0) return `runs ${g.runningQueries} queries`;
  return `may run queries (${t.unreachable!.length > 1 ? 'coordinators' : 'coordinator'} ${t.unreachable!.join(', ')} did not answer)`;
}

type ImpalaView = 'healthy' | ImpalaGroupHealth | undefined;

/** 'healthy' when Impala admits queries to the group, or when the observation does not carry Impala's view. */
function impalaView(spec: WarehouseSpec, load: Load, g: GroupObservation): ImpalaView {
  if (!load.impalaGroups) return 'healthy';
  const h = load.impalaGroups[impalaGroupName(spec.groupSet, g.index)];
  return h?.healthy ? 'healthy' : h;
}

function impalaDetail(spec: WarehouseSpec, g: GroupObservation, h: Exclude<ImpalaView, 'healthy'>): string {
  const name = impalaGroupName(spec.groupSet, g.index);
  const size = spec.executorsPerGroup;
  if (!h || h.executors < size)
    return `${h?.executors ?? 0} of ${size} executors registered as ${name} (check the pods' --executor_groups flag and the statestore)`;
  if (h.blacklisted)
    return `${h.blacklisted} of ${h.executors} executors of ${name} blacklisted (Impala blacklists an executor whose RPCs fail; see that executor's log)`;
  if (h.quiescing) return `${name} is quiescing (an executor is shutting down)`;
  return `${h.active} of ${size} executors of ${name} active`;
}

function setOrDelete<K extends 'seenReady' | 'replacing' | 'notCapacity'>(
  s: PolicyState,
  key: K,
  value: NonNullable<PolicyState[K]>,
): void {
  if (value.length > 0) s[key] = value;
  else delete s[key];
}
