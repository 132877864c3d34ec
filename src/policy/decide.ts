// The scaling decision of docs/design.md, "The tick", as a pure function
// (spec, state, observation) → (state, actions, reasons). No I/O, no clock, no randomness: the workflow and the
// what-if simulator run this same code. Reasons use the seed system's wording exactly.
import { backingOff, backoffNote, scaleUpFailure } from './backoff';
import { learnIdleGaps, learnSurplusGaps, releaseDelayText, suspendIdleText, withBreakEven } from './break-even';
import { budgetExecutors, countBudgets, heldByBudget } from './budgets';
import { holdSuspended, type SuspendHold } from './held-suspended';
import { drainedStep, rememberQueue, resumeStep, topUp } from './queue-step';
import { groupsForLoad, groupsNeeded, holds, runningGroupsNeeded } from './capacity';
import { busyText, classify, kubernetesOnly, notCapacityWhy, replaceDegraded } from './degraded';
import { type FleetAllowance, fleetAllows } from './fleet';
import { heldByFreeze } from './freeze';
import { forecast, record, slotLabel } from './history';
import { queuedMems } from './mem-summary';
import { limitsOf } from './modes';
import { learnOpenings } from './openings';
import { checkQueueTimeout, countImpalaFailures, poolHold, usefulQueue } from './pool-limits';
import { rulesFrom } from './rules';
import { heldBySchedule, isoMinute, scheduledRules, scheduleMinText, withScheduledMin } from './schedules';
import { Tick } from './tick';
import type { Counters, Decision, GroupObservation, Load, Observation, PolicyState, WarehouseSpec } from './types';

const ZERO: Counters = { up: 0, down: 0, suspend: 0, inScaleUp: 0 };

export function initialState(): PolicyState {
  return {
    tick: 0,
    current: 0,
    target: 0,
    counters: { ...ZERO },
    paused: false,
    operatorSuspended: false,
    intent: 'none',
    state: 'Running',
    pending: [],
  };
}

/**
 * `fleet`: what the warehouse's fleet granted this tick (src/policy/fleet.ts), when it granted less than an earlier
 * decision of the same tick wanted to add; absent, as for a warehouse without a fleet, nothing limits the adds.
 */
export function decide(spec: WarehouseSpec, prev: PolicyState, obs: Observation, fleet?: FleetAllowance): Decision {
  const s: PolicyState = structuredCloneState(prev);
  s.tick = prev.tick + 1;
  const atMs = obs.kind === 'known' ? obs.atMs : undefined;
  const limits = withBreakEven(spec, limitsOf(spec, s.presets ?? 'current'), s);
  // Release 5's schedules and budgets, only on a known load: they need the tick's time (and the budgets its groups).
  const release5 = obs.kind === 'known' && rulesFrom(s, 'release-5');
  const budget = release5 ? countBudgets(spec, s, atMs) : undefined;
  const schedule = release5 ? scheduledRules(spec, s, obs.schedule, atMs) : undefined;
  const notes = budget?.notes ?? [];
  if (schedule?.min && budget?.rules.block) {
    // The budget wins: a window's minimum above the spec's is a scale-up it blocks.
    if (schedule.min.groups > limits.floorGroups)
      notes.push(
        `Schedule ${schedule.min.schedule} asks for at least ${schedule.min.groups} executor groups, but ${budget.rules.block.by} blocks scale-up above the minimum ${limits.floorGroups} until ${isoMinute(budget.rules.block.untilMs)}.`,
      );
    delete schedule.min;
  }
  const t = new Tick(
    spec,
    schedule?.min ? withScheduledMin(limits, schedule.min.groups) : limits,
    s,
    obs.takenIndexes,
    atMs,
  );
  t.schedule = schedule;
  t.budget = budget?.rules;
  if (fleet) t.fleet = { ...fleet };
  if (obs.kind === 'unknown') {
    unknownLoad(t, obs.reason);
  } else {
    if (t.release5 && obs.busySets?.length) t.busySets = obs.busySets;
    known(t, obs.load, obs.groups, prev, notes);
    if (release5) budgetExecutors(t, obs.groups);
  }
  t.say(`Impala-autoscaler sleeping for ${spec.pollIntervalSeconds}s`);
  const rule = t.acted?.rule ?? (obs.kind === 'unknown' ? 'unknown-load' : 'hold');
  return { state: s, actions: t.actions, reasons: t.reasons, rule, ...(t.acted ? { why: t.acted.why } : {}) };
}

