// Small builders shared by the policy tests: a spec factory (sizes in groups, not nodes), observations, states,
// expected actions, and `run` to thread a state through several ticks.
import { parseWarehouseSpec, type WarehouseSpecInput } from '../../src/config/warehouse-spec';
import { decide, initialState } from '../../src/policy/decide';
import type { FleetAllowance } from '../../src/policy/fleet';
import { summarize } from '../../src/policy/mem-summary';
import { groupName, impalaGroupName } from '../../src/policy/names';
import type {
  Action,
  Counters,
  Decision,
  GroupObservation,
  ImpalaGroupHealth,
  Observation,
  PolicyState,
  Rule,
  WarehouseSpec,
  WarehouseState,
} from '../../src/policy/types';

export const GiB = 1024 * 1024 * 1024;

/** Executors per group in every test spec (XSMALL). */
export const PER_GROUP = 2;

export type SpecOverrides = Omit<Partial<WarehouseSpecInput>, 'nodes' | 'size' | 'executorsPerGroup'> & {
  /** [minGroups, maxGroups]; default [1, 4]. */
  groups?: [number, number];
};

/**
 * A validated spec: XSMALL (2 executors a group), 1..4 groups, 12 queries a group, 16 GiB executors, balanced,
 * poll 20 s, auto-suspend after 300 s, scale-up timeout 900 s. Tick targets: up 1, down 30, suspend 15, timeout 45.
 */
export function spec(over: SpecOverrides = {}): WarehouseSpec {
  const { groups = [1, 4], ...rest } = over;
  return parseWarehouseSpec(
    {
      name: 'wh',
      namespace: 'impala',
      size: 'XSMALL',
      nodes: { min: groups[0] * PER_GROUP, max: groups[1] * PER_GROUP },
      ...rest,
    },
    'test spec',
  );
}

/** One executor group: ready and idle unless told otherwise; `problem` is Kubernetes' reason it is not ready. */
export function g(
  index: number,
  opts: { ready?: boolean; deleting?: boolean; running?: number; problem?: string } = {},
): GroupObservation {
  const group: GroupObservation = {
    name: groupName(index),
    index,
    ready: opts.ready ?? true,
    deleting: opts.deleting ?? false,
    runningQueries: opts.running ?? 0,
  };
  return opts.problem === undefined ? group : { ...group, problem: opts.problem };
}

/** Ready, idle groups with these indices. */
export function ready(...indices: number[]): GroupObservation[] {
  return indices.map((i) => g(i));
}

export interface LoadInput {
  queued?: number;
  running?: number;
  memReservedBytes?: number;
  /** Per-executor memory of each queued query, bytes, as earlier releases' observations list it. */
  queuedMem?: number[];
  /** The same, summarised as the current reader writes it (Load.queuedMem). */
  queuedMemSummary?: number[];
  /** Per-executor memory of each running query, bytes (summarised into Load.runningMem). */
  runningMem?: number[];
  groups: GroupObservation[];
  warnings?: string[];
  /** Coordinators that did not answer (Load.unreachableCoordinators). */
  unreachable?: string[];
  /** Impala's view by group index: each listed group healthy with PER_GROUP executors unless overridden. */
  impala?: Record<number, Partial<ImpalaGroupHealth>>;
  takenIndexes?: number[];
  atMs?: number;
}

export function obs(o: LoadInput): Observation {
  const runningMem = o.runningMem && summarize(o.runningMem);
  const queuedMem = o.queuedMemSummary && summarize(o.queuedMemSummary);
  return {
    kind: 'known',
    load: {
      queued: o.queued ?? 0,
      running: o.running ?? 0,
      memReservedBytes: o.memReservedBytes ?? 0,
      ...(queuedMem ? { queuedMem } : { queuedQueryMemBytes: o.queuedMem ?? [] }),
      ...(runningMem ? { runningMem } : {}),
      ...(o.unreachable ? { unreachableCoordinators: o.unreachable } : {}),
      ...(o.impala ? { impalaGroups: impalaView(o.impala) } : {}),
      healthyGroups: o.groups.filter((x) => x.ready && !x.deleting).length,
      runningByGroup: {},
      warnings: o.warnings ?? [],
    },
    groups: o.groups,
    ...(o.takenIndexes ? { takenIndexes: o.takenIndexes } : {}),
    ...(o.atMs !== undefined ? { atMs: o.atMs } : {}),
  };
}

function impalaView(byIndex: Record<number, Partial<ImpalaGroupHealth>>): Record<string, ImpalaGroupHealth> {
  return Object.fromEntries(
    Object.entries(byIndex).map(([i, h]) => [
      impalaGroupName('root.default', Number(i)),
      { executors: PER_GROUP, active: PER_GROUP, healthy: true, ...h },
    ]),
  );
}

