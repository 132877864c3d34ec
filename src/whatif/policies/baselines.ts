// Baseline policies the benchmark compares ours against. Each is written from its source, cited in its comment, and
// runs against the same admission model, start-up time and warehouse limits as ours. Where a source leaves a choice
// open, the comment says which reading is used.
import type { WarehouseSpec } from '../../policy/types';
import {
  freeIndices,
  maxGroupsOf,
  minGroupsOf,
  MIB,
  NONE,
  type Command,
  type SimGroup,
  type SimPolicy,
  type SimView,
} from '../policy-port';

const live = (v: SimView) => v.groups.filter((g) => !g.deleting);
const idleHighestFirst = (gs: SimGroup[]) =>
  gs.filter((g) => g.ready && !g.deleting && g.running === 0).sort((a, b) => b.index - a.index);

/** Would `n` groups hold what runs now, by slots and by per-executor memory? */
function holds(spec: WarehouseSpec, n: number, running: number, memReservedBytes: number): boolean {
  return (
    n * spec.queriesPerGroup >= running && n * spec.executorsPerGroup * spec.executorMemoryMb * MIB >= memReservedBytes
  );
}

/**
 * static-max — provisioning for the peak, what a fixed Impala cluster is: `nodes.max` worth of groups, ready from the
 * first second and never removed. The reference for cost (bench:policy measures savings against it).
 */
export class StaticMaxPolicy implements SimPolicy {
  readonly name = 'static-max';
  readonly tickMs = 3600_000;
  initialGroups(spec: WarehouseSpec): number {
    return maxGroupsOf(spec);
  }
  tick(): Command {
    return NONE;
  }
}

/**
 * legacy — the rule of the seed system (the system this project replaces), as its log (docs/design.md, "The decision log") shows it: a control loop every
 * `pollIntervalSeconds` (20 s: "Impala-autoscaler sleeping for 20s"); scale up by one group when a queue has lasted one
 * more tick ("enoughConsecutive Up calls false as current 0 target 1"); no decision while a scale-up is pending
 * ("needsScaleDown/needsSuspend is false as scaling in progress"), so a new group only after the previous one is ready;
 * resume with one group as soon as a query queues at a suspended warehouse. What the excerpt does not show is taken
 * from the first release's balanced preset the seed shipped: scale down one idle group after 600 s in which one
 * group fewer would hold the load, suspend at the last group after the AutoSuspend timeout. Frozen here, so that
 * changes to our modes do not move the baseline.
 */
export class LegacyPolicy implements SimPolicy {
  readonly name = 'legacy';
  readonly tickMs: number;
  private up = 0;
  private down = 0;
  private suspend = 0;
  private readonly upTicks = 1;
  private readonly downTicks: number;
  private readonly suspendTicks: number;

  constructor(spec: WarehouseSpec) {
    const poll = spec.pollIntervalSeconds;
    this.tickMs = poll * 1000;
    this.downTicks = Math.ceil(600 / poll);
    this.suspendTicks = Math.ceil(spec.autoSuspend.timeoutSeconds / poll);
  }

  initialGroups(): number {
    return 0;
  }

  tick(v: SimView): Command {
    const { spec } = v;
    const min = minGroupsOf(spec);
    const max = maxGroupsOf(spec);
    const floor = Math.max(1, min);
    const alive = live(v);
    const ready = alive.filter((g) => g.ready);
    if (alive.length > ready.length) {
      this.up = this.down = this.suspend = 0;
      return NONE;
    }
    if (alive.length === 0) {
      this.up = this.down = this.suspend = 0;
      return v.queued > 0 ? { add: freeIndices(v.groups, Math.min(max, floor)), remove: [] } : NONE;
    }
    if (alive.length < min) return { add: freeIndices(v.groups, min - alive.length), remove: [] };
    if (v.queued > 0) {
      this.down = this.suspend = 0;
      if (alive.length >= max) {
        this.up = 0;
        return NONE;
      }
      if (this.up < this.upTicks) {
        this.up += 1;
        return NONE;
      }
      this.up = 0;
      return { add: freeIndices(v.groups, 1), remove: [] };
    }
    this.up = 0;
    if (ready.length > floor) {
      this.suspend = 0;
      if (!holds(spec, ready.length - 1, v.running, v.memReservedBytes)) {
        this.down = 0;
        return NONE;
      }
      if (this.down < this.downTicks) {
        this.down += 1;
        return NONE;
      }
      const [victim] = idleHighestFirst(ready);
      if (!victim) return NONE;
      this.down = 0;
      return { add: [], remove: [victim.index] };
    }
    this.down = 0;
    if (!spec.autoSuspend.enabled || v.running > 0) {
      this.suspend = 0;
      return NONE;
    }
    if (this.suspend < this.suspendTicks) {
      this.suspend += 1;
      return NONE;
    }
    this.suspend = 0;
    return { add: [], remove: alive.map((g) => g.index) };
  }
}

