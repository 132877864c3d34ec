// The scaling decision of DESIGN.md §2 "One tick of the control loop", as a pure function
// (spec, state, observation) → (state, actions, reasons). No I/O, no clock, no randomness: the workflow and the
// what-if simulator run this same code. Reasons use the seed system's wording exactly.
import { groupsForLoad, groupsNeeded, holds } from './capacity';
import { forecast, record, slotLabel, type Forecast } from './history';
import { limitsOf, type Limits } from './modes';
import { groupName } from './names';
import { currentRules } from './rules';
import type { Action, Counters, Decision, GroupObservation, Load, Observation, PolicyState, WarehouseSpec } from './types';

const ZERO: Counters = { up: 0, down: 0, suspend: 0, inScaleUp: 0 };

export function initialState(): PolicyState {
  return { tick: 0, current: 0, target: 0, counters: { ...ZERO }, paused: false, operatorSuspended: false, intent: 'none', state: 'Running', pending: [] };
}

/** Mutable scratch for one tick; `decide` returns a frozen copy of its outcome. */
class Tick {
  readonly reasons: string[] = [];
  readonly actions: Action[] = [];
  /** What history forecasts for the slot one start-up and one poll ahead, when that slot has not begun. */
  coming?: Forecast;
  constructor(
    readonly spec: WarehouseSpec,
    readonly limits: Limits,
    readonly s: PolicyState,
    /** Indexes whose names something else holds in the namespace (Observation.takenIndexes): never added. */
    readonly foreign: number[] = [],
  ) {}

  say(line: string): void {
    this.reasons.push(line);
  }

  /** Groups are numbered from 000; a name still in use (even by a group being deleted) is never reused. */
  add(n: number, taken: GroupObservation[], why?: 'prewarm'): string[] {
    const used = new Set([...taken.map((g) => g.index), ...this.foreign]);
    const names: string[] = [];
    for (let i = 0; names.length < n; i++) {
      if (used.has(i)) continue;
      used.add(i);
      const group = groupName(i);
      names.push(group);
      if (this.spec.dryRun) {
        this.say(`Dry run: would add new executor group: ${group}`);
      } else {
        this.say(`Adding new executor group: ${group}`);
        this.actions.push(why ? { type: 'add', group, index: i, why } : { type: 'add', group, index: i });
        this.s.pending.push({ name: group, sinceTick: this.s.tick });
      }
    }
    if (!this.spec.dryRun) this.s.target += n;
    return names;
  }

  remove(groups: GroupObservation[], why: Extract<Action, { type: 'remove' }>['why']): void {
    for (const g of groups) {
      if (this.spec.dryRun) {
        this.say(`Dry run: would remove executor group: ${g.name}`);
        continue;
      }
      this.say(`Removing executor group: ${g.name}`);
      this.actions.push({ type: 'remove', group: g.name, index: g.index, why });
      this.s.pending = this.s.pending.filter((p) => p.name !== g.name);
    }
    if (!this.spec.dryRun) this.s.target -= groups.length;
  }
}

export function decide(spec: WarehouseSpec, prev: PolicyState, obs: Observation): Decision {
  const s: PolicyState = structuredCloneState(prev);
  s.tick = prev.tick + 1;
  const t = new Tick(spec, limitsOf(spec, s.presets ?? 'current'), s, currentRules(prev) ? obs.takenIndexes : undefined);
  if (obs.kind === 'unknown') {
    unknownLoad(t, obs.reason);
  } else {
    known(t, obs.load, obs.groups, prev, obs.atMs);
  }
  t.say(`Impala-autoscaler sleeping for ${spec.pollIntervalSeconds}s`);
  return { state: s, actions: t.actions, reasons: t.reasons };
}

function structuredCloneState(p: PolicyState): PolicyState {
  return { ...p, counters: { ...p.counters }, pending: p.pending.map((x) => ({ ...x })), lastScaleUpFailure: p.lastScaleUpFailure && { ...p.lastScaleUpFailure, groups: [...p.lastScaleUpFailure.groups] } };
}

function unknownLoad(t: Tick, reason: string): void {
  // Nothing may change on a load we could not read: no counter advances, no group is added or removed.
  t.s.state = 'LoadUnknown';
  t.say(`Load for Group Set: ${t.spec.groupSet} is unknown: ${reason}`);
  t.say(`needsScaleDown/needsSuspend is false as the load is unknown; counters held (scale-down ${t.s.counters.down}, suspend ${t.s.counters.suspend}).`);
  if (t.s.intent !== 'none') t.say(`Operator ${t.s.intent} waits for a known load reading.`);
}

