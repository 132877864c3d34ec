// The workflow's "current details" in the Temporal Web UI: a short markdown table of where the warehouse stands.
import type { Observation, PolicyState, WarehouseSpec } from '../policy/types';
import type { DecisionRecord } from './messages';

export function detailsTable(spec: WarehouseSpec, state: PolicyState, obs: Observation | null, decisions: DecisionRecord[]): string {
  const load = obs?.kind === 'known' ? `${obs.load.queued} queued, ${obs.load.running} running` : obs ? `unknown: ${obs.reason}` : 'not read yet';
  const recent = decisions
    .filter((d) => d.actions.length > 0)
    .slice(-5)
    .map((d) => `| ${d.at} | ${d.actions.join(', ')} | ${d.reasons.find((r) => /^(needs|Resum|Suspend|Scale up .* failed|Resize|Pause|Unpause)/.test(r)) ?? ''} |`);
  return [
    `**${spec.name}** (${spec.namespace}) — ${state.state}${spec.dryRun ? ' — dry run' : ''}`,
    '',
    '| executor groups | target | load | mode | nodes |',
    '|---|---|---|---|---|',
    `| ${state.current} | ${state.target} | ${load} | ${spec.mode} | ${spec.nodes.min}–${spec.nodes.max} × ${spec.executorsPerGroup}/group |`,
    ...(recent.length ? ['', '| when | actions | why |', '|---|---|---|', ...recent] : []),
  ].join('\n');
}
