// `warehouse apply -f FILE`: make the running warehouses match the file. A warehouse that is not running is started,
// one that runs with other resizable settings gets the `resize` update with just the changed fields, one that
// matches is left alone (so applying twice changes nothing). Both go through update-with-start, so a warehouse
// started or stopped by someone else in between still ends up as the file says. Fields a resize cannot change
// (coordinators, size, namespace, …) are reported, and then nothing is applied. Every running warehouse also
// re-captures its executor template first (its content is not in the file): a changed template is an update.
import { WithStartWorkflowOperation } from '@temporalio/client';
import type { Command } from 'commander';
import { loadWarehousesAndFleet } from '../../../config/warehouses-file';
import type { Resize } from '../../../config/warehouse-spec';
import type { FleetSpec } from '../../../policy/fleet';
import { workflowIdFor } from '../../../policy/names';
import type { GroupSetSpec, WarehouseSpec } from '../../../policy/types';
import { TASK_QUEUE } from '../../../worker';
import { resizeUpdate, SA_WAREHOUSE, statusQuery, type TemplateRefresh } from '../../../workflows/messages';
import type { warehouseWorkflow } from '../../../workflows/warehouse';
import type { ConnectedClient } from '../../connection';
import {
  answeredByWorker,
  type CommonFlags,
  type FoundWarehouse,
  findWarehouse,
  printJson,
  WarehouseNotFoundError,
  printTable,
  withClient,
  withClientOptions,
} from './common';
import { applyFleet } from './fleet';
import { refreshTemplate } from './template';

/** What a resize can change (src/config/warehouse-spec.ts resizeSchema). */
const RESIZABLE = [
  'nodes',
  'mode',
  'scaleUpDelaySeconds',
  'scaleDownDelaySeconds',
  'autoSuspend',
  'dryRun',
  'schedules',
  'budgets',
] as const;
/** Lists a resize replaces whole: one left out of the file is sent empty, which removes it. */
const LISTS: readonly string[] = ['schedules', 'budgets'];
/** What a resize can change of one group set (its groupSets entries). */
const SET_RESIZABLE = ['nodes', 'mode', 'scaleUpDelaySeconds', 'scaleDownDelaySeconds'] as const;
/** Fields a warehouse with groupSets derives from its sets (src/config/warehouse-spec.ts): its sets say what changed. */
const DERIVED_FROM_SETS = ['nodes', 'groupSet', 'executorsPerGroup'];

export interface ApplyResult {
  name: string;
  workflowId: string;
  result: 'created' | 'updated' | 'unchanged';
  /** `field: old → new` for an update. */
  changes: string[];
}

type Plan =
  | { spec: WarehouseSpec; kind: 'create' }
  | { spec: WarehouseSpec; kind: 'update'; found: FoundWarehouse; resize: Resize; changes: string[] }
  | { spec: WarehouseSpec; kind: 'unchanged'; found: FoundWarehouse };

export interface ApplyOptions {
  taskQueue: string;
  timeoutSeconds: number;
  /** The file's fleet: started or updated before the warehouses, and listed first in the results. */
  fleet?: FleetSpec;
}

