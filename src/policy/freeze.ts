// One-way freezes, as KEDA's paused-scale-in / paused-scale-out annotations: the operator holds one direction of
// scaling while the other goes on. A scale-in freeze keeps every group the scale-down, above-maximum and auto-suspend
// rules would remove; a scale-out freeze keeps back every group a queue, a queued query on a suspended warehouse,
// pre-warming or the minimum would add. Pause (decide.ts, operator) holds both and the repairs too; a freeze holds
// scaling only: a scale-up that never became ready is still rolled back and a degraded group still replaced, as
// neither changes the capacity the operator froze. The operator's own suspend and resume are not scaling rules and
// are never held.
import type { Tick } from './tick';
import type { PolicyState } from './types';

export type FreezeDirection = 'scale-in' | 'scale-out';

/** The directions frozen in this state, scale-in first; empty when none is. */
export function frozenDirections(s: Pick<PolicyState, 'frozen'>): FreezeDirection[] {
  return [...(s.frozen?.scaleIn ? ['scale-in' as const] : []), ...(s.frozen?.scaleOut ? ['scale-out' as const] : [])];
}

/**
 * When `direction` is frozen, the rule that wanted it holds: its counters restart (as under pause, so an unfreeze
 * serves the delay again rather than acting on a stale one) and one line says what was held. `wanted` is the rule's
 * own "needs… is true as …" line, without its full stop.
 */
export function heldByFreeze(t: Tick, direction: FreezeDirection, wanted: string, holding?: string): boolean {
  if (!frozenDirections(t.s).includes(direction)) return false;
  if (direction === 'scale-out') t.s.counters.up = 0;
  else t.s.counters.down = t.s.counters.suspend = 0;
  t.say(
    `${wanted}, but ${direction} is frozen by the operator; ${holding ?? `holding ${t.s.target} executor groups`}.`,
  );
  return true;
}
