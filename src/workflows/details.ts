// The workflow's "current details" in the Temporal Web UI: a short markdown table of where the warehouse stands.
import { backingOff, backoffNote } from '../policy/backoff';
import { budgetStandings } from '../policy/budgets';
import { admissionNotes } from '../policy/pool-limits';
import { frozenDirections } from '../policy/freeze';
import { scheduleStandings } from '../policy/schedules';
import type { Observation, PolicyState, WarehouseSpec } from '../policy/types';
import type { DecisionRecord, GroupSetStatus } from './messages';

export function detailsTable(
  spec: WarehouseSpec,
  state: PolicyState,
  obs: Observation | null,
  decisions: DecisionRecord[],
  sets?: GroupSetStatus[],
): string {
  const recent = decisions
    .filter((d) => d.actions.length > 0)
    .slice(-5)
    // A record kept from a run before the fourth release has no `why`: its row says what was done, not why.
    .map((d) => `| ${d.at} | ${d.actions.join(', ')} | ${d.why ?? ''} |`);
  return [
    `**${spec.name}** (${spec.namespace}) — ${state.state}${spec.dryRun ? ' — dry run' : ''}`,
    '',
    ...(sets ? setsTable(sets) : oneSetTable(spec, state, obs)),
    ...(recent.length ? ['', '| when | actions | why |', '|---|---|---|', ...recent] : []),
  ].join('\n');
}

function oneSetTable(spec: WarehouseSpec, state: PolicyState, obs: Observation | null): string[] {
  return [
    '| executor groups | target | load | mode | nodes |',
    '|---|---|---|---|---|',
    `| ${state.current} | ${state.target} | ${loadText(obs)} | ${spec.mode} | ${spec.nodes.min}–${spec.nodes.max} × ${spec.executorsPerGroup}/group |`,
    ...problems(spec, state),
    ...scheduleStandings(obs).flatMap((line) => ['', cell(line)]),
  ];
}

/** A warehouse with groupSets: a row per set, then what holds each set back, named by its set. */
function setsTable(sets: GroupSetStatus[]): string[] {
  return [
    '| group set | state | executor groups | target | load | mode | nodes |',
    '|---|---|---|---|---|---|---|',
    ...sets.map(
      ({ groupSet, spec, state, lastObservation }) =>
        `| ${groupSet} | ${state.state} | ${state.current} | ${state.target} | ${loadText(lastObservation)} | ${spec.mode} | ${spec.nodes.min}–${spec.nodes.max} × ${spec.executorsPerGroup}/group |`,
    ),
    ...sets.flatMap(({ groupSet, spec, state }) => {
      const lines = problems(spec, state);
      return lines.length ? ['', `Group set **${groupSet}**:`, ...lines] : [];
    }),
  ];
}

function loadText(obs: Observation | null): string {
  return obs?.kind === 'known'
    ? `${obs.load.queued} queued${obs.load.queueCause ? ` (${obs.load.queueCause})` : ''}, ${obs.load.running} running`
    : obs
      ? `unknown: ${obs.reason}`
      : 'not read yet';
}

/**
 * What keeps the warehouse from the capacity it wants: a freeze, a scale-up backoff, the pool's own limits (a queue
 * they hold, a queue timeout shorter than the start-up), its budgets, and groups that are not capacity.
 */
function problems(spec: WarehouseSpec, state: PolicyState): string[] {
  const lines: string[] = [];
  const frozen = frozenDirections(state);
  if (frozen.length)
    lines.push('', `Frozen by the operator: ${frozen.join(' and ')} (\`warehouse unfreeze ${spec.name}\`).`);
  if (backingOff(state)) lines.push('', `Scale-up: ${backoffNote(spec, state, undefined)}.`);
  else if (state.lastScaleUpFailure)
    lines.push(
      '',
      `Last scale-up failure (tick ${state.lastScaleUpFailure.tick}): ${state.lastScaleUpFailure.reason}.`,
    );
  for (const note of admissionNotes(state)) lines.push('', cell(note));
  for (const standing of budgetStandings(spec, state)) lines.push('', cell(standing));
  const groups = state.notCapacity ?? [];
  if (groups.length)
    lines.push(
      '',
      '| executor group | not capacity because |',
      '|---|---|',
      ...groups.map((g) => `| ${g.name} | ${cell(g.why)} |`),
    );
  return lines;
}

/** A markdown table cell: a '|' in Kubernetes' or Impala's words would end it. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}
