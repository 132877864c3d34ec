// The start-up break-even (ski rental): an idle group kept for longer than one start-up costs more than stopping it
// and starting it again when load comes. It follows the start-up the warehouse observes (PolicyState.startupTicks),
// not a constant: where image pulls or new nodes make a start-up take minutes, an idle group is worth keeping longer.
// Applied, with the release-4 rules, to the modes whose preset asks for it (modes.ts ModePreset.breakEven):
// - the scale-down delay is one observed start-up;
// - the last group suspends after the idle time that costs least over the warehouse's own idle gaps (the time from
//   going idle to the next query, the last IDLE_GAPS of them): after one start-up when the gaps are unknown or often
//   shorter than it, at once when queries come minutes apart. Auto-suspend's timeout stays the upper bound.
// With the release-5 rules:
// - the scale-down delay is learnt the same way, over the warehouse's surplus stretches (from the first tick at which
//   fewer groups would hold the load to the first at which the load needs them all again, or queues): one start-up
//   kept idle costs up to twice the oracle's min(gap, start-up) when the surplus lasts longer, which at a 180 s
//   start-up is most of what separates aggressive from the oracle on herds that come hours apart;
// - no suspend is learnt while a start-up and a poll outlast the pool's queue timeout (see learntSuspendTicks).
import { groupsForLoad } from './capacity';
import type { Limits } from './modes';
import { MODE_PRESETS } from './modes';
import { rulesFrom } from './rules';
import { usefulQueue } from './pool-limits';
import type { Tick } from './tick';
import type { Load, PolicyState, WarehouseSpec } from './types';

/** The start-up assumed until one is observed (the benchmark's, and a Kubernetes pod on a node with the image). */
export const ASSUMED_STARTUP_SECONDS = 60;
/** Idle gaps remembered: enough to tell minutes-apart queries from a pause, few enough to follow a change of habit. */
export const IDLE_GAPS = 8;
/** Fewer gaps than this: the break-even itself (the 2-competitive choice without knowledge of the gaps). */
const MIN_GAPS = 3;

/** One start-up in ticks: the observed one, or the assumed one until a group has been seen becoming ready. */
export function breakEvenTicks(spec: WarehouseSpec, s: Pick<PolicyState, 'startupTicks'>): number {
  return s.startupTicks ?? Math.ceil(ASSUMED_STARTUP_SECONDS / spec.pollIntervalSeconds);
}

/**
 * Idle ticks before suspending (at most `breakEven`) that cost least over the gaps: a gap of g ticks costs g
 * group-ticks if the group is kept through it, k + `restart` if it is suspended after k (one start-up unless said).
 * Ties go to the longer wait (fewer start-ups).
 */
export function cheapestIdleTicks(gaps: number[], breakEven: number, restart = breakEven): number {
  if (gaps.length < MIN_GAPS) return breakEven;
  let best = breakEven;
  let bestCost = Number.POSITIVE_INFINITY;
  for (let k = breakEven; k >= 0; k--) {
    const cost = gaps.reduce((sum, g) => sum + (g <= k ? g : k + restart), 0);
    if (cost < bestCost) {
      best = k;
      bestCost = cost;
    }
  }
  return best;
}

/** The mode's limits with the break-even rules applied (unchanged for runs of earlier releases, or delays set by hand). */
export function withBreakEven(spec: WarehouseSpec, limits: Limits, s: PolicyState): Limits {
  const rule = MODE_PRESETS[spec.mode].breakEven;
  if (!rule || s.presets === 'first' || !rulesFrom(s, 'release-4')) return limits;
  return {
    ...limits,
    downTicks: rule.release && spec.scaleDownDelaySeconds === undefined ? releaseTicks(spec, s) : limits.downTicks,
    suspendTicks: rule.suspend ? Math.min(limits.suspendTicks, learntSuspendTicks(spec, s)) : limits.suspendTicks,
  };
}

/**
 * The scale-down delay by the break-even: one start-up, or with the release-5 rules the cheapest over the surplus
 * stretches, a release counted as two start-ups: a released group comes back only after a queue has formed and waited
 * for its start-up, and the step that answers the queue may start more than one. Counted as one, stretches just short
 * of the break-even released groups that the next fluctuation restarted (steady/develop-2 at a 180 s start-up: 1.21×
 * the oracle's group-seconds counted as one, 1.06× as two, 1.10× with the fixed break-even).
 */
function releaseTicks(spec: WarehouseSpec, s: PolicyState): number {
  const breakEven = breakEvenTicks(spec, s);
  return rulesFrom(s, 'release-5') ? cheapestIdleTicks(s.surplusGaps ?? [], breakEven, 2 * breakEven) : breakEven;
}