function structuredCloneState(p: PolicyState): PolicyState {
  return {
    ...p,
    counters: { ...p.counters },
    pending: p.pending.map((x) => ({ ...x })),
    lastScaleUpFailure: p.lastScaleUpFailure && { ...p.lastScaleUpFailure, groups: [...p.lastScaleUpFailure.groups] },
  };
}

function unknownLoad(t: Tick, reason: string): void {
  // Nothing may change on a load we could not read: no counter advances, no group is added or removed.
  t.s.state = 'LoadUnknown';
  t.say(`Load for Group Set: ${t.spec.groupSet} is unknown: ${reason}`);
  t.say(
    `needsScaleDown/needsSuspend is false as the load is unknown; counters held (scale-down ${t.s.counters.down}, suspend ${t.s.counters.suspend}).`,
  );
  if (t.s.intent !== 'none') t.say(`Operator ${t.s.intent} waits for a known load reading.`);
}

function known(t: Tick, load: Load, groups: GroupObservation[], prev: PolicyState, notes: string[]): void {
  const { spec, limits, s } = t;
  const live = groups.filter((g) => !g.deleting);
  if (t.release3 && load.unreachableCoordinators?.length) t.unreachable = load.unreachableCoordinators;
  t.say(`Group Set: ${spec.groupSet} Load: numQueriesQueued ${load.queued}, numQueriesRunning ${load.running}`);
  t.say(`Processing Group Set: ${spec.groupSet}`);
  for (const w of load.warnings) t.say(`Warning: ${w}`);
  for (const note of notes) t.say(note);
  const view = t.release3 ? classify(t, load, live, prev) : kubernetesOnly(live);
  const { ready, pending, degraded } = view;
  // Replaced groups are on their way out: the bounds and the target count their replacements instead.
  const kept = live.filter((g) => !view.retiring.includes(g));
  if (ready.length !== prev.current) t.say(`CurrentExecutorGroups updated from ${prev.current} to ${ready.length}`);
  // Level-triggered: current, target and pending come from what exists now, not from what the last tick did.
  s.current = ready.length;
  s.target = kept.length;
  s.pending = pending.map((g) => ({
    name: g.name,
    sinceTick: prev.pending.find((p) => p.name === g.name)?.sinceTick ?? s.tick,
  }));
  s.state = 'Running';
  delete s.queueHeld;
  if (t.release3 && live.length > 0) delete s.autoSuspended;
  learnHistory(t, load, ready, prev);
  if (t.release4) {
    countImpalaFailures(t, load, prev);
    checkQueueTimeout(t, load);
    learnIdleGaps(spec, s, load);
    learnSurplusGaps(spec, s, load);
    rememberQueue(s, load);
  }

  const hold = suspendHold(t);
  if (hold && s.intent === 'resume') {
    s.intent = 'none';
    s.operatorSuspended = false;
    t.say(`Resume asked for, but ${hold.by} holds the warehouse suspended until ${isoMinute(hold.untilMs)}.`);
  }
  if (operator(t, load, live, groups)) return;
  if (hold) return holdSuspended(t, load, live, hold);
  if (t.release3) replaceDegraded(t, view, groups);
  if (scaleUpInProgress(t, load, pending)) {
    if (t.release4 && t.s.state === 'ScalingUp' && !backingOff(s) && !t.budget?.block)
      topUp(t, load, prev, pending, groups);
    return;
  }
  if (prewarm(t, kept, groups)) return;
  // A schedule's minimum resumes a suspended warehouse (belowMin adds its groups).
  if (live.length === 0 && (!t.release3 || suspendedBefore(prev) || limits.minGroups === 0) && !t.schedule?.min)
    return suspended(t, load, groups, prev);
  if (kept.length < limits.minGroups) return belowMin(t, kept, groups);
  if (kept.length > limits.maxGroups) return aboveMax(t, ready, degraded);
  t.held = t.release4 ? poolHold(spec, load) : undefined;
  if (load.queued > 0 && !t.held) return queued(t, load, groups, prev);
  s.counters.up = 0;
  if (t.held) {
    // No group admits this queue sooner: it is no reason to add groups, nor to keep those its limit leaves idle.
    s.queueHeld = t.held;
    t.say(`needsScaleUp is false as ${t.held}`);
  }
  if (t.unreachable) return partialHold(t);
  if (s.current > limits.floorGroups) return scaleDown(t, load, ready);
  s.counters.down = 0;
  if (t.held) {
    s.counters.suspend = 0;
    return;
  }
  suspendCheck(t, load, live);
}

