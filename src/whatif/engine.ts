// The discrete-event what-if simulator: one warehouse, one trace, one policy (one per executor group set). Time jumps from event to event —
// arrivals, query completions (from the admission model), group-ready times and the policy's ticks — so idle hours
// cost nothing. Admission is src/sim/admission-model.ts, the same model the HTTP coordinator simulator runs in real
// time ("one model, two clocks"). Times are integer milliseconds inside, seconds in the results.
import { AdmissionModel, type ModelEvent, type ModelGroup, type PoolLimits } from '../sim/admission-model';
import { setSpecs } from '../policy/group-sets';
import { impalaGroupName } from '../policy/names';
import { routeQuery } from '../sim/planner';
import type { WarehouseSpec } from '../policy/types';
import { MIB, type Command, type SimGroup, type SimPolicy, type SimView } from './policy-port';
import { waitStats, type WaitStats } from '../util/stats';
import type { TraceQuery } from '../sim/trace';

export interface SimOptions {
  /** Create → ready, seconds. */
  startupSeconds: number;
  /** Called now and then with the fraction of the trace's arrivals done (for progress on stderr). */
  onProgress?: (done: number) => void;
  /** Width of a timeline bucket; default: the trace span / 1200. */
  timelineBucketS?: number;
  /**
   * The pool's limits and queue timeout (Impala's max_requests, max_mem_resources, max_queued, queue_timeout_ms),
   * the same for every policy, the baselines and the oracle; default none.
   */
  poolLimits?: PoolLimits;
}

export interface TimelinePoint {
  /** Bucket start, seconds. */
  t: number;
  /** Maxima over the bucket. */
  queued: number;
  running: number;
  groups: number;
  ready: number;
  /** Groups added in the bucket ahead of a forecast load (pre-warming). */
  prewarmed: number;
}

export interface GroupLife {
  index: number;
  /** The group's set, in a warehouse of several. */
  groupSet?: string;
  createdS: number;
  /** When it disappeared (drained), or the horizon. */
  removedS: number;
  /** Intervals with at least one query running, seconds. */
  busy: [number, number][];
}

export interface SimResult {
  policy: string;
  queries: number;
  /** Queries admitted (the waits are theirs). */
  admitted: number;
  /** Queries Impala rejects: more memory than an executor or the pool admits, a full queue, or the queue timeout. */
  rejected: number;
  /** Of `rejected`, those that waited past the pool's queue timeout. */
  timedOut: number;
  wait: WaitStats;
  /** Executor-group-seconds, each group counted from create to removal (or the horizon). */
  groupSeconds: number;
  groupSecondsPerQuery: number;
  /** Executor-seconds: each group's seconds times its set's executors per group. */
  executorSeconds: number;
  /** Per set, in a warehouse of several (spec.groupSets); absent for one set. */
  groupSets?: Record<string, SetResult>;
  /** Ticks that added or removed groups (suspends and resumes included). */
  scaleActions: number;
  groupsAdded: number;
  groupsRemoved: number;
  /** Groups added ahead of a forecast load (pre-warming). */
  groupsPrewarmed: number;
  /** Ticks that took the warehouse to zero groups. */
  suspends: number;
  /** Ticks that added groups to a warehouse with none. */
  resumes: number;
  peakGroups: number;
  /** The last query's end: where the simulation stops, seconds. */
  horizonS: number;
  timeline: TimelinePoint[];
  groups: GroupLife[];
  /** Events processed, for the speed figure. */
  events: number;
}

export interface SetResult {
  /** Queries the planner routed to the set. */
  queries: number;
  groupSeconds: number;
  executorSeconds: number;
  /** Queue waits of the set's admitted queries. */
  wait: WaitStats;
  peakGroups: number;
}

interface G {
  index: number;
  impalaName: string;
  createdAtMs: number;
  readyAtMs: number;
  ready: boolean;
  deleting: boolean;
  removedAtMs?: number;
  running: number;
  busySince?: number;
  busy: [number, number][];
}