function known(t: Tick, load: Load, groups: GroupObservation[], prev: PolicyState, atMs: number | undefined): void {
  const { spec, limits, s } = t;
  const live = groups.filter((g) => !g.deleting);
  const ready = live.filter((g) => g.ready);
  const notReady = live.filter((g) => !g.ready);
  t.say(`Group Set: ${spec.groupSet} Load: numQueriesQueued ${load.queued}, numQueriesRunning ${load.running}`);
  t.say(`Processing Group Set: ${spec.groupSet}`);
  for (const w of load.warnings) t.say(`Warning: ${w}`);
  if (ready.length !== prev.current) t.say(`CurrentExecutorGroups updated from ${prev.current} to ${ready.length}`);
  // Level-triggered: current, target and pending come from what exists now, not from what the last tick did.
  s.current = ready.length;
  s.target = live.length;
  s.pending = notReady.map((g) => ({ name: g.name, sinceTick: prev.pending.find((p) => p.name === g.name)?.sinceTick ?? s.tick }));
  s.state = 'Running';
  learnHistory(t, load, ready, prev, atMs);

  if (operator(t, load, live, groups)) return;
  if (scaleUpInProgress(t, notReady)) return;
  if (prewarm(t, live, groups)) return;
  if (live.length === 0) return suspended(t, load, groups);
  if (live.length < limits.minGroups) {
    t.say(`needsScaleUp is true as current executor groups ${live.length} is below the minimum ${limits.minGroups}.`);
    t.say('Impala autoscaler will attempt to add executor group.');
    t.add(limits.minGroups - live.length, groups);
    return pendingLine(t);
  }
  if (live.length > limits.maxGroups) return aboveMax(t, ready);
  if (load.queued > 0) return queued(t, load, groups);
  s.counters.up = 0;
  if (s.current > limits.floorGroups) return scaleDown(t, load, ready);
  s.counters.down = 0;
  suspendCheck(t, load, live);
}

/**
 * Keeps the seasonal history and the observed start-up time, and looks one start-up and one poll ahead. Recorded in
 * every mode (a resize to a pre-warming mode then has history at once); used only by modes that pre-warm.
 */
function learnHistory(t: Tick, load: Load, ready: GroupObservation[], prev: PolicyState, atMs: number | undefined): void {
  const { s, spec, limits } = t;
  for (const g of ready) {
    const was = prev.pending.find((p) => p.name === g.name);
    if (was) s.startupTicks = s.tick - was.sinceTick;
  }
  if (atMs === undefined) return;
  s.history = record(prev.history, atMs, Math.min(limits.maxGroups, groupsForLoad(spec, load)));
  if (!limits.prewarm || s.startupTicks === undefined) return;
  const ahead = forecast(s.history, atMs + (s.startupTicks + 1) * spec.pollIntervalSeconds * 1000);
  if (ahead) t.coming = { ...ahead, groups: Math.min(limits.maxGroups, ahead.groups) };
}

/**
 * Adds, one start-up ahead, the groups history forecasts beyond those that exist — also to a suspended warehouse:
 * a recurring burst (dashboards refreshed at 08:00) is exactly what pre-warming is for. A wrong forecast costs the
 * groups until the normal scale-down and suspend rules release them, once the forecast slot has begun.
 */
function prewarm(t: Tick, live: GroupObservation[], groups: GroupObservation[]): boolean {
  const { s, spec, coming } = t;
  if (!coming || coming.groups <= live.length) return false;
  s.counters.up = s.counters.down = s.counters.suspend = 0;
  t.say(`Pre-warming: history shows ${coming.groups} groups needed at ${slotLabel(coming.atMs)}; adding ${coming.groups - live.length} executor groups.`);
  t.add(coming.groups - live.length, groups, 'prewarm');
  pendingLine(t);
  if (!spec.dryRun) s.state = 'ScalingUp';
  return true;
}

/** Groups history says are needed within a start-up are not released: a line saying so, or undefined. */
function heldByHistory(t: Tick, groups: number): string | undefined {
  const { coming } = t;
  if (!coming || coming.groups < groups) return undefined;
  return `history shows ${coming.groups} groups needed at ${slotLabel(coming.atMs)}`;
}

