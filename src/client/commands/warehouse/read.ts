// The read commands: `warehouse list` (from search attributes, no worker needed), `warehouse status NAME` and
// `warehouse history NAME` (the workflow's `status` query, answered by a worker), and `warehouse history NAME --chart
// FILE.svg` (the workflow histories, from the server: no worker needed).
import { writeFileSync } from 'node:fs';
import { backoffNote } from '../../../policy/backoff';
import { admissionNotes } from '../../../policy/pool-limits';
import { budgetStandings } from '../../../policy/budgets';
import { frozenDirections } from '../../../policy/freeze';
import { scheduleStandings } from '../../../policy/schedules';
import type { Command } from 'commander';
import { setSpecs } from '../../../policy/group-sets';
import type { Observation, WarehouseSpec } from '../../../policy/types';
import {
  type DecisionRecord,
  type GroupSetStatus,
  type GroupSetsMemo,
  MEMO_GROUP_SETS,
  SA_FROZEN,
  SA_GROUPS,
  SA_STATE,
  SA_TARGET,
  SA_WAREHOUSE,
  statusQuery,
  type WarehouseStatus,
} from '../../../workflows/messages';
import {
  answeredByWorker,
  type CommonFlags,
  findWarehouse,
  printJson,
  printTable,
  withClient,
  withClientOptions,
} from './common';
import { fleetLine } from './fleet';
import { groupsOnOlderTemplates } from './template';
import { pointInTime } from '../../arguments';
import { readWarehouseTimeline, timelinePoints } from '../../history-timeline';
import { timelineSvg } from '../../../whatif/chart';

export interface ListedWarehouse {
  name: string;
  workflowId: string;
  status: string;
  /** Search attributes: null until the warehouse's first tick has published them. */
  state: string | null;
  groups: number | null;
  target: number | null;
  /** The frozen directions (`ScaleIn`, `ScaleOut`); empty when none is. */
  frozen: string[];
  /** A warehouse with groupSets: each set's state, groups and target (from the workflow's memo); else absent. */
  groupSets?: GroupSetsMemo;
  taskQueue: string;
  startTime: string;
}