/**
 * impala-test — Apache Impala's own test autoscaler, `tests/util/auto_scaler.py` (class AutoScaler, method loop()):
 * a 1 s loop; a stopwatch resets while nothing is queued, and once queries have been queued for `wait_up_s` (default
 * 5 s) one group is started; a second stopwatch resets while the free capacity `executor_slots × num_groups −
 * num_running` is below one group's slots, and once it has stayed at or above that for `wait_down_s` (default 5 s) the
 * group added last is stopped with a graceful `:shutdown()`. start_group() and stop_group() block the loop until the
 * group is up / gone (here: until ready / drained), and both stopwatches restart afterwards. It counts slots only (no
 * memory), starts with no executor groups, and its max_groups is taken from the warehouse's nodes.max.
 */
export class ImpalaTestPolicy implements SimPolicy {
  readonly name = 'impala-test';
  readonly tickMs = 1000;
  private upSw = 0;
  private downSw = 0;
  private blocked = false;

  constructor(
    private readonly waitUpS = 5,
    private readonly waitDownS = 5,
  ) {}

  initialGroups(): number {
    return 0;
  }

  tick(v: SimView): Command {
    const now = v.nowMs;
    if (v.groups.some((g) => g.deleting || !g.ready)) {
      this.blocked = true;
      return NONE;
    }
    if (this.blocked) {
      this.blocked = false;
      this.upSw = this.downSw = now;
    }
    const groups = v.groups.length;
    const slots = v.spec.queriesPerGroup;
    if (v.queued === 0) this.upSw = now;
    if (this.upSw < now - this.waitUpS * 1000 && groups < maxGroupsOf(v.spec)) {
      this.upSw = this.downSw = now;
      return { add: freeIndices(v.groups, 1), remove: [] };
    }
    const surplus = slots * groups - v.running;
    if (surplus < slots) this.downSw = now;
    if (this.downSw < now - this.waitDownS * 1000 && groups > 0) {
      this.upSw = this.downSw = now;
      const last = Math.max(...v.groups.map((g) => g.index));
      return { add: [], remove: [last] };
    }
    return NONE;
  }
}

/**
 * snowflake-standard / snowflake-economy — Snowflake's multi-cluster warehouse in auto-scale mode, as its documentation
 * ("Multi-cluster warehouses", Setting the scaling policy) describes the two scaling policies:
 * - Standard: "the first cluster starts immediately when either a query is queued or the system detects that there's
 *   one more query than the currently-running clusters can execute"; "each successive cluster waits to start 20
 *   seconds after the prior one has started"; a cluster shuts down "after 2 to 3 consecutive successful checks
 *   (performed at 1 minute intervals), which determine whether the load on the least-loaded cluster could be
 *   redistributed to the other clusters without spinning up the cluster again".
 * - Economy: a cluster starts "only if the system estimates there's enough query load to keep the cluster busy for at
 *   least 6 minutes"; shutdown "after 5 to 6 consecutive successful checks".
 * Readings used here: checks needed = 3 (standard) and 6 (economy), the upper ends; "queued" means queued beyond what
 * clusters already starting will absorb; economy's estimate is the queue's work spread over one new cluster's slots,
 * `queued × mean recent query duration / queriesPerGroup ≥ 360 s`, less what starting clusters will take; the
 * least-loaded cluster is the one with the fewest running queries (the highest-numbered on a tie), and it drains.
 * Auto-suspend (warehouse level, after the spec's AutoSuspend timeout idle) and auto-resume (one cluster, or the
 * minimum, as soon as a query arrives) as for every warehouse.
 */
export class SnowflakePolicy implements SimPolicy {
  readonly name: string;
  readonly tickMs = 1000;
  private lastStartMs = Number.NEGATIVE_INFINITY;
  private lastCheckMs = 0;
  private checks = 0;
  private idleSinceMs: number | undefined;
  private readonly checksNeeded: number;

  constructor(private readonly scaling: 'standard' | 'economy') {
    this.name = `snowflake-${scaling}`;
    this.checksNeeded = scaling === 'standard' ? 3 : 6;
  }

  initialGroups(): number {
    return 0;
  }