/** Operator messages take effect on the tick they wake; pause holds the size whatever the load. */
function operator(t: Tick, load: Load, live: GroupObservation[], groups: GroupObservation[]): boolean {
  const { s, spec, limits } = t;
  if (s.intent === 'suspend') {
    s.intent = 'none';
    s.operatorSuspended = true;
    s.counters = { ...ZERO };
    t.say(`Suspending warehouse: ${spec.name} as the operator asked; removing ${live.length} executor groups.`);
    t.remove(live, 'suspend');
    s.state = 'Suspended';
    return true;
  }
  if (s.intent === 'resume') {
    s.intent = 'none';
    s.operatorSuspended = false;
    if (live.length === 0) {
      t.say(`Resuming warehouse as the operator asked.`);
      t.add(Math.min(limits.maxGroups, limits.floorGroups), groups);
      pendingLine(t);
      s.state = spec.dryRun ? 'Suspended' : 'ScalingUp';
      return true;
    }
    t.say(`Resume asked for, but the warehouse is not suspended (${live.length} executor groups).`);
  }
  if (s.operatorSuspended) {
    s.counters = { ...ZERO };
    s.state = 'Suspended';
    t.say(`Warehouse is suspended by the operator; ${load.queued} queries queued wait for resume.`);
    return true;
  }
  if (s.paused) {
    s.counters = { ...ZERO };
    s.state = 'Paused';
    t.say(`Scaling is paused by the operator; holding ${s.current} executor groups, target ${s.target}.`);
    return true;
  }
  return false;
}

function scaleUpInProgress(t: Tick, notReady: GroupObservation[]): boolean {
  const { s, limits, spec } = t;
  if (notReady.length === 0) {
    s.counters.inScaleUp = 0;
    return false;
  }
  s.counters.up = 0;
  s.counters.down = 0;
  s.counters.suspend = 0;
  t.say(`needsScaleDown/needsSuspend is false as scaling in progress, current executor groups=${s.current}, target =${s.target}`);
  if (s.counters.inScaleUp >= limits.scaleUpTimeoutTicks) {
    const names = notReady.map((g) => g.name);
    const reason = `${names.join(', ')} not ready after ${spec.scaleUpTimeoutSeconds}s`;
    t.say(`Scale up from ${s.current} to ${s.target} Executor Groups has failed: ${reason}; removing the groups that never became ready.`);
    if (!spec.dryRun) s.lastScaleUpFailure = { tick: s.tick, groups: names, reason };
    t.remove(notReady, 'rollback');
    s.counters.inScaleUp = 0;
    return true;
  }
  t.say(`enoughConsecutive InScaleUp calls false as current ${s.counters.inScaleUp} target ${limits.scaleUpTimeoutTicks}`);
  s.counters.inScaleUp += 1;
  t.say(`Scale up from ${s.current} to ${s.target} Executor Groups is in progress.`);
  s.state = 'ScalingUp';
  return true;
}

function suspended(t: Tick, load: Load, groups: GroupObservation[]): void {
  const { s, limits } = t;
  s.counters = { ...ZERO };
  if (load.queued > 0) {
    t.say(`Resuming warehouse as there are ${load.queued} queries queued.`);
    t.add(Math.min(limits.maxGroups, limits.floorGroups), groups);
    pendingLine(t);
    s.state = t.spec.dryRun ? 'Suspended' : 'ScalingUp';
    return;
  }
  s.state = 'Suspended';
  t.say('Warehouse is suspended: 0 executor groups, no queries queued.');
}

function pendingLine(t: Tick): void {
  if (!t.spec.dryRun) t.say(`There is a scale up pending, targetExecutorGroups=${t.s.target}`);
}

function aboveMax(t: Tick, ready: GroupObservation[]): void {
  const { s, limits } = t;
  const excess = s.target - limits.maxGroups;
  t.say(`needsScaleDown is true as there are ${s.target} executor groups, above the maximum ${limits.maxGroups}.`);
  const idle = idleHighestFirst(ready).slice(0, excess);
  if (idle.length < excess) t.say(`${excess - idle.length} executor groups above the maximum have running queries; waiting for them to go idle.`);
  t.remove(idle, 'above-max');
  s.counters = { ...ZERO };
  if (idle.length > 0 && !t.spec.dryRun) s.state = 'ScalingDown';
}

function queued(t: Tick, load: Load, groups: GroupObservation[]): void {
  const { s, limits, spec } = t;
  s.counters.down = 0;
  s.counters.suspend = 0;
  t.say(`needsScaleDown/needsSuspend is false as there are ${load.queued} queries queued.`);
  if (s.target >= limits.maxGroups) {
    s.counters.up = 0;
    t.say(`needsScaleUp is false as executor groups are at the maximum ${limits.maxGroups}, with ${load.queued} queries queued.`);
    return;
  }
  t.say(`needsScaleUp is true as there are ${load.queued} queries queued.`);
  if (s.counters.up < limits.upTicks) {
    t.say(`enoughConsecutive Up calls false as current ${s.counters.up} target ${limits.upTicks}`);
    s.counters.up += 1;
    return;
  }
  s.counters.up = 0;
  const wanted = limits.step === 'queue' ? groupsNeeded(spec, load.queued, load.queuedQueryMemBytes) : 1;
  t.say('Impala autoscaler will attempt to add executor group.');
  t.add(Math.min(wanted, limits.maxGroups - s.target), groups);
  pendingLine(t);
  if (!spec.dryRun) s.state = 'ScalingUp';
}

