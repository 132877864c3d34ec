// The fleet capacity limit as pure functions (docs/design.md, "Fleet capacity"). Two sides:
// - the fleet's: how the fleet workflow (src/workflows/fleet.ts) grants executor groups to its warehouses under one
//   limit of executors, reconciling what each warehouse holds from what it reports, and reserving freed capacity for
//   the warehouses that wait, highest priority first;
// - the warehouse's: how a decision waits for the capacity the fleet did not grant (`fleetAllows`, used by decide.ts).
// A warehouse holds a group from the grant until its listing no longer shows it (a group being deleted still runs its
// executors while it drains), so the sum of what the fleet counts is never below what runs.
import type { Tick } from './tick';

/** The fleet section of the warehouses file, as the fleet workflow keeps it. */
export interface FleetSpec {
  name: string;
  /** The most executors the fleet's warehouses may run at once. */
  maxExecutors: number;
  /** Its warehouses and their priorities (higher first). */
  priorities: Record<string, number>;
}

/** One group a warehouse holds or wants: its index and its executors. */
export interface FleetGroup {
  index: number;
  executors: number;
}

/** A warehouse that asked for more than it was granted: capacity that frees is kept for it, by priority. */
export interface FleetWaiter {
  warehouse: string;
  executors: number;
  sinceMs: number;
  /** It stops waiting when it has not asked again by then (it no longer needs the groups, or it stopped). */
  untilMs: number;
}

/** What a grant answered, with the fleet's view for the warehouse's decision log. */
export interface FleetAnswer {
  requestId: string;
  /** The indexes of `want` granted: always its first ones. */
  granted: number[];
  view: FleetView;
}

export interface FleetView {
  fleet: string;
  limit: number;
  /** Executors each warehouse holds (after this answer's grant), in the fleet's order of warehouses. */
  held: Record<string, number>;
  /** Waiting warehouses ahead of the asker, for which the free executors are kept. */
  ahead: { warehouse: string; priority: number; executors: number }[];
  /** Executors of the first wanted group that did not fit. */
  groupExecutors?: number;
}

export interface FleetState {
  spec: FleetSpec;
  /** Per warehouse, executors per group index: what it last reported, plus what it was granted since. */
  held: Record<string, Record<string, number>>;
  waiting: FleetWaiter[];
  /** The last answer to each warehouse: a request seen again (a resent signal) gets the same answer, granting nothing twice. */
  answered: Record<string, FleetAnswer>;
}

export interface FleetRequest {
  requestId: string;
  warehouse: string;
  /** Every group it lists now (deleting ones too) and every group granted to it that it has not listed yet. */
  holding: FleetGroup[];
  /** The groups it would add, in the order it adds them. */
  want: FleetGroup[];
  /** How long it keeps its place in the queue without asking again (a few of its poll intervals). */
  waitMs: number;
}

export interface FleetReport {
  warehouse: string;
  holding: FleetGroup[];
  /** False once it no longer wants what it waited for. */
  waiting: boolean;
}

export function initialFleet(spec: FleetSpec): FleetState {
  return { spec, held: {}, waiting: [], answered: {} };
}