/**
 * Idle ticks before suspending, learnt from the idle gaps. With the release-5 rules, the auto-suspend timeout while a
 * start-up and a poll outlast the pool's queue timeout (pool-limits.ts checkQueueTimeout, last tick): a query that
 * comes to a suspended warehouse is then timed out before a group is ready — lost, not delayed — and no group-seconds
 * saved make up for that.
 */
function learntSuspendTicks(spec: WarehouseSpec, s: PolicyState): number {
  if (rulesFrom(s, 'release-5') && s.queueTimeoutShort) return Number.POSITIVE_INFINITY;
  return cheapestIdleTicks(s.idleGaps ?? [], breakEvenTicks(spec, s));
}

/**
 * Keeps the warehouse's idle gaps: a gap starts at the first tick with nothing running or queued and ends at the
 * first with load, whether the warehouse suspended meanwhile or not. Gaps longer than a start-up count as such only.
 */
export function learnIdleGaps(spec: WarehouseSpec, s: PolicyState, load: Load): void {
  if (load.running === 0 && load.queued === 0) {
    s.idleSinceTick ??= s.tick;
    return;
  }
  if (s.idleSinceTick === undefined) return;
  const gap = Math.min(s.tick - s.idleSinceTick, breakEvenTicks(spec, s) + 1);
  s.idleGaps = [...(s.idleGaps ?? []), gap].slice(-IDLE_GAPS);
  delete s.idleSinceTick;
}

/**
 * Keeps the warehouse's surplus stretches (release-5 rules): one opens at the first tick at which fewer ready groups
 * than there are would hold the load (by slots, memory and per-executor memory, with the queue the pool admits), and
 * closes at the first at which the load needs every group it had then, or a queue forms (a group released meanwhile
 * would have served it); one start-up and a tick without either counts as such, and the next opens, so that a long
 * surplus weighs by its length. Whether groups were released meanwhile does not matter, as with the idle gaps.
 */
export function learnSurplusGaps(spec: WarehouseSpec, s: PolicyState, load: Load): void {
  if (!rulesFrom(s, 'release-5')) return;
  const queued = usefulQueue(spec, load);
  const need = groupsForLoad(spec, { ...load, queued }, true);
  const open = s.surplusSince;
  const over = breakEvenTicks(spec, s) + 1;
  if (open && (need >= open.groups || queued > 0 || s.tick - open.tick >= over)) {
    s.surplusGaps = [...(s.surplusGaps ?? []), Math.min(s.tick - open.tick, over)].slice(-IDLE_GAPS);
    delete s.surplusSince;
  }
  if (
    !s.surplusSince &&
    queued === 0 &&
    need < s.current &&
    s.current > Math.max(1, spec.nodes.min / spec.executorsPerGroup)
  )
    s.surplusSince = { tick: s.tick, groups: s.current };
}

/** How long the warehouse was idle before this suspend, and why that long, for the suspend's log line. */
export function suspendIdleText(t: Tick): string {
  const { spec, limits, s } = t;
  const timeout = spec.autoSuspend.timeoutSeconds;
  const ticks = limits.suspendTicks;
  if (!t.release4 || ticks >= Math.ceil(timeout / spec.pollIntervalSeconds)) return `${timeout}s idle`;
  const idle = ticks * spec.pollIntervalSeconds;
  const breakEven = breakEvenTicks(spec, s);
  return ticks === breakEven
    ? `${idle}s idle (one start-up of ${breakEven * spec.pollIntervalSeconds}s, the break-even)`
    : `${idle}s idle (cheaper than keeping it over the last ${s.idleGaps?.length ?? 0} idle gaps, ${(s.idleGaps ?? []).map((g) => `${g > breakEven ? 'over ' : ''}${Math.min(g, breakEven) * spec.pollIntervalSeconds}s`).join(', ')}, with a start-up of ${breakEven * spec.pollIntervalSeconds}s)`;
}

/**
 * Why a surplus group goes sooner than one start-up (release-5 rules), for the scale-down's log line; undefined when
 * the delay is the break-even itself or was set by hand.
 */
export function releaseDelayText(t: Tick): string | undefined {
  const { spec, limits, s } = t;
  const breakEven = breakEvenTicks(spec, s);
  if (!t.release5 || !MODE_PRESETS[spec.mode].breakEven?.release || spec.scaleDownDelaySeconds !== undefined)
    return undefined;
  if (limits.downTicks >= breakEven) return undefined;
  const poll = spec.pollIntervalSeconds;
  const gaps = (s.surplusGaps ?? []).map((g) => (g > breakEven ? `over ${breakEven * poll}s` : `${g * poll}s`));
  return `Scale-down delay ${limits.downTicks * poll}s: cheaper than keeping surplus executor groups over the last ${gaps.length} surplus stretches (${gaps.join(', ')}), a release counted as two start-ups of ${breakEven * poll}s (the group's and the wait's).`;
}