function scaleDown(t: Tick, load: Load, ready: GroupObservation[]): void {
  const { s, limits, spec } = t;
  s.counters.suspend = 0;
  const fewer = s.current - 1;
  const fit = holds(spec, fewer, load.running, load.memReservedBytes);
  if (!fit.slots || !fit.memory) {
    s.counters.down = 0;
    t.say(
      fit.slots
        ? `needsScaleDown is false as ${fewer} executor groups would not hold the ${load.memReservedBytes} bytes reserved by running queries.`
        : `needsScaleDown is false as ${fewer} executor groups would not hold ${load.running} running queries.`,
    );
    return;
  }
  const held = heldByHistory(t, s.current);
  if (held) {
    s.counters.down = 0;
    t.say(`needsScaleDown is false as ${held}.`);
    return;
  }
  t.say(`needsScaleDown is true as there are no queries queued and ${fewer} executor groups would hold ${load.running} running queries.`);
  if (limits.release === 'surplus') {
    const peak = s.counters.down === 0 ? undefined : s.downPeak;
    s.downPeak = { running: Math.max(peak?.running ?? 0, load.running), memReservedBytes: Math.max(peak?.memReservedBytes ?? 0, load.memReservedBytes) };
  }
  if (s.counters.down < limits.downTicks) {
    t.say(`enoughConsecutive Down calls false as current ${s.counters.down} target ${limits.downTicks}`);
    s.counters.down += 1;
    return;
  }
  const idle = idleHighestFirst(ready);
  if (idle.length === 0) {
    // Keep the counter: the delay has been served, the first group to go idle is removed.
    t.say('Every executor group has running queries; waiting for one to go idle before removing it.');
    return;
  }
  s.counters.down = 0;
  t.say('Impala autoscaler will attempt to remove executor group.');
  t.remove(idle.slice(0, releasable(t, s.downPeak ?? load, idle.length)), 'scale-down');
  delete s.downPeak;
  if (!spec.dryRun) {
    t.say(`Scale down from ${s.current} to ${s.target} Executor Groups.`);
    s.state = 'ScalingDown';
  }
}

/**
 * How many idle groups a served scale-down delay removes: one, or with `release: 'surplus'` every group the load does
 * not need — down to the fewest groups (not below the floor) that would have held the highest load of the whole delay,
 * by slots and by memory — so that capacity added for a burst goes back after one delay instead of one group per
 * delay, while a load that merely dipped on the last tick keeps its groups.
 */
function releasable(t: Tick, peak: { running: number; memReservedBytes: number }, idle: number): number {
  const { s, limits, spec } = t;
  if (limits.release === 'one') return 1;
  let keep = s.current - 1;
  while (keep - 1 >= Math.max(limits.floorGroups, t.coming?.groups ?? 0)) {
    const fit = holds(spec, keep - 1, peak.running, peak.memReservedBytes);
    if (!fit.slots || !fit.memory) break;
    keep -= 1;
  }
  return Math.max(1, Math.min(s.current - keep, idle));
}

function suspendCheck(t: Tick, load: Load, live: GroupObservation[]): void {
  const { s, limits, spec } = t;
  if (!spec.autoSuspend.enabled || load.running > 0) {
    s.counters.suspend = 0;
    t.say(
      spec.autoSuspend.enabled
        ? `needsScaleDown/needsSuspend is false as there are ${load.running} queries running on ${s.current} executor groups (minimum ${limits.floorGroups}).`
        : `needsScaleDown/needsSuspend is false as executor groups are at the minimum ${limits.floorGroups} and auto-suspend is disabled.`,
    );
    return;
  }
  const held = heldByHistory(t, 1);
  if (held) {
    s.counters.suspend = 0;
    t.say(`needsSuspend is false as ${held}.`);
    return;
  }
  t.say('needsSuspend is true as there are no queries running or queued.');
  if (s.counters.suspend < limits.suspendTicks) {
    t.say(`enoughConsecutive Suspend calls false as current ${s.counters.suspend} target ${limits.suspendTicks}`);
    s.counters.suspend += 1;
    return;
  }
  s.counters = { ...ZERO };
  t.say(`Suspending warehouse: ${spec.name} after ${spec.autoSuspend.timeoutSeconds}s idle; removing ${live.length} executor groups.`);
  t.remove(live, 'suspend');
  if (!spec.dryRun) s.state = 'Suspended';
}

/** Drain-safe choice: the highest-numbered groups, which Impala fills last, and only those running nothing. */
function idleHighestFirst(ready: GroupObservation[]): GroupObservation[] {
  return ready.filter((g) => g.runningQueries === 0).sort((a, b) => b.index - a.index);
}