/**
 * With no group left, the warehouse waits for a query only when it was suspended (by the auto-suspend rule, or by
 * the operator, handled before); groups deleted by hand or never created are restored to the minimum at once. A run
 * continued from an earlier release carries no `autoSuspended`: its last state says whether it had suspended.
 */
function suspendedBefore(prev: PolicyState): boolean {
  return prev.autoSuspended ?? prev.state === 'Suspended';
}

/** What holds the warehouse suspended this tick (release 5's rules): a used-up budget, or a schedule's window. */
function suspendHold(t: Tick): SuspendHold | undefined {
  if (t.budget?.suspend) return t.budget.suspend;
  const window = t.schedule?.suspend;
  return window && { by: `schedule ${window.schedule}`, untilMs: window.untilMs };
}

function belowMin(t: Tick, kept: GroupObservation[], groups: GroupObservation[]): void {
  const { s, limits } = t;
  const min = t.schedule?.min;
  const of = min && Math.min(min.groups, limits.maxGroups) === limits.minGroups ? ` ${scheduleMinText(min)}` : '';
  const line = `needsScaleUp is true as current executor groups ${kept.length} is below the minimum ${limits.minGroups}${of}`;
  if (t.release3 && backingOff(s)) {
    t.say(`${line}, but ${backoffNote(t.spec, s, t.atMs)}.`);
    return;
  }
  if (heldByFreeze(t, 'scale-out', line)) return;
  t.because('min', `${line}.`);
  const allowed = fleetAllows(t, limits.minGroups - kept.length);
  if (allowed === 0) return;
  t.say('Impala autoscaler will attempt to add executor group.');
  t.add(allowed, groups);
  pendingLine(t);
}

/**
 * A coordinator that did not answer holds its own queries: every group's running count may be short, so a busy group
 * could look idle. Scale-down and suspend wait, counters held as with an unknown load, until every coordinator
 * answers; the queue (agg_num_queued, cluster-wide from the statestore) is still acted on.
 */
function partialHold(t: Tick): void {
  const { s } = t;
  const who = `${t.unreachable!.length > 1 ? 'coordinators' : 'coordinator'} ${t.unreachable!.join(', ')}`;
  s.state = 'Running';
  t.say(
    `needsScaleDown/needsSuspend is false as ${who} did not answer: the running queries of each executor group are not fully known; counters held (scale-down ${s.counters.down}, suspend ${s.counters.suspend}).`,
  );
}

/**
 * Keeps the seasonal history and the observed start-up time, and looks one start-up and one poll ahead. Recorded in
 * every mode (a resize to a pre-warming mode then has history at once); used only by modes that pre-warm.
 */