/** Applies every warehouse, or none when one has a change a resize cannot make. */
export async function applyWarehouses(
  c: ConnectedClient,
  specs: WarehouseSpec[],
  o: ApplyOptions,
): Promise<ApplyResult[]> {
  const plans: Plan[] = [];
  const conflicts: string[] = [];
  for (const spec of specs) {
    const found = await findWarehouse(c, spec.name).catch((err: unknown) => {
      if (err instanceof WarehouseNotFoundError) return undefined;
      throw err;
    });
    if (!found?.running) {
      plans.push({ spec, kind: 'create' });
      continue;
    }
    const status = await answeredByWorker(
      c,
      `status query of warehouse ${spec.name}`,
      found.description.taskQueue,
      o.timeoutSeconds,
      () => found.handle.query(statusQuery),
    );
    const d = diff(status.spec, spec);
    conflicts.push(...d.fixed.map((f) => `warehouse ${spec.name}: ${f}`));
    plans.push(
      d.changes.length
        ? { spec, kind: 'update', found, resize: d.resize, changes: d.changes }
        : { spec, kind: 'unchanged', found },
    );
  }
  if (conflicts.length > 0) {
    throw new Error(
      `nothing applied: a resize cannot change these fields of a running warehouse:\n  ${conflicts.join('\n  ')}\n` +
        'Restore them in the file, or stop the warehouse (temporal workflow terminate --workflow-id warehouse-NAME) and apply again.',
    );
  }
  const results: ApplyResult[] = o.fleet ? [await applyFleet(c, o.fleet, o)] : [];
  for (const p of plans) {
    const workflowId = workflowIdFor(p.spec.name);
    // Before the resize: a resize may add groups at once, and they must be cloned from the new template.
    const refresh = p.kind === 'create' ? undefined : await refreshTemplate(c, p.found, o.timeoutSeconds);
    const template = refresh ? templateChange(refresh) : [];
    if (p.kind === 'unchanged') {
      results.push({
        name: p.spec.name,
        workflowId,
        result: refresh?.changed ? 'updated' : 'unchanged',
        changes: template,
      });
      continue;
    }
    // Update-with-start: starts the workflow if absent, else updates it. A new warehouse gets its resizable fields as
    // the update too, so that it converges even if someone started it with other settings a moment ago.
    const resize = p.kind === 'update' ? p.resize : resizableOf(p.spec);
    const start = new WithStartWorkflowOperation<typeof warehouseWorkflow>('warehouseWorkflow', {
      workflowId,
      taskQueue: o.taskQueue,
      args: [{ spec: p.spec }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [{ key: SA_WAREHOUSE, value: p.spec.name }],
      staticSummary: `Impala warehouse ${p.spec.name} (Kubernetes namespace ${p.spec.namespace})`,
    });
    await answeredByWorker(c, `update of warehouse ${p.spec.name}`, o.taskQueue, o.timeoutSeconds, () =>
      c.client.workflow.executeUpdateWithStart(resizeUpdate, { args: [resize], startWorkflowOperation: start }),
    );
    results.push({
      name: p.spec.name,
      workflowId,
      result: p.kind === 'create' ? 'created' : 'updated',
      changes: p.kind === 'update' ? [...template, ...p.changes] : [],
    });
  }
  return results;
}

/** The template's part of an apply result: a new revision, or why it could not be read (the old one is kept). */
function templateChange(r: TemplateRefresh): string[] {
  if (r.error)
    return [
      `executor template not re-captured (${r.error}); new groups keep revision ${r.template?.revision ?? '(none)'}`,
    ];
  return r.changed ? [`executor template: revision ${r.previousRevision ?? '(none)'} → ${r.template?.revision}`] : [];
}

function resizableOf(spec: WarehouseSpec): Resize {
  const r: Record<string, unknown> = {};
  // A warehouse with groupSets is bounded set by set: its own nodes are the sets' sum.
  for (const k of RESIZABLE) if (spec[k] !== undefined && !(spec.groupSets && k === 'nodes')) r[k] = spec[k];
  if (spec.groupSets)
    r.groupSets = spec.groupSets.map((set) => {
      const x: Record<string, unknown> = { groupSet: set.groupSet };
      for (const k of SET_RESIZABLE) if (set[k] !== undefined) x[k] = set[k];
      return x;
    });
  return r as Resize;
}

/** What differs between the running spec and the file: resizable changes, and fields a resize cannot make. */
export function diff(
  running: WarehouseSpec,
  wanted: WarehouseSpec,
): { resize: Resize; changes: string[]; fixed: string[] } {
  const resize: Record<string, unknown> = {};
  const changes: string[] = [];
  const fixed: string[] = [];
  const keys = new Set([...Object.keys(running), ...Object.keys(wanted)]) as Set<keyof WarehouseSpec>;
  const sets = running.groupSets !== undefined || wanted.groupSets !== undefined;
  for (const k of keys) {
    const a = running[k];
    const b = wanted[k];
    if (JSON.stringify(a) === JSON.stringify(b) || (sets && DERIVED_FROM_SETS.includes(k))) continue;
    if (k === 'groupSets' && running.groupSets && wanted.groupSets) {
      diffSets(running.groupSets, wanted.groupSets, resize, changes, fixed);
      continue;
    }
    const what = `${k}: ${show(a)} → ${show(b)}`;
    if (!(RESIZABLE as readonly string[]).includes(k))
      fixed.push(`${k} cannot change (running: ${show(a)}, file: ${show(b)})`);
    else if (b === undefined && LISTS.includes(k)) {
      resize[k] = [];
      changes.push(what);
    }
    // A resize sets values; it cannot go back to "the mode's delay" once a delay was set.
    else if (b === undefined)
      fixed.push(`${k} cannot be unset by a resize (running: ${show(a)}): set the value you want`);
    else {
      resize[k] = b;
      changes.push(what);
    }
  }
  return { resize: resize as Resize, changes, fixed };
}

/**
 * The sets' part of `diff`: the same sets, in the same order, may change their bounds, mode and delays (one
 * groupSets entry of the resize each); anything else of a set is fixed for the warehouse's life.
 */
function diffSets(
  running: GroupSetSpec[],
  wanted: GroupSetSpec[],
  resize: Record<string, unknown>,
  changes: string[],
  fixed: string[],
): void {
  const names = (sets: GroupSetSpec[]) => sets.map((x) => x.groupSet);
  if (JSON.stringify(names(running)) !== JSON.stringify(names(wanted))) {
    fixed.push(
      `groupSets cannot add, remove, rename or reorder sets (running: ${names(running).join(', ')}; file: ${names(wanted).join(', ')})`,
    );
    return;
  }
  const entries: Record<string, unknown>[] = [];
  running.forEach((a, i) => {
    const b = wanted[i];
    const entry: Record<string, unknown> = { groupSet: a.groupSet };
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof GroupSetSpec>;
    for (const k of keys) {
      if (JSON.stringify(a[k]) === JSON.stringify(b[k])) continue;
      const field = `groupSets ${a.groupSet} ${k}`;
      if (!(SET_RESIZABLE as readonly string[]).includes(k))
        fixed.push(`${field} cannot change (running: ${show(a[k])}, file: ${show(b[k])})`);
      else if (b[k] === undefined)
        fixed.push(`${field} cannot be unset by a resize (running: ${show(a[k])}): set the value you want`);
      else {
        entry[k] = b[k];
        changes.push(`${field}: ${show(a[k])} → ${show(b[k])}`);
      }
    }
    if (Object.keys(entry).length > 1) entries.push(entry);
  });
  if (entries.length) resize.groupSets = entries;
}

function show(v: unknown): string {
  return v === undefined ? '(unset)' : JSON.stringify(v);
}

export function registerApply(warehouse: Command): void {
  withClientOptions(
    warehouse
      .command('apply')
      .description(
        'start or update every warehouse of a YAML/JSON file (idempotent: an unchanged warehouse is left alone)',
      )
      .requiredOption('-f, --file <file>', 'warehouses file (see examples/warehouses.yaml)')
      .option('--task-queue <queue>', 'task queue of the worker that runs new warehouses', TASK_QUEUE)
      .option('--json', 'print the result as one JSON array'),
  ).action(async (opts: CommonFlags & { file: string; taskQueue: string }) => {
    // Validate the whole file before connecting: nothing starts from a file with any error.
    const { warehouses: specs, fleet } = loadWarehousesAndFleet(opts.file);
    const results = await withClient(opts, (c) =>
      applyWarehouses(c, specs, { taskQueue: opts.taskQueue, timeoutSeconds: opts.timeout, fleet }),
    );
    if (opts.json) return printJson(results);
    printTable(
      ['WAREHOUSE', 'RESULT', 'CHANGES'],
      results.map((r) => [r.name, r.result, r.changes.join('; ')]),
    );
  });
}
