// Which generation of the control loop's rules a workflow run decides with. A run started before the current
// release keeps the rules it started with until it continues as new (the workflow's RELEASE_3_PATCH); every rule
// added since is applied only where `currentRules` holds, so that a recorded history of such a run replays.
import type { PolicyState } from './types';

export function currentRules(state: Pick<PolicyState, 'rules'>): boolean {
  return state.rules === undefined;
}