/** A new limit or new priorities (`warehouse apply`): what is held stays held, even above a lowered limit. */
export function configureFleet(state: FleetState, spec: FleetSpec): FleetState {
  return { ...state, spec };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const asHeld = (groups: FleetGroup[]) => Object.fromEntries(groups.map((g) => [String(g.index), g.executors]));

export function heldBy(state: FleetState): Record<string, number> {
  const names = [
    ...Object.keys(state.spec.priorities),
    ...Object.keys(state.held).filter((w) => !(w in state.spec.priorities)),
  ];
  return Object.fromEntries(names.map((w) => [w, sum(Object.values(state.held[w] ?? {}))]));
}

export function fleetUsed(state: FleetState): number {
  return sum(Object.values(heldBy(state)));
}

function priorityOf(state: FleetState, warehouse: string): number {
  return state.spec.priorities[warehouse] ?? 0;
}

/** Waiting warehouses that come before `warehouse` (waiting since `sinceMs`): higher priority, or equal and earlier. */
function aheadOf(state: FleetState, warehouse: string, sinceMs: number): FleetWaiter[] {
  const mine = priorityOf(state, warehouse);
  return state.waiting.filter((x) => {
    if (x.warehouse === warehouse) return false;
    const p = priorityOf(state, x.warehouse);
    return p > mine || (p === mine && x.sinceMs < sinceMs);
  });
}

/**
 * A warehouse asks for `want`: what it holds is replaced by what it reports (a lost answer or a group that failed is
 * released here), then it gets the first groups of `want` that fit in the limit after what waiting warehouses ahead of
 * it are owed; what does not fit makes it wait. Idempotent: the same request id gets the same answer.
 */
export function fleetAsk(
  state: FleetState,
  req: FleetRequest,
  nowMs: number,
): { state: FleetState; answer: FleetAnswer } {
  const again = state.answered[req.warehouse];
  if (again?.requestId === req.requestId) return { state, answer: again };
  const live = state.waiting.filter((x) => x.untilMs >= nowMs);
  const reconciled: FleetState = {
    ...state,
    waiting: live,
    held: { ...state.held, [req.warehouse]: asHeld(req.holding) },
  };
  const since = live.find((x) => x.warehouse === req.warehouse)?.sinceMs ?? nowMs;
  const ahead = aheadOf(reconciled, req.warehouse, since);
  let free = reconciled.spec.maxExecutors - fleetUsed(reconciled) - sum(ahead.map((x) => x.executors));
  const granted: FleetGroup[] = [];
  for (const g of req.want) {
    if (g.executors > free) break;
    granted.push(g);
    free -= g.executors;
  }
  const missing = sum(req.want.slice(granted.length).map((g) => g.executors));
  const held = { ...reconciled.held[req.warehouse], ...asHeld(granted) };
  const waiting = reconciled.waiting.filter((x) => x.warehouse !== req.warehouse);
  if (missing > 0)
    waiting.push({ warehouse: req.warehouse, executors: missing, sinceMs: since, untilMs: nowMs + req.waitMs });
  const next: FleetState = { ...reconciled, held: { ...reconciled.held, [req.warehouse]: held }, waiting };
  const view: FleetView = {
    fleet: state.spec.name,
    limit: state.spec.maxExecutors,
    held: heldBy(next),
    ahead: ahead.map((x) => ({
      warehouse: x.warehouse,
      priority: priorityOf(state, x.warehouse),
      executors: x.executors,
    })),
    ...(missing > 0 ? { groupExecutors: req.want[granted.length].executors } : {}),
  };
  const answer: FleetAnswer = { requestId: req.requestId, granted: granted.map((g) => g.index), view };
  return { state: { ...next, answered: { ...next.answered, [req.warehouse]: answer } }, answer };
}

/** A warehouse's groups changed (removed, gone, failed to start) or it stopped waiting: the fleet takes its word. */
export function fleetReport(state: FleetState, r: FleetReport): FleetState {
  return {
    ...state,
    held: { ...state.held, [r.warehouse]: asHeld(r.holding) },
    waiting: r.waiting ? state.waiting : state.waiting.filter((x) => x.warehouse !== r.warehouse),
  };
}

/** `sales 40, etl 40` */
function heldText(view: FleetView): string {
  return Object.entries(view.held)
    .map(([w, n]) => `${w} ${n}`)
    .join(', ');
}

/**
 * Why the fleet granted less than was wanted, completing `needsScaleUp is true but …`: the limit is reached, or what
 * is free is kept for warehouses that wait ahead, or is less than one group.
 */
export function fleetLimitText(view: FleetView): string {
  const used = sum(Object.values(view.held));
  const limit = `the fleet limit of ${view.limit} executors`;
  const free = view.limit - used;
  if (free <= 0) return `${limit} is reached (${heldText(view)})`;
  if (view.ahead.length > 0) {
    const who = view.ahead.map((x) => `${x.warehouse} (priority ${x.priority}, ${x.executors} executors)`).join(', ');
    return `${limit} leaves ${free} executors free, kept for ${who} waiting first (${heldText(view)})`;
  }
  return `${limit} leaves ${free} executors free, fewer than one executor group of ${view.groupExecutors ?? '?'} (${heldText(view)})`;
}

/** What the fleet allowed this tick, as decide() reads it: at most `groups` more, and why no more. */
export interface FleetAllowance {
  groups: number;
  /** Completes `needsScaleUp is true but …`, e.g. `the fleet limit of 80 executors is reached (sales 40, etl 40)`. */
  why: string;
}

/**
 * How many of `wanted` groups a rule may add under the fleet's allowance (release-5 rules; all of them without a
 * fleet). Fewer says so after the rule's own line — `wanting` is its start, e.g. `needsScaleUp is true` — and the
 * rule holds its counters: once capacity frees, the groups are added on the first tick that gets it.
 */
export function fleetAllows(t: Tick, wanted: number, wanting = 'needsScaleUp is true'): number {
  const f = t.fleet;
  if (!f || !t.release5 || wanted <= 0) return wanted;
  const allowed = Math.min(wanted, f.groups);
  if (allowed === 0) t.say(`${wanting} but ${f.why}.`);
  else if (allowed < wanted)
    t.say(`${wanting} but ${f.why}: adding ${allowed} of the ${wanted} executor groups wanted.`);
  return allowed;
}
