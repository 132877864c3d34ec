// Which generation of the control loop's rules a workflow run decides with. A run started before the current
// release keeps the rules it started with until it continues as new (the workflow's RELEASE_N_PATCH markers); every
// rule added since is applied only where `rulesFrom(state, <release that added it>)` holds, so that a recorded
// history of such a run replays.
import type { PolicyState } from './types';

/** The releases that added rules, oldest first; `PolicyState.rules` names the one a run started on, if not the newest. */
export const RULE_RELEASES = ['release-2', 'release-3', 'release-4', 'release-5'] as const;
export type RulesRelease = (typeof RULE_RELEASES)[number];

/** True when the run decides with the rules `release` added (it started on that release or a newer one). */
export function rulesFrom(state: Pick<PolicyState, 'rules'>, release: RulesRelease): boolean {
  return state.rules === undefined || RULE_RELEASES.indexOf(state.rules) >= RULE_RELEASES.indexOf(release);
}
