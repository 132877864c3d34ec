// How many groups a queue needs, sized for when new groups would be ready (release-4 rules, modes whose step is the
// queue). A group started now is capacity one start-up later: by then the groups running now have drained part of the
// queue, at the rate the last poll showed, and the groups already starting take their share first. Sizing on the
// queue of this instant alone starts groups that arrive after a storm of short queries is over (cost without a
// shorter wait); ignoring starting groups leaves a herd that needs more than the first step waiting two start-ups.
import { breakEvenTicks } from './break-even';
import { groupsNeeded } from './capacity';
import { queuedMems } from './mem-summary';
import { usefulQueue } from './pool-limits';
import type { Tick } from './tick';
import type { GroupObservation, Load, PolicyState } from './types';

export interface QueueNeed {
  /** Groups the queue still needs once a group started now is ready. */
  groups: number;
  /** Queries the queue lost per poll over the last one, when the ready groups did not change meanwhile. */
  drainPerPoll: number;
  /** Queries expected to be queued when a group started now is ready. */
  remaining: number;
}

/**
 * Net queue decrease over the last poll, counted only when the last tick read the queue (no unknown load between)
 * and the same ready groups served it (else 0).
 */
function drainPerPoll(prev: PolicyState, load: Load, readyNow: number): number {
  const last = prev.lastQueue;
  if (last === undefined || last.tick !== prev.tick || readyNow !== prev.current) return 0;
  return Math.max(0, last.queued - load.queued);
}

/**
 * The queue's need one start-up from now: the largest queries are assumed to be the ones still queued, and only the
 * queries the pool's own limits would ever admit count (src/policy/pool-limits.ts): groups beyond those are never added.
 */
export function queueNeed(t: Tick, load: Load, prev: PolicyState): QueueNeed {
  const drain = drainPerPoll(prev, load, t.s.current);
  const remaining = Math.max(0, usefulQueue(t.spec, load) - drain * breakEvenTicks(t.spec, t.s));
  const mems = queuedMems(load)
    .slice()
    .sort((a, b) => b - a);
  return { groups: groupsNeeded(t.spec, remaining, mems), drainPerPoll: drain, remaining };
}

/** Remembers this tick's queue for the next tick's drain rate. */
export function rememberQueue(s: PolicyState, load: Load): void {
  s.lastQueue = { tick: s.tick, queued: load.queued };
}

/**
 * While groups start, adds what the queue needs beyond them (no scale-up delay: the queue has already waited). Says
 * nothing and adds nothing when the starting groups suffice.
 */
export function topUp(
  t: Tick,
  load: Load,
  prev: PolicyState,
  starting: GroupObservation[],
  groups: GroupObservation[],
) {
  const { s, limits, spec } = t;
  if (load.queued === 0 || limits.step !== 'queue') return;
  const need = queueNeed(t, load, prev);
  const more = Math.min(need.groups - starting.length, limits.maxGroups - s.target);
  if (more <= 0) return;
  t.because(
    'scale-up',
    `needsScaleUp is true as there are ${load.queued} queries queued, which need ${need.groups} executor groups when new ones are ready, and ${starting.length} are starting.`,
  );
  t.say('Impala autoscaler will attempt to add executor group.');
  t.add(more, groups);
  if (!spec.dryRun) t.say(`There is a scale up pending, targetExecutorGroups=${s.target}`);
}

/** Groups a resume starts (release 4, step by the queue): what the queue needs, not one group whatever it holds. */
export function resumeStep(t: Tick, load: Load, prev: PolicyState): number {
  if (!t.release4 || t.limits.step !== 'queue') return 0;
  return queueNeed(t, load, prev).groups;
}

/**
 * The scale-up step by the queue as it will be when new groups are ready; 0 (with the reason said) when the running
 * groups drain it before then. The up counter is kept: the next tick acts at once if the queue stops draining.
 */
export function drainedStep(t: Tick, load: Load, prev: PolicyState): number {
  const need = queueNeed(t, load, prev);
  if (need.groups > 0) return need.groups;
  t.say(
    `Not adding executor groups: the queue drained by ${need.drainPerPoll} queries in the last poll, so the running executor groups empty it before a new group is ready.`,
  );
  return 0;
}
