// One tick's scratch: the state being decided, the log lines and the actions, and the two ways a tick changes the
// warehouse (add, remove), shared by decide.ts and degraded.ts.
import type { BudgetRules } from './budgets';
import { type FleetAllowance, fleetAllows } from './fleet';
import type { Forecast } from './history';
import type { Limits } from './modes';
import { groupName } from './names';
import { rulesFrom } from './rules';
import type { ScheduledRules } from './schedules';
import type { Action, GroupObservation, PolicyState, Rule, WarehouseSpec } from './types';

export class Tick {
  readonly reasons: string[] = [];
  readonly actions: Action[] = [];
  /** The rule that changed the warehouse first this tick, and its line (see `because`). */
  acted?: { rule: Rule; why: string };
  /** The latest rule that said why it may act; it becomes `acted` if an add or remove follows. */
  private candidate?: { rule: Rule; why: string };
  /** Decides with the rules release 3 added (src/policy/rules.ts). */
  readonly release3: boolean;
  /** Decides with the rules release 4 added. */
  readonly release4: boolean;
  /** Decides with the rules release 5 added. */
  readonly release5: boolean;
  /** What history forecasts for the slot one start-up and one poll ahead, when that slot has not begun. */
  coming?: Forecast;
  /** Why the pool's own limits hold this tick's queue (release 4's rules, src/policy/pool-limits.ts). */
  held?: string;
  /** What the warehouse's schedules set this tick (release 5's rules, src/policy/schedules.ts). */
  schedule?: ScheduledRules;
  /** What its budgets hold this tick (release 5's rules, src/policy/budgets.ts). */
  budget?: BudgetRules;
  /** What the fleet allows this tick (src/policy/fleet.ts): the groups left to add, consumed by `add`. */
  fleet?: FleetAllowance;
  /** Coordinators that did not answer this tick: no group's running count is fully known (release 3's rules on). */
  unreachable?: string[];
  /**
   * The warehouse's other group sets that are busy this tick (Observation.busySets, release 5's rules): while any is,
   * this set is not auto-suspended.
   */
  busySets?: string[];
  /** Indexes added this tick, and names held outside this warehouse: never given to another new group. */
  private readonly usedIndexes: Set<number>;
  private readonly removed = new Set<string>();

  constructor(
    readonly spec: WarehouseSpec,
    readonly limits: Limits,
    readonly s: PolicyState,
    takenIndexes: number[] = [],
    readonly atMs?: number,
  ) {
    this.release3 = rulesFrom(s, 'release-3');
    this.release4 = rulesFrom(s, 'release-4');
    this.release5 = rulesFrom(s, 'release-5');
    this.usedIndexes = new Set(this.release3 ? takenIndexes : []);
  }

  say(line: string): void {
    this.reasons.push(line);
  }

  /** Says the line that gives a rule's reason to act; the tick's first add or remove is then credited to that rule. */
  because(rule: Rule, line: string): void {
    this.say(line);
    this.candidate = { rule, why: line };
  }

  private changed(): void {
    this.acted ??= this.candidate;
  }

  /** A group whose running queries may not all be counted, or are: never removed (drain-safe). */
  busy(g: GroupObservation): boolean {
    return g.runningQueries > 0 || this.unreachable !== undefined;
  }

  /**
   * The next `n` free names: numbered from 000, never one still in use (even by a group being deleted), added earlier
   * this tick, or held in the namespace by a StatefulSet that is not this warehouse's.
   */
  freeIndexes(n: number, taken: GroupObservation[]): number[] {
    const used = new Set([...this.usedIndexes, ...taken.map((g) => g.index)]);
    const out: number[] = [];
    for (let i = 0; out.length < n; i++) if (!used.has(i)) out.push(i);
    return out;
  }

  add(wanted: number, taken: GroupObservation[], why?: 'prewarm' | 'replace'): string[] {
    const names: string[] = [];
    // Never more than the fleet granted, whichever rule adds; a rule that checked fleetAllows first says nothing here.
    const n = fleetAllows(this, wanted);
    if (this.fleet && this.release5) this.fleet.groups -= Math.max(0, n);
    if (n > 0) this.changed();
    for (const i of this.freeIndexes(n, taken)) {
      this.usedIndexes.add(i);
      const group = groupName(i, this.spec.groupPrefix);
      names.push(group);
      if (this.spec.dryRun) {
        this.say(`Dry run: would add new executor group: ${group}`);
      } else {
        this.say(`Adding new executor group: ${group}`);
        this.actions.push(why ? { type: 'add', group, index: i, why } : { type: 'add', group, index: i });
        this.s.pending.push({ name: group, sinceTick: this.s.tick });
      }
    }
    if (!this.spec.dryRun) this.s.target += n;
    return names;
  }

  /** `inTarget`: the groups are counted in `s.target` (every group is, but a degraded one already replaced). */
  remove(groups: GroupObservation[], why: Extract<Action, { type: 'remove' }>['why'], inTarget = true): void {
    const fresh = groups.filter((g) => !this.removed.has(g.name));
    if (fresh.length > 0) this.changed();
    for (const g of fresh) {
      this.removed.add(g.name);
      if (this.spec.dryRun) {
        this.say(`Dry run: would remove executor group: ${g.name}`);
        continue;
      }
      this.say(`Removing executor group: ${g.name}`);
      this.actions.push({ type: 'remove', group: g.name, index: g.index, why });
      this.s.pending = this.s.pending.filter((p) => p.name !== g.name);
    }
    if (!this.spec.dryRun && inTarget) this.s.target -= fresh.length;
  }
}
