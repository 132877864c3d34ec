// The start-up break-even (ski rental): an idle group kept for longer than one start-up costs more than stopping it
// and starting it again when load comes. It follows the start-up the warehouse observes (PolicyState.startupTicks),
// not a constant: where image pulls or new nodes make a start-up take minutes, an idle group is worth keeping longer.
// Applied, with the release-4 rules, to the modes whose preset asks for it (modes.ts ModePreset.breakEven):
// - the scale-down delay is one observed start-up;
// - the last group suspends after the idle time that costs least over the warehouse's own idle gaps (the time from
//   going idle to the next query, the last IDLE_GAPS of them): after one start-up when the gaps are unknown or often
//   shorter than it, at once when queries come minutes apart. Auto-suspend's timeout stays the upper bound.
import type { Limits } from './modes';
import { MODE_PRESETS } from './modes';
import { rulesFrom } from './rules';
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
 * Idle ticks before suspending that cost least over the gaps: a gap of g ticks costs g group-ticks if the group is
 * kept through it, k + one start-up if it is suspended after k. Ties go to the longer wait (fewer start-ups).
 */
export function cheapestIdleTicks(gaps: number[], breakEven: number): number {
  if (gaps.length < MIN_GAPS) return breakEven;
  let best = breakEven;
  let bestCost = Number.POSITIVE_INFINITY;
  for (let k = breakEven; k >= 0; k--) {
    const cost = gaps.reduce((sum, g) => sum + (g <= k ? g : k + breakEven), 0);
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
  const breakEven = breakEvenTicks(spec, s);
  return {
    ...limits,
    downTicks: rule.release && spec.scaleDownDelaySeconds === undefined ? breakEven : limits.downTicks,
    suspendTicks: rule.suspend
      ? Math.min(limits.suspendTicks, cheapestIdleTicks(s.idleGaps ?? [], breakEven))
      : limits.suspendTicks,
  };
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