  tick(v: SimView): Command {
    const { spec, nowMs: now } = v;
    const max = maxGroupsOf(spec);
    const floor = Math.max(1, minGroupsOf(spec));
    const alive = live(v);
    const ready = alive.filter((g) => g.ready);
    const starting = alive.length - ready.length;
    const Q = spec.queriesPerGroup;
    if (alive.length === 0) {
      this.checks = 0;
      this.idleSinceMs = undefined;
      if (v.queued === 0) return NONE;
      this.lastStartMs = now;
      return { add: freeIndices(v.groups, Math.min(max, floor)), remove: [] };
    }
    // Auto-suspend: the whole warehouse, after the timeout with nothing running or queued.
    if (v.running === 0 && v.queued === 0) {
      this.idleSinceMs ??= now;
      if (spec.autoSuspend.enabled && now - this.idleSinceMs >= spec.autoSuspend.timeoutSeconds * 1000) {
        this.idleSinceMs = undefined;
        this.checks = 0;
        return { add: [], remove: alive.map((g) => g.index) };
      }
    } else {
      this.idleSinceMs = undefined;
    }
    const excess = v.queued - starting * Q;
    if (excess > 0 && alive.length < max && now - this.lastStartMs >= 20_000 && this.worthStarting(v, starting)) {
      this.lastStartMs = now;
      this.checks = 0;
      return { add: freeIndices(v.groups, 1), remove: [] };
    }
    if (now - this.lastCheckMs >= 60_000) {
      this.lastCheckMs = now;
      const ok =
        v.queued === 0 &&
        starting === 0 &&
        ready.length > floor &&
        holds(spec, ready.length - 1, v.running, v.memReservedBytes);
      this.checks = ok ? this.checks + 1 : 0;
      if (this.checks >= this.checksNeeded) {
        this.checks = 0;
        const least = [...ready].sort((a, b) => a.running - b.running || b.index - a.index)[0];
        return { add: [], remove: [least.index] };
      }
    }
    return NONE;
  }

  private worthStarting(v: SimView, starting: number): boolean {
    if (this.scaling === 'standard') return true;
    const mean = v.recentMeanDurationS;
    if (mean === undefined) return false;
    const Q = v.spec.queriesPerGroup;
    const busySeconds = (v.queued * mean) / Q - starting * 360;
    return busySeconds >= 360;
  }
}

/**
 * hpa — the Kubernetes HorizontalPodAutoscaler (autoscaling/v2) with its defaults, over executor groups as replicas:
 * sync every 15 s (--horizontal-pod-autoscaler-sync-period); desired = ceil(current × metric / target), skipped
 * within the 0.1 tolerance; two metrics, slot utilisation `(running + queued) / (groups × queriesPerGroup)` and memory
 * utilisation (reserved + queued, over the groups' admit limits), the larger desired wins; target 80 % (the
 * `kubectl autoscale --cpu-percent` default); default behavior: scale-up by max(100 %, 4 replicas) per 15 s with no
 * stabilisation, scale-down to the highest recommendation of the last 300 s (the default scale-down stabilisation
 * window) and removing the highest-numbered groups, as a StatefulSet does. Unready groups count as 0 % used, and the
 * HPA cannot go to zero: minReplicas = max(1, minimum groups), ready from the start.
 */
export class HpaPolicy implements SimPolicy {
  readonly name = 'hpa';
  readonly tickMs = 15_000;
  private recs: { at: number; desired: number }[] = [];

  constructor(private readonly target = 0.8) {}

  initialGroups(spec: WarehouseSpec): number {
    return Math.max(1, minGroupsOf(spec));
  }

  tick(v: SimView): Command {
    const { spec, nowMs: now } = v;
    const minR = Math.max(1, minGroupsOf(spec));
    const maxR = maxGroupsOf(spec);
    const alive = live(v);
    const current = alive.length;
    const slotUtil = (v.running + v.queued) / (current * spec.queriesPerGroup);
    const queuedMem = v.queued > 0 ? v.queuedMemBytes().reduce((s, m) => s + m, 0) * spec.executorsPerGroup : 0;
    const memUtil = (v.memReservedBytes + queuedMem) / (current * spec.executorsPerGroup * spec.executorMemoryMb * MIB);
    const want = (util: number) =>
      Math.abs(util / this.target - 1) <= 0.1 ? current : Math.ceil(current * (util / this.target));
    let desired = Math.max(want(slotUtil), want(memUtil));
    desired = Math.min(desired, Math.max(2 * current, current + 4));
    desired = Math.max(minR, Math.min(maxR, desired));
    this.recs.push({ at: now, desired });
    this.recs = this.recs.filter((r) => r.at > now - 300_000);
    if (desired < current) desired = Math.max(...this.recs.map((r) => r.desired));
    desired = Math.max(minR, Math.min(maxR, desired));
    if (desired > current) return { add: freeIndices(v.groups, desired - current), remove: [] };
    if (desired < current) {
      const victims = [...alive].sort((a, b) => b.index - a.index).slice(0, current - desired);
      return { add: [], remove: victims.map((g) => g.index) };
    }
    return NONE;
  }
}
