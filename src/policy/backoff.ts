// A failed scale-up backs off instead of looping. Without it, a create refused by a ResourceQuota ("exceeded quota")
// is retried on every tick the queue's delay allows, and pods that stay Pending (FailedScheduling) cycle add → wait
// scaleUpTimeoutSeconds → remove → add for as long as the queue lasts, each round costing API calls, a group's pods
// and a screen of log lines that never say why.
//
// The numbers: the first retry comes after one poll, because many failures are transient (an API server restart, a
// name still held by a group being deleted) and the queue is waiting; each further consecutive failure doubles the
// wait (1, 2, 4, 8 … polls), so an outage of hours costs a handful of attempts, not hundreds; the wait is capped at
// 15 minutes — the default scaleUpTimeoutSeconds, a delay operators already accept for capacity — so that once the
// quota is raised or a node is added, the warehouse scales up within that without anyone restarting it. A created
// group that becomes ready clears the backoff (decide.ts learnHistory).
import { rulesFrom } from './rules';
import type { Action, PolicyState, WarehouseSpec } from './types';

export const MAX_BACKOFF_SECONDS = 15 * 60;

/** Seconds to wait after the `failures`-th consecutive failed scale-up. */
export function backoffSeconds(spec: Pick<WarehouseSpec, 'pollIntervalSeconds'>, failures: number): number {
  return Math.min(MAX_BACKOFF_SECONDS, spec.pollIntervalSeconds * 2 ** Math.max(0, failures - 1));
}

/** One more failed scale-up at this tick: the record of it, and the backoff it sets from this tick. */
export function scaleUpFailure(
  spec: WarehouseSpec,
  s: PolicyState,
  groups: string[],
  reason: string,
): Required<Pick<PolicyState, 'lastScaleUpFailure' | 'scaleUpBackoff'>> {
  const failures = (s.scaleUpBackoff?.failures ?? 0) + 1;
  const ticks = Math.max(1, Math.ceil(backoffSeconds(spec, failures) / spec.pollIntervalSeconds));
  return {
    lastScaleUpFailure: { tick: s.tick, groups, reason },
    scaleUpBackoff: { failures, untilTick: s.tick + ticks, reason },
  };
}

/**
 * The state after a tick's actions were carried out: each failed create (the Kubernetes API's error message) is a
 * failed scale-up — one per tick however many groups it tried to add — and the groups it meant to add are neither
 * pending nor wanted. A failed removal changes nothing here: the next tick observes the group still there and
 * decides again. Runs started before the current rules keep their state as it was.
 */
export function afterActions(
  spec: WarehouseSpec,
  state: PolicyState,
  failed: { action: Action; error: string }[],
): PolicyState {
  if (!rulesFrom(state, 'release-3')) return state;
  const adds = failed.filter((f) => f.action.type === 'add');
  if (adds.length === 0) return state;
  const names = adds.map((f) => f.action.group);
  const errors = [...new Set(adds.map((f) => f.error))];
  const s: PolicyState = {
    ...state,
    target: Math.max(0, state.target - adds.length),
    pending: state.pending.filter((p) => !names.includes(p.name)),
    // A replacement that could not be created replaces nothing: the degraded group stays until one is.
    ...(state.replacing ? { replacing: state.replacing.filter((r) => !names.includes(r.by)) } : {}),
  };
  return { ...s, ...scaleUpFailure(spec, s, names, `creating ${names.join(', ')} failed: ${errors.join('; ')}`) };
}

/** Is a scale-up held back at this tick? */
export function backingOff(s: PolicyState): boolean {
  return s.scaleUpBackoff !== undefined && s.tick < s.scaleUpBackoff.untilTick;
}

/**
 * `scale-up is backing off after K failed attempts until tick N (time): reason` — the time when the tick's own time
 * is known (workflow time), so that an operator reading the log knows when the next attempt comes.
 */
export function backoffNote(spec: WarehouseSpec, s: PolicyState, atMs: number | undefined): string {
  const b = s.scaleUpBackoff!;
  const when =
    atMs === undefined
      ? ''
      : ` (${new Date(atMs + (b.untilTick - s.tick) * spec.pollIntervalSeconds * 1000).toISOString()})`;
  return `scale-up is backing off after ${b.failures} failed attempts until tick ${b.untilTick}${when}: ${b.reason}`;
}

/** Seconds of backoff left after this tick; 0 when none (the metric's gauge). */
export function backoffSecondsLeft(spec: Pick<WarehouseSpec, 'pollIntervalSeconds'>, s: PolicyState): number {
  return s.scaleUpBackoff ? Math.max(0, s.scaleUpBackoff.untilTick - s.tick) * spec.pollIntervalSeconds : 0;
}
