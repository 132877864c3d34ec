// A warehouse's side of its fleet (src/workflows/fleet.ts): before a tick adds groups it asks the fleet for them and
// adds only what was granted (the decision is taken again with the fleet's allowance, src/policy/fleet.ts, so the log
// says why the rest waits); after the tick it reports the groups it holds when they changed. Workflow code: the ask
// and its answer are signals, kept in both histories, so a worker killed at any point replays to the same grants.
import { condition, getExternalWorkflowHandle, log, workflowInfo } from '@temporalio/workflow';
import { type FleetAllowance, type FleetAnswer, type FleetGroup, fleetLimitText } from '../policy/fleet';
import { fleetWorkflowIdFor } from '../policy/names';
import type { Decision, Observation, WarehouseSpec } from '../policy/types';
import type { ActOutcome } from './act';
import { fleetAskSignal, fleetReportSignal } from './fleet-messages';

/** What the link keeps through continue-as-new. */
export interface FleetLinkState {
  /** Groups granted and added (or still being added) that no listing has shown yet, with the tick of the grant. */
  unlisted: { index: number; sinceTick: number }[];
  /** The groups the fleet counts for this warehouse, as far as it knows: its last report or ask, and the grant. */
  told: number[];
  /** Set while the fleet grants less than the decisions want: since when, the last tick it did, and why. */
  waiting?: { sinceTick: number; lastTick: number; why: string };
  /** The fleet has this warehouse in its queue (its last ask was not fully granted, and no report took it out). */
  queued?: boolean;
  /** An answer came after its wait was over: the fleet may count a grant that was never used. */
  stale?: boolean;
}

/** The warehouse status's view of its fleet. */
export interface FleetLinkStatus extends FleetLinkState {
  fleet: string;
}

export class FleetLink {
  private answer?: FleetAnswer;
  private state: FleetLinkState;

  constructor(
    readonly fleet: string,
    carried?: FleetLinkState,
  ) {
    this.state = carried ?? { unlisted: [], told: [] };
  }

  carried(): FleetLinkState {
    return this.state;
  }

  status(): FleetLinkStatus {
    return { fleet: this.fleet, ...this.state };
  }

  get waiting(): boolean {
    return this.state.waiting !== undefined;
  }

  /** The answer signal's handler: only the answer to the request in flight is used. */
  answered(a: FleetAnswer): void {
    if (this.answer === undefined && this.pending === a.requestId) this.answer = a;
    else if (a.granted.length > 0) this.state = { ...this.state, stale: true };
  }

  private pending?: string;

  /**
   * The decision to carry out: `first` when it adds nothing or the fleet grants every group it adds; otherwise the
   * tick decided again with the fleet's allowance (`redecide`), adding only granted groups.
   */
  async limit(
    spec: WarehouseSpec,
    observation: Observation,
    first: Decision,
    redecide: (allowance: FleetAllowance) => Decision,
  ): Promise<Decision> {
    const adds = first.actions.filter((a) => a.type === 'add');
    if (adds.length === 0) return first;
    const tick = first.state.tick;
    const holding = this.holding(spec, observation, tick);
    const want = adds.map((a) => ({ index: a.index, executors: spec.executorsPerGroup }));
    // Unique to this warehouse's workflow (a warehouse stopped and started again counts its ticks from 0 anew) and to
    // the tick and its groups: only a resent signal of this very ask carries it.
    const requestId = `${spec.name}/${workflowInfo().firstExecutionRunId}/${tick}/${want.map((g) => g.index).join('.')}`;
    const waitSeconds = Math.max(10, 2 * spec.pollIntervalSeconds);
    this.pending = requestId;
    this.answer = undefined;
    try {
      await getExternalWorkflowHandle(fleetWorkflowIdFor(this.fleet)).signal(fleetAskSignal, {
        requestId,
        warehouse: spec.name,
        holding,
        want,
        waitMs: 3 * spec.pollIntervalSeconds * 1000 + waitSeconds * 1000,
      });
    } catch (err) {
      this.pending = undefined;
      return this.held(
        tick,
        redecide,
        0,
        `fleet ${this.fleet} could not be asked (${(err as Error).message}): \`warehouse apply\` starts it with the warehouses of its file`,
      );
    }
    const got = await condition(() => this.answer !== undefined, waitSeconds * 1000);
    this.pending = undefined;
    if (!got) {
      // The fleet may still grant once it runs again: the next report tells it what this warehouse really holds.
      this.state = { ...this.state, stale: true };
      return this.held(tick, redecide, 0, `fleet ${this.fleet} did not answer within ${waitSeconds}s`);
    }
    const answer = this.answer!;
    const all = answer.granted.length === adds.length;
    this.state = { ...this.state, told: unique([...holding.map((g) => g.index), ...answer.granted]), queued: !all };
    if (all) {
      this.state = { ...this.state, waiting: undefined };
      return first;
    }
    const d = this.held(tick, redecide, answer.granted.length, fleetLimitText(answer.view));
    // The same rules with a smaller allowance add a prefix of the same groups; only granted ones are ever added.
    return { ...d, actions: d.actions.filter((a) => a.type !== 'add' || answer.granted.includes(a.index)) };
  }