function learnHistory(t: Tick, load: Load, ready: GroupObservation[], prev: PolicyState): void {
  const { s, spec, limits, atMs } = t;
  for (const g of ready) {
    const was = prev.pending.find((p) => p.name === g.name);
    if (!was) continue;
    s.startupTicks = s.tick - was.sinceTick;
    // A group created since the last failure became ready: scale-ups work again. One created on the very tick of a
    // refused create (a step of two, one of them over a quota) says nothing of the next attempt.
    if (t.release3 && was.sinceTick > (prev.lastScaleUpFailure?.tick ?? -1)) delete s.scaleUpBackoff;
  }
  if (atMs === undefined) return;
  // Pre-warming learns only the load groups could serve: a queue the pool's own limits hold needs none.
  if (t.release4) return learnOpenings(t, { ...load, queued: usefulQueue(spec, load) }, atMs);
  s.history = record(prev.history, atMs, Math.min(limits.maxGroups, groupsForLoad(spec, load, t.release3)));
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
  // A forecast is no reason to retry a scale-up that keeps failing; a queue says so in its own line.
  if (t.release3 && backingOff(s)) return false;
  // Held, the tick goes on: the other rules still serve the load that is there now.
  const wanted = `Pre-warming: history shows ${coming.groups} groups needed at ${slotLabel(coming.atMs)}`;
  if (heldByFreeze(t, 'scale-out', wanted) || heldByBudget(t, wanted)) return false;
  const allowed = fleetAllows(t, coming.groups - live.length, wanted);
  if (allowed === 0) return false;
  s.counters.up = s.counters.down = s.counters.suspend = 0;
  t.because('prewarm', `${wanted}; adding ${allowed} executor groups.`);
  t.add(allowed, groups, 'prewarm');
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
  if (s.intent === 'suspend' && t.release3 && spec.dryRun) {
    // Dry run all the way: say what the suspend would remove, and keep deciding as the groups that still run require.
    s.intent = 'none';
    t.because(
      'operator',
      `Suspending warehouse: ${spec.name} as the operator asked; removing ${live.length} executor groups.`,
    );
    t.remove(live, 'suspend');
    return true;
  }
  if (s.intent === 'suspend') {
    s.intent = 'none';
    s.operatorSuspended = true;
    s.counters = { ...ZERO };
    t.because(
      'operator',
      `Suspending warehouse: ${spec.name} as the operator asked; removing ${live.length} executor groups.`,
    );
    t.remove(live, 'suspend');
    s.state = 'Suspended';
    return true;
  }
  if (s.intent === 'resume') {
    s.intent = 'none';
    s.operatorSuspended = false;
    if (live.length === 0) {
      if (t.release3 && !spec.dryRun) s.autoSuspended = false;
      t.because('operator', `Resuming warehouse as the operator asked.`);
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
    if (t.release3 && live.length > 0 && !spec.dryRun) {
      // The suspend's removals did not all finish (the API refused or stalled past the tick's bound): the state must
      // not say Suspended while groups run, so the suspend goes on until none is left.
      t.because('operator', `Suspend is not finished: ${live.length} executor groups remain; removing them.`);
      t.remove(live, 'suspend');
    }
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

function scaleUpInProgress(t: Tick, load: Load, notReady: GroupObservation[]): boolean {
  const { s, limits, spec } = t;
  if (notReady.length === 0) {
    s.counters.inScaleUp = 0;
    return false;
  }
  s.counters.up = 0;
  s.counters.down = 0;
  s.counters.suspend = 0;
  t.say(
    `needsScaleDown/needsSuspend is false as scaling in progress, current executor groups=${s.current}, target =${s.target}`,
  );
  if (t.release3) return timedScaleUp(t, load, notReady);
  if (s.counters.inScaleUp >= limits.scaleUpTimeoutTicks) {
    const names = notReady.map((g) => g.name);
    const reason = `${names.join(', ')} not ready after ${spec.scaleUpTimeoutSeconds}s`;
    t.because(
      'rollback',
      `Scale up from ${s.current} to ${s.target} Executor Groups has failed: ${reason}; removing the groups that never became ready.`,
    );
    if (!spec.dryRun) s.lastScaleUpFailure = { tick: s.tick, groups: names, reason };
    t.remove(notReady, 'rollback');
    s.counters.inScaleUp = 0;
    return true;
  }
  t.say(
    `enoughConsecutive InScaleUp calls false as current ${s.counters.inScaleUp} target ${limits.scaleUpTimeoutTicks}`,
  );
  s.counters.inScaleUp += 1;
  t.say(`Scale up from ${s.current} to ${s.target} Executor Groups is in progress.`);
  s.state = 'ScalingUp';
  return true;
}

/**
 * The scale-up in progress with the current rules: each group not ready says why (Kubernetes' or Impala's words);
 * past scaleUpTimeoutSeconds the failure is recorded (and backs off further scale-ups, src/policy/backoff.ts) and the
 * groups that never became ready are removed — except one that may run queries, which is removed once idle.
 */
function timedScaleUp(t: Tick, load: Load, pending: GroupObservation[]): boolean {
  const { s, limits, spec } = t;
  const whys = pending.map((g) => ({ g, why: notCapacityWhy(spec, load, g) }));
  // Kubernetes' reason, when it gives one; Impala's disagreement was said with the groups (degraded.ts classify).
  for (const { g, why } of whys) if (why && !g.ready) t.say(`Executor group ${g.name} is not ready yet: ${why}.`);
  if (s.counters.inScaleUp < limits.scaleUpTimeoutTicks) {
    t.say(
      `enoughConsecutive InScaleUp calls false as current ${s.counters.inScaleUp} target ${limits.scaleUpTimeoutTicks}`,
    );
    s.counters.inScaleUp += 1;
    t.say(`Scale up from ${s.current} to ${s.target} Executor Groups is in progress.`);
    s.state = 'ScalingUp';
    return true;
  }
  if (s.counters.inScaleUp === limits.scaleUpTimeoutTicks) {
    const names = pending.map((g) => g.name);
    const causes = whys.filter((x) => x.why).map((x) => (pending.length > 1 ? `${x.g.name}: ${x.why}` : x.why));
    const reason = `${names.join(', ')} not ready after ${spec.scaleUpTimeoutSeconds}s${causes.length ? ` (${causes.join('; ')})` : ''}`;
    t.because(
      'rollback',
      `Scale up from ${s.current} to ${s.target} Executor Groups has failed: ${reason}; removing the groups that never became ready.`,
    );
    if (!spec.dryRun) Object.assign(s, scaleUpFailure(spec, s, names, reason));
  }
  const busy = pending.filter((g) => t.busy(g));
  for (const g of busy)
    t.because('rollback', `Executor group ${g.name} never became ready but ${busyText(t, g)}; removing it once idle.`);
  t.remove(
    pending.filter((g) => !t.busy(g)),
    'rollback',
  );
  // Past the timeout the counter goes on while a busy group waits to be removed, so the failure is recorded once.
  s.counters.inScaleUp = busy.length > 0 ? s.counters.inScaleUp + 1 : 0;
  return true;
}

function suspended(t: Tick, load: Load, groups: GroupObservation[], prev: PolicyState): void {
  const { s, limits } = t;
  s.counters = { ...ZERO };
  if (load.queued > 0) {
    if (t.release3 && backingOff(s)) {
      s.state = 'Suspended';
      t.say(`needsScaleUp is true as there are ${load.queued} queries queued, but ${backoffNote(t.spec, s, t.atMs)}.`);
      return;
    }
    if (
      heldByFreeze(
        t,
        'scale-out',
        `needsScaleUp is true as there are ${load.queued} queries queued`,
        'the warehouse stays suspended',
      )
    ) {
      s.state = 'Suspended';
      return;
    }
    const block = t.budget?.block;
    const wantedStep = resumeStep(t, load, prev);
    const step = Math.min(limits.maxGroups, Math.max(limits.floorGroups, block ? 0 : wantedStep));
    const allowed = fleetAllows(t, step, `needsScaleUp is true as there are ${load.queued} queries queued,`);
    if (allowed === 0) {
      s.state = 'Suspended';
      return;
    }
    if (t.release3 && !t.spec.dryRun) s.autoSuspended = false;
    t.because('resume', `Resuming warehouse as there are ${load.queued} queries queued.`);
    if (block && wantedStep > limits.floorGroups)
      t.say(
        `Resuming with the minimum ${limits.floorGroups} executor groups: ${block.by} blocks scale-up above it until ${isoMinute(block.untilMs)}.`,
      );
    t.add(allowed, groups);
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

/** Idle degraded groups go first (they are not capacity), then the highest-numbered idle ready ones. */
function aboveMax(t: Tick, ready: GroupObservation[], degraded: GroupObservation[]): void {
  const { s, limits } = t;
  const excess = s.target - limits.maxGroups;
  const line = `needsScaleDown is true as there are ${s.target} executor groups, above the maximum ${limits.maxGroups}`;
  if (heldByFreeze(t, 'scale-in', line)) return;
  t.because('above-max', `${line}.`);
  const idle = (
    t.release3 ? [...idleHighestFirst(t, degraded), ...idleHighestFirst(t, ready)] : idleHighestFirst(t, ready)
  ).slice(0, excess);
  if (idle.length < excess)
    t.say(
      `${excess - idle.length} executor groups above the maximum have running queries; waiting for them to go idle.`,
    );
  t.remove(idle, 'above-max');
  s.counters = { ...ZERO };
  if (idle.length > 0 && !t.spec.dryRun) s.state = 'ScalingDown';
}

function queued(t: Tick, load: Load, groups: GroupObservation[], prev: PolicyState): void {
  const { s, limits, spec } = t;
  s.counters.down = 0;
  s.counters.suspend = 0;
  t.say(`needsScaleDown/needsSuspend is false as there are ${load.queued} queries queued.`);
  if (s.target >= limits.maxGroups) {
    s.counters.up = 0;
    t.say(
      `needsScaleUp is false as executor groups are at the maximum ${limits.maxGroups}, with ${load.queued} queries queued.`,
    );
    return;
  }
  if (t.release3 && backingOff(s)) {
    // The up counter is held: once the backoff ends, the queue's delay goes on from where it was.
    t.say(`needsScaleUp is true as there are ${load.queued} queries queued, but ${backoffNote(spec, s, t.atMs)}.`);
    return;
  }
  const needs = `needsScaleUp is true as there are ${load.queued} queries queued`;
  if (heldByFreeze(t, 'scale-out', needs) || heldByBudget(t, needs)) return;
  t.because('scale-up', `needsScaleUp is true as there are ${load.queued} queries queued.`);
  if (s.counters.up < limits.upTicks) {
    t.say(`enoughConsecutive Up calls false as current ${s.counters.up} target ${limits.upTicks}`);
    s.counters.up += 1;
    return;
  }
  const wanted =
    limits.step === 'one'
      ? 1
      : t.release4
        ? drainedStep(t, load, prev)
        : groupsNeeded(spec, load.queued, queuedMems(load));
  if (wanted === 0) return;
  // Held by the fleet, the up counter is kept: the delay has been served, and capacity that frees is used at once.
  const allowed = fleetAllows(t, Math.min(wanted, limits.maxGroups - s.target));
  if (allowed === 0) return;
  s.counters.up = 0;
  t.say('Impala autoscaler will attempt to add executor group.');
  t.add(allowed, groups);
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
  // Impala admits a query only where its per-executor memory fits on every executor of one group: pool-wide memory
  // says 2 groups of 2 × 16 GiB hold three queries of 10 GiB per executor, while each of them fills a group.
  const needed = t.release3 ? runningGroupsNeeded(spec, load) : undefined;
  if (needed !== undefined && needed > fewer) {
    s.counters.down = 0;
    t.say(
      `needsScaleDown is false as ${fewer} executor groups would not hold ${load.running} running queries by their per-executor memory (they need ${needed}).`,
    );
    return;
  }
  const held = heldByHistory(t, s.current);
  if (held) {
    s.counters.down = 0;
    t.say(`needsScaleDown is false as ${held}.`);
    return;
  }
  const line = `needsScaleDown is true as ${t.held ? "the queue is held by the pool's own limit" : 'there are no queries queued'} and ${fewer} executor groups would hold ${load.running} running queries`;
  if (heldByFreeze(t, 'scale-in', line) || heldBySchedule(t, line)) return;
  t.because('scale-down', `${line}.`);
  if (limits.release === 'surplus') {
    const peak = s.counters.down === 0 ? undefined : s.downPeak;
    s.downPeak = {
      running: Math.max(peak?.running ?? 0, load.running),
      memReservedBytes: Math.max(peak?.memReservedBytes ?? 0, load.memReservedBytes),
    };
    if (needed !== undefined) s.downPeak.groups = Math.max(peak?.groups ?? 0, needed);
  }
  if (s.counters.down < limits.downTicks) {
    t.say(`enoughConsecutive Down calls false as current ${s.counters.down} target ${limits.downTicks}`);
    s.counters.down += 1;
    return;
  }
  const idle = idleHighestFirst(t, ready);
  if (idle.length === 0) {
    // Keep the counter: the delay has been served, the first group to go idle is removed.
    t.say('Every executor group has running queries; waiting for one to go idle before removing it.');
    return;
  }
  s.counters.down = 0;
  const learnt = releaseDelayText(t);
  if (learnt) t.say(learnt);
  t.say('Impala autoscaler will attempt to remove executor group.');
  const peak = s.downPeak ?? { running: load.running, memReservedBytes: load.memReservedBytes, groups: needed };
  t.remove(idle.slice(0, releasable(t, peak, idle.length)), 'scale-down');
  delete s.downPeak;
  if (!spec.dryRun) {
    t.say(`Scale down from ${s.current} to ${s.target} Executor Groups.`);
    s.state = 'ScalingDown';
  }
}

/**
 * How many idle groups a served scale-down delay removes: one, or with `release: 'surplus'` every group the load does
 * not need — down to the fewest groups (not below the floor) that would have held the highest load of the whole delay,
 * by slots and by memory (and by the running queries' per-executor memory, when observed) — so that capacity added
 * for a burst goes back after one delay instead of one group per delay, while a load that merely dipped on the last
 * tick keeps its groups.
 */
function releasable(t: Tick, peak: NonNullable<PolicyState['downPeak']>, idle: number): number {
  const { s, limits, spec } = t;
  if (limits.release === 'one') return 1;
  let keep = s.current - 1;
  while (keep - 1 >= Math.max(limits.floorGroups, t.coming?.groups ?? 0)) {
    const fit = holds(spec, keep - 1, peak.running, peak.memReservedBytes);
    if (!fit.slots || !fit.memory || (peak.groups ?? 0) > keep - 1) break;
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
  if (t.busySets) {
    // A warehouse suspends when every set is idle: the idle time counts from when the last busy set went idle, so
    // its sets suspend together and a set is not stopped while the warehouse serves queries elsewhere.
    s.counters.suspend = 0;
    const sets = t.busySets.length > 1 ? 'group sets' : 'group set';
    t.say(
      `needsSuspend is false as ${sets} ${t.busySets.join(', ')} of warehouse ${spec.name} ${t.busySets.length > 1 ? 'have' : 'has'} queries queued or running, or executor groups starting.`,
    );
    return;
  }
  const min = t.schedule?.min;
  if (min) {
    s.counters.suspend = 0;
    t.say(`needsSuspend is false as the minimum is ${limits.minGroups} executor groups ${scheduleMinText(min)}.`);
    return;
  }
  const line = 'needsSuspend is true as there are no queries running or queued';
  if (heldByFreeze(t, 'scale-in', line) || heldBySchedule(t, line)) return;
  t.because('suspend', `${line}.`);
  if (s.counters.suspend < limits.suspendTicks) {
    t.say(`enoughConsecutive Suspend calls false as current ${s.counters.suspend} target ${limits.suspendTicks}`);
    s.counters.suspend += 1;
    return;
  }
  s.counters = { ...ZERO };
  t.say(`Suspending warehouse: ${spec.name} after ${suspendIdleText(t)}; removing ${live.length} executor groups.`);
  t.remove(live, 'suspend');
  if (spec.dryRun) return;
  s.state = 'Suspended';
  if (t.release3) s.autoSuspended = true;
}

/** Drain-safe choice: the highest-numbered groups, which Impala fills last, and only those surely running nothing. */
function idleHighestFirst(t: Tick, groups: GroupObservation[]): GroupObservation[] {
  return groups.filter((g) => !t.busy(g)).sort((a, b) => b.index - a.index);
}