export function registerReads(warehouse: Command): void {
  withClientOptions(
    warehouse
      .command('list')
      .description(
        "list warehouses with their state and executor groups (from the workflows' search attributes; the server's list may lag a second or two)",
      )
      .option('--all', 'include warehouses whose workflow has ended (terminated, failed)')
      .option('--json', 'print one JSON array'),
  ).action(async (opts: CommonFlags & { all?: boolean }) => {
    const rows = await withClient(opts, async (c) => {
      const query = `WorkflowType = 'warehouseWorkflow'${opts.all ? '' : " AND ExecutionStatus = 'Running'"}`;
      const out: ListedWarehouse[] = [];
      for await (const wf of c.client.workflow.list({ query })) {
        const sa = wf.typedSearchAttributes;
        const groupSets = wf.memo?.[MEMO_GROUP_SETS] as GroupSetsMemo | undefined;
        out.push({
          name: sa.get(SA_WAREHOUSE) ?? wf.workflowId.replace(/^warehouse-/, ''),
          workflowId: wf.workflowId,
          status: wf.status.name,
          state: sa.get(SA_STATE) ?? null,
          groups: sa.get(SA_GROUPS) ?? null,
          target: sa.get(SA_TARGET) ?? null,
          frozen: sa.get(SA_FROZEN) ?? [],
          ...(groupSets ? { groupSets } : {}),
          taskQueue: wf.taskQueue,
          startTime: wf.startTime.toISOString(),
        });
      }
      return out.sort((a, b) => a.name.localeCompare(b.name));
    });
    if (opts.json) return printJson(rows);
    const cell = (v: string | number | null) => (v === null ? '-' : String(v));
    const anySets = rows.some((r) => r.groupSets);
    printTable(
      [
        'WAREHOUSE',
        'STATE',
        'GROUPS',
        'TARGET',
        ...(anySets ? ['GROUP SETS'] : []),
        ...(opts.all ? ['WORKFLOW'] : []),
        'STARTED',
      ],
      rows.map((r) => [
        r.name,
        r.frozen.length ? `${cell(r.state)} (frozen: ${r.frozen.join(', ')})` : cell(r.state),
        cell(r.groups),
        cell(r.target),
        // Each set as `root.small Running 2/3` (groups/target).
        ...(anySets
          ? [
              Object.entries(r.groupSets ?? {})
                .map(([set, x]) => `${set} ${x.state} ${x.groups}/${x.target}`)
                .join(', ') || '-',
            ]
          : []),
        ...(opts.all ? [r.status] : []),
        r.startTime,
      ]),
    );
  });

  withClientOptions(
    warehouse
      .command('status')
      .description("a warehouse's spec, state, executor groups, last load reading and last decisions")
      .argument('<name>', 'warehouse name')
      .option('--json', 'print one JSON object'),
  ).action(async (name: string, opts: CommonFlags) => {
    const { status, workflow } = await statusOf(name, opts);
    if (opts.json) return printJson({ workflow, ...status, groupsOnOlderTemplates: groupsOnOlderTemplates(status) });
    printStatus(status, workflow);
  });

  withClientOptions(
    warehouse
      .command('history')
      .description(
        "a warehouse's decision log: time, load (queued/running), groups (current/target), actions and reasons",
      )
      .argument('<name>', 'warehouse name')
      .option('--limit <n>', 'only the last N decisions', (v: string) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n <= 0) throw new Error(`--limit must be a positive integer (got "${v}")`);
        return n;
      })
      .option('--actions-only', 'only decisions that did something (added or removed groups, operator changes)')
      .option(
        '--since <time>',
        'only what happened since: a duration back from now (30m, 2h, 7d) or an ISO 8601 time',
        pointInTime('--since'),
      )
      .option(
        '--chart <file.svg>',
        'draw executor groups, queued and running queries over time as SVG, from the workflow histories (across continue-as-new runs; no worker needed)',
      )
      .option('--json', 'print one JSON array of decisions (with --chart: what was drawn)'),
  ).action(async (name: string, opts: HistoryFlags) => {
    if (opts.chart) return writeChart(name, opts.chart, opts);
    const { status } = await statusOf(name, opts);
    let decisions = status.decisions;
    if (opts.since !== undefined) decisions = decisions.filter((d) => Date.parse(d.at) >= opts.since!);
    if (opts.actionsOnly) decisions = decisions.filter((d) => d.actions.length > 0);
    if (opts.limit) decisions = decisions.slice(-opts.limit);
    if (opts.json) return printJson(decisions);
    if (decisions.length === 0) process.stdout.write(`warehouse ${name}: no decisions recorded yet\n`);
    for (const d of decisions) process.stdout.write(formatDecision(d));
  });
}

interface HistoryFlags extends CommonFlags {
  limit?: number;
  actionsOnly?: boolean;
  /** Epoch ms. */
  since?: number;
  chart?: string;
}

/** `warehouse history NAME --chart FILE`: the ticks of the workflow histories as the simulator's timeline chart. */
async function writeChart(name: string, file: string, opts: HistoryFlags): Promise<void> {
  const { samples, runIds, workflowId } = await withClient(opts, async (c) => {
    const { description } = await findWarehouse(c, name);
    const timeline = await readWarehouseTimeline(c.client, description.workflowId, description.runId, opts.since);
    return { ...timeline, workflowId: description.workflowId };
  });
  const since = opts.since === undefined ? '' : ` since ${new Date(opts.since).toISOString()}`;
  if (samples.length === 0)
    throw new Error(
      `warehouse ${name} has no tick with a known load${since} in the histories of workflow ${workflowId}: nothing to draw (try an earlier --since)`,
    );
  const from = new Date(samples[0].atMs).toISOString();
  const to = new Date(samples[samples.length - 1].atMs).toISOString();
  writeFileSync(
    file,
    timelineSvg(
      // Short: the legend starts at a third of the width; the axis gives the times.
      `warehouse ${name}, ${from.slice(0, 10)}${to.slice(0, 10) === from.slice(0, 10) ? '' : ` to ${to.slice(0, 10)}`}`,
      { label: name, points: timelinePoints(samples) },
      [],
      { label: 'time (UTC)', startMs: samples[0].atMs },
    ),
  );
  const drawn = { chart: file, warehouse: name, workflowId, ticks: samples.length, from, to, runs: runIds.length };
  if (opts.json) return printJson(drawn);
  process.stdout.write(
    `wrote ${file}: ${samples.length} ticks of warehouse ${name} from ${from} to ${to}, across ${runIds.length} runs of workflow ${workflowId}\n`,
  );
}