  private held(tick: number, redecide: (allowance: FleetAllowance) => Decision, groups: number, why: string): Decision {
    this.state = { ...this.state, waiting: { sinceTick: this.state.waiting?.sinceTick ?? tick, lastTick: tick, why } };
    return redecide({ groups, why });
  }

  /**
   * After the tick's actions: the groups added are held until a listing shows them; then, when what the fleet counts
   * differs from what this warehouse holds, or it no longer waits, it is told (one signal, not one per tick).
   */
  async afterTick(
    spec: WarehouseSpec,
    observation: Observation,
    decision: Decision,
    outcome: ActOutcome,
  ): Promise<void> {
    const tick = decision.state.tick;
    const added = outcome.changes
      .filter((c) => c.op === 'add' && c.outcome !== 'failed')
      .map((c) => decision.actions.find((a) => a.type === 'add' && a.group === c.group)!.index);
    this.state = {
      ...this.state,
      unlisted: [...this.state.unlisted, ...added.map((index) => ({ index, sinceTick: tick }))],
    };
    // A tick that wanted no more than it got no longer waits; the fleet is told, so that it keeps nothing for it.
    if (this.state.waiting && this.state.waiting.lastTick !== tick) this.state = { ...this.state, waiting: undefined };
    if (!observation.groups) return;
    const holding = this.holding(spec, observation, tick);
    const indexes = holding.map((g) => g.index);
    const changed = !sameSet(indexes, this.state.told) || this.state.stale;
    const leftQueue = !this.state.waiting && this.state.queued;
    if (!changed && !leftQueue) return;
    try {
      await getExternalWorkflowHandle(fleetWorkflowIdFor(this.fleet)).signal(fleetReportSignal, {
        warehouse: spec.name,
        holding,
        waiting: this.state.waiting !== undefined,
      });
      this.state = { ...this.state, told: indexes, stale: undefined, queued: this.state.waiting !== undefined };
    } catch (err) {
      // Tried again after the next tick: what the fleet counts is only ever more than what runs, never less.
      log.warn(`Report to fleet ${this.fleet} not delivered: ${(err as Error).message}`, { warehouse: spec.name });
    }
  }

  /**
   * Every group the listing shows (one being deleted still runs its executors), and every group granted that it does
   * not show yet — until it does, or for as long as a create that was given up on may still land.
   */
  private holding(spec: WarehouseSpec, observation: Observation, tick: number): FleetGroup[] {
    const listed = (observation.groups ?? []).map((g) => g.index);
    const keepTicks = Math.ceil(UNLISTED_KEEP_SECONDS / spec.pollIntervalSeconds) + 1;
    const unlisted = this.state.unlisted.filter((u) => !listed.includes(u.index) && tick - u.sinceTick <= keepTicks);
    if (unlisted.length !== this.state.unlisted.length) this.state = { ...this.state, unlisted };
    return unique([...listed, ...unlisted.map((u) => u.index)]).map((index) => ({
      index,
      executors: spec.executorsPerGroup,
    }));
  }
}

/**
 * How long a group granted and not listed yet stays counted: the longest a create may still land after its tick gave
 * up on it (one more attempt of addExecutorGroup's startToCloseTimeout, src/workflows/act.ts), with a margin.
 */
const UNLISTED_KEEP_SECONDS = 60;

const unique = (xs: number[]) => [...new Set(xs)].sort((a, b) => a - b);
const sameSet = (a: number[], b: number[]) => a.length === b.length && unique(a).every((x, i) => x === unique(b)[i]);