/** One executor group set as the engine runs it: its spec, its policy, its groups and its pool's queue. */
interface Lane {
  spec: WarehouseSpec;
  policy: SimPolicy;
  pool: string;
  groups: Map<number, G>;
  gone: G[];
  queued: number;
  running: number;
  waits: number[];
  recent: number[];
  recentSum: number;
  rejected: number;
  timedOut: number;
  scaleActions: number;
  added: number;
  prewarmed: number;
  removed: number;
  suspends: number;
  resumes: number;
  peak: number;
  nextTick: number;
}

const toMs = (s: number) => Math.round(s * 1000);
const STALL_MS = 7 * 86400 * 1000;

/** Checks a trace against a warehouse before simulating: every query's pool must be able to run on its groups. */
export function checkTraceFits(trace: TraceQuery[], spec: WarehouseSpec): void {
  const groupName = impalaGroupName(spec.groupSet, 1);
  for (const q of trace) {
    if (q.pool !== undefined && !groupName.startsWith(`${q.pool}-`)) {
      throw new Error(
        `trace row ${q.id + 1}: pool ${q.pool} cannot run on this warehouse's executor groups (${spec.groupSet}-group-NNN); ` +
          `simulate one warehouse per group set, or list the sets in the spec's groupSets`,
      );
    }
  }
}

/** One warehouse of one group set under one policy. */
export function simulate(trace: TraceQuery[], spec: WarehouseSpec, policy: SimPolicy, options: SimOptions): SimResult {
  checkTraceFits(trace, spec);
  return run(trace, [{ spec, policy }], () => 0, options, false);
}

/**
 * A warehouse of one or several executor group sets (`spec.groupSets`), each set under its own policy
 * (`policyFor(set spec)`), stepped in lockstep on one clock and one admission model. Each query goes to the set
 * Impala's planner picks (src/sim/planner.ts routeQuery: its per-executor memory against each set's maxQueryMemMb, a
 * trace's `pool` forcing a set); each policy sees its own set, and, as the workflow shows it, which other sets are
 * busy (Observation.busySets). A spec without groupSets is `simulate`.
 */
export function simulateWarehouse(
  trace: TraceQuery[],
  spec: WarehouseSpec,
  policyFor: (set: WarehouseSpec) => SimPolicy,
  options: SimOptions,
): SimResult {
  if (!spec.groupSets) return simulate(trace, spec, policyFor(spec), options);
  const sets = setSpecs(spec);
  const lanes = new Map(sets.map((s, i) => [s.groupSet, i]));
  const route = (q: TraceQuery) => {
    try {
      return lanes.get(routeQuery(sets, { memMb: q.memMb, pool: q.pool }))!;
    } catch (err) {
      throw new Error(`trace row ${q.id + 1}: ${(err as Error).message}`);
    }
  };
  return run(
    trace,
    sets.map((s) => ({ spec: s, policy: policyFor(s) })),
    route,
    options,
    true,
  );
}

