// Which Kubernetes Event each of a tick's actions records on its StatefulSet (src/activities/kubernetes/
// scale-events.ts): the reason by what the action does and the rule that acted, the message the decision's `why` —
// for a suspend, the line that says it suspends (after how long idle) rather than the idle check before it.
import type { ScaleEvent } from '../activities/interfaces';
import type { Action, Decision } from '../policy/types';

export function scaleEventOf(action: Action, decision: Pick<Decision, 'reasons' | 'rule' | 'why'>): ScaleEvent {
  const reason: ScaleEvent['reason'] =
    action.type === 'add'
      ? decision.rule === 'resume' || (decision.rule === 'operator' && action.why === undefined)
        ? 'Resumed'
        : 'ScaledUp'
      : action.why === 'suspend'
        ? 'Suspended'
        : action.why === 'rollback'
          ? 'ScaleUpFailed'
          : 'ScaledDown';
  const suspending =
    reason === 'Suspended' ? decision.reasons.find((r) => r.startsWith('Suspending warehouse')) : undefined;
  const message =
    suspending ?? decision.why ?? `${action.type === 'add' ? 'Adding' : 'Removing'} executor group ${action.group}.`;
  return { reason, message };
}