export function unknown(
  reason = 'GET /admission?json timed out after 5000 ms',
  groups?: GroupObservation[],
): Observation {
  return groups ? { kind: 'unknown', reason, groups } : { kind: 'unknown', reason };
}

export interface StateInput extends Partial<Omit<PolicyState, 'counters'>> {
  counters?: Partial<Counters>;
}

/** A policy state; `target` defaults to `current`. */
export function state(o: StateInput = {}): PolicyState {
  const base = initialState();
  const current = o.current ?? base.current;
  return { ...base, ...o, current, target: o.target ?? current, counters: { ...base.counters, ...o.counters } };
}

export function add(index: number): Action {
  return { type: 'add', group: groupName(index), index };
}

/** A group added in place of a degraded one. */
export function addReplacement(index: number): Action {
  return { type: 'add', group: groupName(index), index, why: 'replace' };
}

export function rm(index: number, why: Extract<Action, { type: 'remove' }>['why']): Action {
  return { type: 'remove', group: groupName(index), index, why };
}

/** Threads the state through one tick per observation; returns every decision. */
export function run(sp: WarehouseSpec, start: PolicyState, observations: Observation[]): Decision[] {
  const out: Decision[] = [];
  let s = start;
  for (const o of observations) {
    const d = decide(sp, s, o);
    out.push(d);
    s = d.state;
  }
  return out;
}

/** `ticks` ticks where each observation may depend on the state so far (level-triggered: what exists now). */
export function runWith(
  sp: WarehouseSpec,
  start: PolicyState,
  ticks: number,
  observe: (s: PolicyState, i: number) => Observation,
): Decision[] {
  const out: Decision[] = [];
  let s = start;
  for (let i = 0; i < ticks; i++) {
    const d = decide(sp, s, observe(s, i));
    out.push(d);
    s = d.state;
  }
  return out;
}

/** Index of the first tick (0-based) whose decision has an action, or -1. */
export function firstActionTick(ds: Decision[]): number {
  return ds.findIndex((d) => d.actions.length > 0);
}

/** Every expected line appears in `reasons`, exactly, in this order (other lines may come between). */
export function expectLinesInOrder(reasons: string[], expected: string[]): void {
  let at = 0;
  for (const line of expected) {
    const found = reasons.indexOf(line, at);
    if (found < 0) {
      throw new Error(
        `expected line not found (in order):\n  ${JSON.stringify(line)}\nafter position ${at} of:\n${reasons.map((r, i) => `  ${i}: ${r}`).join('\n')}`,
      );
    }
    at = found + 1;
  }
}

export interface Expected {
  actions: Action[];
  /** The rule the decision reports as data (Decision.rule). */
  rule?: Rule;
  /** Exact lines, in this order. */
  lines?: string[];
  /** Substrings no line may contain. */
  absent?: string[];
  /** The whole counters object after the tick. */
  counters?: Counters;
  current?: number;
  target?: number;
  state?: WarehouseState;
}

export const counters = (c: Partial<Counters> = {}): Counters => ({ up: 0, down: 0, suspend: 0, inScaleUp: 0, ...c });

export function expectDecision(d: Decision, e: Expected): void {
  expect(d.actions).toEqual(e.actions);
  if (e.rule !== undefined) expect(d.rule).toBe(e.rule);
  // A rule that acted names its line, which is one of the tick's lines; a tick where none acted names none.
  if (d.rule === 'hold' || d.rule === 'unknown-load') expect(d.why).toBeUndefined();
  else expect(d.reasons).toContain(d.why);
  if (e.lines) expectLinesInOrder(d.reasons, e.lines);
  for (const a of e.absent ?? []) {
    const hit = d.reasons.find((r) => r.includes(a));
    if (hit !== undefined)
      throw new Error(`no line should contain ${JSON.stringify(a)}, but got ${JSON.stringify(hit)}`);
  }
  if (e.counters) expect(d.state.counters).toEqual(e.counters);
  if (e.current !== undefined) expect(d.state.current).toBe(e.current);
  if (e.target !== undefined) expect(d.state.target).toBe(e.target);
  if (e.state !== undefined) expect(d.state.state).toBe(e.state);
  // Every tick ends with the seed's sleep line.
  expect(d.reasons[d.reasons.length - 1]).toMatch(/^Impala-autoscaler sleeping for \d+s$/);
}

/** A table row: one tick from `from` on `obs` under `spec`. */
export interface Row extends Expected {
  name: string;
  spec: WarehouseSpec;
  from: PolicyState;
  obs: Observation;
  /** What the warehouse's fleet allowed this tick (src/policy/fleet.ts); absent: no fleet. */
  fleet?: FleetAllowance;
}

export function checkRow(row: Row): Decision {
  const before = JSON.stringify(row.from);
  const d = decide(row.spec, row.from, row.obs, row.fleet);
  expectDecision(d, row);
  // Pure: the previous state is never modified.
  expect(JSON.stringify(row.from)).toBe(before);
  return d;
}