function run(
  trace: TraceQuery[],
  setups: { spec: WarehouseSpec; policy: SimPolicy }[],
  route: (q: TraceQuery) => number,
  options: SimOptions,
  multiSet: boolean,
): SimResult {
  const startupMs = toMs(options.startupSeconds);
  const first = setups[0].spec;
  const model = new AdmissionModel({
    queriesPerGroup: first.queriesPerGroup,
    executorMemBytes: first.executorMemoryMb * MIB,
    poolLimits: options.poolLimits,
    ...(multiSet
      ? {
          pools: Object.fromEntries(
            setups.map(({ spec }) => [
              spec.groupSet,
              {
                queriesPerGroup: spec.queriesPerGroup,
                executorMemBytes: spec.executorMemoryMb * MIB,
                maxQueryMemBytes: spec.maxQueryMemMb === undefined ? undefined : spec.maxQueryMemMb * MIB,
              },
            ]),
          ),
        }
      : {}),
  });
  const lanes: Lane[] = setups.map(({ spec, policy }) => ({
    spec,
    policy,
    pool: spec.groupSet,
    groups: new Map(),
    gone: [],
    queued: 0,
    running: 0,
    waits: [],
    recent: [],
    recentSum: 0,
    rejected: 0,
    timedOut: 0,
    scaleActions: 0,
    added: 0,
    prewarmed: 0,
    removed: 0,
    suspends: 0,
    resumes: 0,
    peak: 0,
    nextTick: 0,
  }));
  const policyNames = [...new Set(lanes.map((l) => l.policy.name))];
  const arrivals = trace.map((q) => toMs(q.arrivalS));
  const lastArrivalMs = arrivals.length ? arrivals[arrivals.length - 1] : 0;
  const submittedAt = new Float64Array(trace.length);
  const laneOf = new Int32Array(trace.length);
  const durations = trace.map((q) => toMs(q.durationS));
  const waits: number[] = [];
  let events = 0;
  let membershipDirty = false;
  let prewarmedNow = 0;
  let peak = 0;

  const bucketMs = Math.max(1000, toMs(options.timelineBucketS ?? Math.max(1, (lastArrivalMs / 1000 + 600) / 1200)));
  const timeline = new Map<number, TimelinePoint>();
  const total = (f: (l: Lane) => number) => lanes.reduce((s, l) => s + f(l), 0);
  const liveGroups = (l: Lane) => [...l.groups.values()].filter((g) => !g.deleting).length;

  const byImpalaName = new Map<string, G>();
  const sample = (now: number) => {
    const b = Math.floor(now / bucketMs);
    let p = timeline.get(b);
    if (!p) {
      p = { t: (b * bucketMs) / 1000, queued: 0, running: 0, groups: 0, ready: 0, prewarmed: 0 };
      timeline.set(b, p);
    }
    let live = 0;
    let ready = 0;
    for (const l of lanes)
      for (const g of l.groups.values()) {
        if (g.deleting) continue;
        live += 1;
        if (g.ready) ready += 1;
      }
    p.queued = Math.max(
      p.queued,
      total((l) => l.queued),
    );
    p.running = Math.max(
      p.running,
      total((l) => l.running),
    );
    p.groups = Math.max(p.groups, live);
    p.ready = Math.max(p.ready, ready);
    p.prewarmed += prewarmedNow;
    prewarmedNow = 0;
  };

  const onEvents = (evs: ModelEvent[]) => {
    for (const e of evs) {
      const id = Number(e.id);
      const lane = lanes[laneOf[id]];
      if (e.type === 'admitted') {
        const wait = (e.at - submittedAt[id]) / 1000;
        waits.push(wait);
        lane.waits.push(wait);
        lane.queued -= 1;
        lane.running += 1;
        const g = byImpalaName.get(e.group!)!;
        if (g.running === 0) g.busySince = e.at;
        g.running += 1;
      } else if (e.type === 'finished' || e.type === 'killed') {
        lane.running -= 1;
        const g = byImpalaName.get(e.group!)!;
        g.running -= 1;
        if (g.running === 0) {
          g.busy.push([g.busySince! / 1000, e.at / 1000]);
          g.busySince = undefined;
          if (g.deleting) membershipDirty = true;
        }
        const d = durations[id] / 1000;
        lane.recent.push(d);
        lane.recentSum += d;
        if (lane.recent.length > 50) lane.recentSum -= lane.recent.shift()!;
      } else if (e.type === 'rejected' || e.type === 'timed-out') {
        lane.rejected += 1;
        if (e.type === 'timed-out') lane.timedOut += 1;
        lane.queued -= 1;
      }
    }
  };

  const syncMembership = (now: number) => {
    const members: ModelGroup[] = [];
    for (const lane of lanes) {
      // Drained (or never-ready) deleting groups disappear.
      for (const g of [...lane.groups.values()]) {
        if (g.deleting && (g.running === 0 || !g.ready)) {
          g.removedAtMs = now;
          lane.groups.delete(g.index);
          lane.gone.push(g);
        }
      }
      for (const g of lane.groups.values())
        members.push({
          name: g.impalaName,
          executors: lane.spec.executorsPerGroup,
          healthy: g.ready,
          quiescing: g.deleting,
        });
    }
    onEvents(model.setGroups(members, now));
    membershipDirty = false;
  };

  const create = (lane: Lane, index: number, now: number, readyAt: number) => {
    if (lane.groups.has(index)) throw new Error(`policy ${lane.policy.name} added group ${index}, which exists`);
    const g: G = {
      index,
      impalaName: impalaGroupName(lane.pool, index),
      createdAtMs: now,
      readyAtMs: readyAt,
      ready: readyAt <= now,
      deleting: false,
      running: 0,
      busy: [],
    };
    lane.groups.set(index, g);
    byImpalaName.set(g.impalaName, g);
    membershipDirty = true;
  };

  /**
   * Whether a set keeps the others from auto-suspending: queries queued or running in its pool, or groups starting —
   * src/policy/group-sets.ts setIsBusy's rule, read from the engine's own view, as every policy (a baseline has no
   * PolicyState) is ticked with it. Taken for all sets before any ticks, as the workflow observes every set first.
   */
  const isBusy = (l: Lane) =>
    l.queued > 0 || l.running > 0 || [...l.groups.values()].some((g) => !g.ready && !g.deleting);

  const view = (lane: Lane, now: number, busy: string[]): SimView => {
    const { spec, pool } = lane;
    const gs: SimGroup[] = [...lane.groups.values()]
      .sort((a, b) => a.index - b.index)
      .map((g) => ({
        index: g.index,
        createdAtMs: g.createdAtMs,
        readyAtMs: g.readyAtMs,
        ready: g.ready,
        deleting: g.deleting,
        running: g.running,
        memAdmittedBytes: 0,
      }));
    const stats = model.groups();
    const memByName = new Map(stats.map((s) => [s.name, s.memAdmittedBytes]));
    for (const g of gs) g.memAdmittedBytes = memByName.get(impalaGroupName(pool, g.index)) ?? 0;
    let memReserved = 0;
    for (const g of gs) memReserved += g.memAdmittedBytes * spec.executorsPerGroup;
    return {
      nowMs: now,
      spec,
      groups: gs,
      queued: lane.queued,
      running: lane.running,
      memReservedBytes: memReserved,
      queuedMemBytes: () => (model.poolStats(pool)?.queue ?? []).map((id) => model.query(id)!.memBytes),
      runningMemBytes: () => gs.flatMap((g) => model.runningOn(impalaGroupName(pool, g.index)).map((q) => q.memBytes)),
      recentMeanDurationS: lane.recent.length ? lane.recentSum / lane.recent.length : undefined,
      admission: () => {
        const p = model.poolStats(pool);
        return {
          headQueuedReason: p?.headQueuedReason,
          limits: options.poolLimits,
          timedOut: p?.totalTimedOut ?? 0,
          rejected: p?.totalRejected ?? 0,
        };
      },
      ...(multiSet ? { busySets: busy.filter((set) => set !== pool) } : {}),
    };
  };

  const apply = (lane: Lane, cmd: Command, now: number) => {
    if (cmd.add.length === 0 && cmd.remove.length === 0) return;
    const liveBefore = liveGroups(lane);
    for (const index of cmd.remove) {
      const g = lane.groups.get(index);
      if (!g || g.deleting)
        throw new Error(
          `policy ${lane.policy.name} removed group ${index}, which does not exist or is already being removed`,
        );
      g.deleting = true;
      lane.removed += 1;
      membershipDirty = true;
    }
    for (const index of cmd.add) {
      create(lane, index, now, now + startupMs);
      lane.added += 1;
    }
    const liveAfter = liveGroups(lane);
    lane.scaleActions += 1;
    lane.prewarmed += cmd.prewarm ?? 0;
    prewarmedNow += cmd.prewarm ?? 0;
    if (liveBefore === 0 && liveAfter > 0) lane.resumes += 1;
    if (liveBefore > 0 && liveAfter === 0) lane.suspends += 1;
    lane.peak = Math.max(lane.peak, liveAfter);
    peak = Math.max(peak, total(liveGroups));
  };

  for (const lane of lanes) {
    for (let i = 0; i < lane.policy.initialGroups(lane.spec); i++) create(lane, i, 0, 0);
    lane.peak = lane.groups.size;
  }
  peak = total((l) => l.groups.size);
  syncMembership(0);

  let next = 0;
  let now = 0;
  const progressEvery = Math.max(1000, Math.floor(trace.length / 20));
  for (;;) {
    const done = next >= trace.length && lanes.every((l) => l.queued === 0 && l.running === 0);
    if (done) break;
    let t = Number.POSITIVE_INFINITY;
    if (next < trace.length) t = Math.min(t, arrivals[next]);
    const tc = model.nextEventTime();
    if (tc !== undefined) t = Math.min(t, tc);
    for (const lane of lanes) {
      for (const g of lane.groups.values()) if (!g.ready && !g.deleting) t = Math.min(t, g.readyAtMs);
      t = Math.min(t, lane.nextTick);
    }
    if (t > lastArrivalMs + STALL_MS) {
      throw new Error(
        `policy ${policyNames.join(', ')}: ${total((l) => l.queued)} queries still queued ${STALL_MS / 86400000} days after the last arrival; it never gives them capacity`,
      );
    }
    now = t;
    events += 1;
    onEvents(model.advance(now));
    for (const lane of lanes)
      for (const g of lane.groups.values()) {
        if (!g.ready && !g.deleting && g.readyAtMs <= now) {
          g.ready = true;
          membershipDirty = true;
        }
      }
    if (membershipDirty) syncMembership(now);
    while (next < trace.length && arrivals[next] <= now) {
      const q = trace[next];
      const lane = lanes[route(q)];
      laneOf[q.id] = lanes.indexOf(lane);
      submittedAt[q.id] = now;
      lane.queued += 1;
      const r = model.submit(
        {
          id: String(q.id),
          // A multi-set warehouse: the planner's set is the query's pool (Frontend.setGroupNamePrefix).
          pool: multiSet ? lane.pool : (q.pool ?? lane.pool),
          memBytes: Math.round(q.memMb * MIB),
          durationMs: durations[q.id],
        },
        now,
      );
      onEvents(r.events);
      next += 1;
      if (options.onProgress && next % progressEvery === 0) options.onProgress(next / trace.length);
    }
    const busy = multiSet ? lanes.filter(isBusy).map((l) => l.pool) : [];
    for (const lane of lanes) {
      if (now >= lane.nextTick) {
        apply(lane, lane.policy.tick(view(lane, now, busy)), now);
        if (membershipDirty) syncMembership(now);
        lane.nextTick = now + lane.policy.tickMs;
      }
    }
    if (membershipDirty) syncMembership(now);
    sample(now);
  }
  const horizon = now;
  const livesOf = (lane: Lane): GroupLife[] =>
    [...lane.gone, ...lane.groups.values()].map((g) => ({
      index: g.index,
      ...(multiSet ? { groupSet: lane.pool } : {}),
      createdS: g.createdAtMs / 1000,
      removedS: (g.removedAtMs ?? horizon) / 1000,
      busy: g.busy,
    }));
  const secondsOf = (lives: GroupLife[]) => lives.reduce((s, g) => s + (g.removedS - g.createdS), 0);
  const perSet = lanes.map((lane) => {
    const groupSeconds = secondsOf(livesOf(lane));
    return { lane, groupSeconds, executorSeconds: groupSeconds * lane.spec.executorsPerGroup };
  });
  const lives = lanes.flatMap(livesOf).sort((a, b) => a.createdS - b.createdS || a.index - b.index);
  const groupSeconds = secondsOf(lives);
  return {
    policy: policyNames.join(', '),
    queries: trace.length,
    admitted: waits.length,
    rejected: total((l) => l.rejected),
    timedOut: total((l) => l.timedOut),
    wait: waitStats(waits),
    groupSeconds,
    groupSecondsPerQuery: trace.length ? groupSeconds / trace.length : 0,
    executorSeconds: perSet.reduce((s, p) => s + p.executorSeconds, 0),
    ...(multiSet
      ? {
          groupSets: Object.fromEntries(
            perSet.map(({ lane, groupSeconds: gs, executorSeconds }) => [
              lane.pool,
              {
                queries: lane.waits.length + lane.rejected,
                groupSeconds: gs,
                executorSeconds,
                wait: waitStats(lane.waits),
                peakGroups: lane.peak,
              },
            ]),
          ),
        }
      : {}),
    scaleActions: total((l) => l.scaleActions),
    groupsAdded: total((l) => l.added),
    groupsRemoved: total((l) => l.removed),
    groupsPrewarmed: total((l) => l.prewarmed),
    suspends: total((l) => l.suspends),
    resumes: total((l) => l.resumes),
    peakGroups: peak,
    horizonS: horizon / 1000,
    timeline: [...timeline.values()].sort((a, b) => a.t - b.t),
    groups: lives,
    events,
  };
}