interface WorkflowRef {
  workflowId: string;
  runId: string;
  status: string;
  taskQueue: string;
}

async function statusOf(name: string, opts: CommonFlags): Promise<{ status: WarehouseStatus; workflow: WorkflowRef }> {
  return withClient(opts, async (c) => {
    const { handle, description } = await findWarehouse(c, name);
    const status = await answeredByWorker(
      c,
      `status query of warehouse ${name}`,
      description.taskQueue,
      opts.timeout,
      () => handle.query(statusQuery),
    );
    return {
      status,
      workflow: {
        workflowId: description.workflowId,
        runId: description.runId,
        status: description.status.name,
        taskQueue: description.taskQueue,
      },
    };
  });
}

function printStatus(s: WarehouseStatus, w: WorkflowRef): void {
  const { spec, state } = s;
  const lines = [
    `Warehouse ${spec.name} (Kubernetes namespace ${spec.namespace}) — ${state.state}${spec.dryRun ? ' — dry run' : ''}${state.paused ? ' — paused' : ''}${frozenNote(state)}`,
    `Workflow ${w.workflowId} (${w.status}, run ${s.run}, task queue ${w.taskQueue})`,
    // A warehouse with groupSets reads its load, and keeps its template, per set (below).
    ...stateLines(
      spec,
      state,
      s.sets ? 'per group set, below' : loadText(s.lastObservation),
      describeSpec(spec),
      s.sets ? undefined : templateLine(s),
    ),
  ];
  for (const set of s.sets ?? []) lines.push('', ...setLines(set));
  lines.push(...budgetStandings(spec, state), ...scheduleStandings(s.lastObservation));
  if (s.fleet) lines.push(fleetLine(s.fleet));
  const recent = s.decisions.filter((d) => d.actions.length > 0).slice(-5);
  if (recent.length)
    lines.push(
      '',
      'Recent actions (all decisions: warehouse history NAME):',
      ...recent.map((d) => `  ${d.at}  ${d.groupSet ? `${d.groupSet}: ` : ''}${d.actions.join(', ')}`),
    );
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** One group set of a warehouse with groupSets, as the lines of a warehouse of one set. */
function setLines({ groupSet, spec, state, lastObservation, template }: GroupSetStatus): string[] {
  const captured = template
    ? `revision ${template.revision} (source ${template.source}, captured ${template.capturedAt})`
    : 'not captured yet';
  return [
    `Group set ${groupSet} — ${state.state}`,
    ...stateLines(spec, state, loadText(lastObservation), setSpecText(spec), `Executor template: ${captured}`).map(
      (l) => `  ${l}`,
    ),
  ];
}

/** Where a warehouse of one set, or one set of a warehouse with groupSets, stands. */
function stateLines(
  spec: WarehouseSpec,
  state: WarehouseStatus['state'],
  load: string,
  specText: string,
  template: string | undefined,
): string[] {
  const lines = [
    `Executor groups: ${state.current} ready, target ${state.target}${state.pending.length ? `; pending ${state.pending.map((p) => p.name).join(', ')}` : ''}`,
    `Load: ${load}`,
    `Spec: ${specText}`,
    ...(template ? [template] : []),
    `Counters (ticks): up ${state.counters.up}, down ${state.counters.down}, suspend ${state.counters.suspend}, in scale-up ${state.counters.inScaleUp}; tick ${state.tick}`,
  ];
  for (const g of state.notCapacity ?? []) lines.push(`Not capacity: ${g.name}: ${g.why}`);
  if (state.lastScaleUpFailure)
    lines.push(`Last scale-up failure: tick ${state.lastScaleUpFailure.tick}: ${state.lastScaleUpFailure.reason}`);
  if (state.scaleUpBackoff && state.scaleUpBackoff.untilTick > state.tick)
    lines.push(`Scale-up: ${backoffNote(spec, state, undefined)}`);
  return [...lines, ...admissionNotes(state)];
}

function loadText(obs: Observation | null): string {
  return !obs
    ? 'not read yet'
    : obs.kind === 'known'
      ? `${obs.load.queued} queued${obs.load.queueCause ? ` (queue cause: ${obs.load.queueCause})` : ''}, ${obs.load.running} running`
      : `unknown: ${obs.reason}`;
}

function frozenNote(state: WarehouseStatus['state']): string {
  const frozen = frozenDirections(state);
  return frozen.length ? ` — ${frozen.join(' and ')} frozen` : '';
}

function templateLine(s: WarehouseStatus): string {
  if (!s.template)
    return `Executor template: not captured yet (refresh it: impala-autoscaler warehouse refresh-template ${s.spec.name})`;
  const older = groupsOnOlderTemplates(s);
  return (
    `Executor template: revision ${s.template.revision} (source ${s.template.source}, captured ${s.template.capturedAt})` +
    (older.length
      ? `; groups on an older revision: ${older.map((g) => `${g.name} (${g.templateRevision})`).join(', ')}`
      : '')
  );
}

export function describeSpec(spec: WarehouseSpec): string {
  if (!spec.groupSets) return setSpecText(spec);
  return [
    `group sets ${setSpecs(spec)
      .map(
        (set) =>
          `${set.groupSet} (${set.executorsPerGroup} executors/group, nodes ${set.nodes.min}–${set.nodes.max}, mode ${set.mode})`,
      )
      .join(', ')}`,
    `auto-suspend ${spec.autoSuspend.enabled ? `after ${spec.autoSuspend.timeoutSeconds}s` : 'off'}`,
    `poll ${spec.pollIntervalSeconds}s`,
  ].join(', ');
}

/** A warehouse of one set, or one set of a warehouse with groupSets. */
function setSpecText(spec: WarehouseSpec): string {
  const delays = [
    spec.scaleUpDelaySeconds !== undefined ? `scale-up delay ${spec.scaleUpDelaySeconds}s` : undefined,
    spec.scaleDownDelaySeconds !== undefined ? `scale-down delay ${spec.scaleDownDelaySeconds}s` : undefined,
  ].filter(Boolean);
  return [
    `${spec.size ?? 'custom'} (${spec.executorsPerGroup} executors/group)`,
    `nodes ${spec.nodes.min}–${spec.nodes.max}`,
    `mode ${spec.mode}${delays.length ? ` (${delays.join(', ')})` : ''}`,
    `auto-suspend ${spec.autoSuspend.enabled ? `after ${spec.autoSuspend.timeoutSeconds}s` : 'off'}`,
    `poll ${spec.pollIntervalSeconds}s`,
    `group set ${spec.groupSet}${spec.maxQueryMemMb !== undefined ? ` (max query memory ${spec.maxQueryMemMb} MB per executor)` : ''}`,
  ].join(', ');
}

export function formatDecision(d: DecisionRecord): string {
  const load = d.queued === null ? 'load unknown' : `queued ${d.queued}, running ${d.running}`;
  const set = d.groupSet ? `  group set ${d.groupSet}` : '';
  const head = `${d.at}  tick ${d.tick}${set}  ${load}  groups ${d.current} → target ${d.target}  ${d.state}`;
  const body = [...(d.actions.length ? [`actions: ${d.actions.join(', ')}`] : []), ...d.reasons];
  return `${head}\n${body.map((l) => `    ${l}`).join('\n')}\n`;
}
