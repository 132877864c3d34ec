// The discrete-event what-if simulator: one warehouse, one trace, one policy. Time jumps from event to event —
// arrivals, query completions (from the admission model), group-ready times and the policy's ticks — so idle hours
// cost nothing. Admission is src/sim/admission-model.ts, the same model the HTTP coordinator simulator runs in real
// time ("one model, two clocks"). Times are integer milliseconds inside, seconds in the results.
import { AdmissionModel, type ModelEvent, type ModelGroup, type PoolLimits } from '../sim/admission-model';
import { impalaGroupName } from '../policy/names';
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

const toMs = (s: number) => Math.round(s * 1000);
const STALL_MS = 7 * 86400 * 1000;

/** Checks a trace against a warehouse before simulating: every query's pool must be able to run on its groups. */
export function checkTraceFits(trace: TraceQuery[], spec: WarehouseSpec): void {
  const groupName = impalaGroupName(spec.groupSet, 1);
  for (const q of trace) {
    if (q.pool !== undefined && !groupName.startsWith(`${q.pool}-`)) {
      throw new Error(
        `trace row ${q.id + 1}: pool ${q.pool} cannot run on this warehouse's executor groups (${spec.groupSet}-group-NNN); ` +
          `simulate one warehouse per group set`,
      );
    }
  }
}

export function simulate(trace: TraceQuery[], spec: WarehouseSpec, policy: SimPolicy, options: SimOptions): SimResult {
  checkTraceFits(trace, spec);
  const startupMs = toMs(options.startupSeconds);
  const memPerExec = spec.executorMemoryMb * MIB;
  const model = new AdmissionModel({
    queriesPerGroup: spec.queriesPerGroup,
    executorMemBytes: memPerExec,
    poolLimits: options.poolLimits,
  });
  const pool = spec.groupSet;
  const arrivals = trace.map((q) => toMs(q.arrivalS));
  const lastArrivalMs = arrivals.length ? arrivals[arrivals.length - 1] : 0;
  const submittedAt = new Float64Array(trace.length);
  const durations = trace.map((q) => toMs(q.durationS));
  const waits: number[] = [];
  const recent: number[] = [];
  let recentSum = 0;
  let rejected = 0;
  let timedOut = 0;
  let events = 0;

  const groups = new Map<number, G>();
  const gone: G[] = [];
  let membershipDirty = false;
  let scaleActions = 0;
  let added = 0;
  let prewarmed = 0;
  let prewarmedNow = 0;
  let removed = 0;
  let suspends = 0;
  let resumes = 0;
  let peak = 0;

  const bucketMs = Math.max(1000, toMs(options.timelineBucketS ?? Math.max(1, (lastArrivalMs / 1000 + 600) / 1200)));
  const timeline = new Map<number, TimelinePoint>();
  let queuedNow = 0;
  let runningNow = 0;

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
    for (const g of groups.values()) {
      if (g.deleting) continue;
      live += 1;
      if (g.ready) ready += 1;
    }
    p.queued = Math.max(p.queued, queuedNow);
    p.running = Math.max(p.running, runningNow);
    p.groups = Math.max(p.groups, live);
    p.ready = Math.max(p.ready, ready);
    p.prewarmed += prewarmedNow;
    prewarmedNow = 0;
  };

  const onEvents = (evs: ModelEvent[]) => {
    for (const e of evs) {
      const id = Number(e.id);
      if (e.type === 'admitted') {
        waits.push((e.at - submittedAt[id]) / 1000);
        queuedNow -= 1;
        runningNow += 1;
        const g = byImpalaName.get(e.group!)!;
        if (g.running === 0) g.busySince = e.at;
        g.running += 1;
      } else if (e.type === 'finished' || e.type === 'killed') {
        runningNow -= 1;
        const g = byImpalaName.get(e.group!)!;
        g.running -= 1;
        if (g.running === 0) {
          g.busy.push([g.busySince! / 1000, e.at / 1000]);
          g.busySince = undefined;
          if (g.deleting) membershipDirty = true;
        }
        const d = durations[id] / 1000;
        recent.push(d);
        recentSum += d;
        if (recent.length > 50) recentSum -= recent.shift()!;
      } else if (e.type === 'rejected' || e.type === 'timed-out') {
        rejected += 1;
        if (e.type === 'timed-out') timedOut += 1;
        queuedNow -= 1;
      }
    }
  };

  const syncMembership = (now: number) => {
    // Drained (or never-ready) deleting groups disappear.
    for (const g of [...groups.values()]) {
      if (g.deleting && (g.running === 0 || !g.ready)) {
        g.removedAtMs = now;
        groups.delete(g.index);
        gone.push(g);
      }
    }
    const members: ModelGroup[] = [...groups.values()].map((g) => ({
      name: g.impalaName,
      executors: spec.executorsPerGroup,
      healthy: g.ready,
      quiescing: g.deleting,
    }));
    onEvents(model.setGroups(members, now));
    membershipDirty = false;
  };

  const create = (index: number, now: number, readyAt: number) => {
    if (groups.has(index)) throw new Error(`policy ${policy.name} added group ${index}, which exists`);
    const g: G = {
      index,
      impalaName: impalaGroupName(pool, index),
      createdAtMs: now,
      readyAtMs: readyAt,
      ready: readyAt <= now,
      deleting: false,
      running: 0,
      busy: [],
    };
    groups.set(index, g);
    byImpalaName.set(g.impalaName, g);
    membershipDirty = true;
  };

  const view = (now: number): SimView => {
    const gs: SimGroup[] = [...groups.values()]
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
      queued: queuedNow,
      running: runningNow,
      memReservedBytes: memReserved,
      queuedMemBytes: () => (model.poolStats(pool)?.queue ?? []).map((id) => model.query(id)!.memBytes),
      runningMemBytes: () => gs.flatMap((g) => model.runningOn(impalaGroupName(pool, g.index)).map((q) => q.memBytes)),
      recentMeanDurationS: recent.length ? recentSum / recent.length : undefined,
      admission: () => {
        const p = model.poolStats(pool);
        return {
          headQueuedReason: p?.headQueuedReason,
          limits: options.poolLimits,
          timedOut: p?.totalTimedOut ?? 0,
          rejected: p?.totalRejected ?? 0,
        };
      },
    };
  };

  const apply = (cmd: Command, now: number) => {
    if (cmd.add.length === 0 && cmd.remove.length === 0) return;
    const liveBefore = [...groups.values()].filter((g) => !g.deleting).length;
    for (const index of cmd.remove) {
      const g = groups.get(index);
      if (!g || g.deleting)
        throw new Error(
          `policy ${policy.name} removed group ${index}, which does not exist or is already being removed`,
        );
      g.deleting = true;
      removed += 1;
      membershipDirty = true;
    }
    for (const index of cmd.add) {
      create(index, now, now + startupMs);
      added += 1;
    }
    const liveAfter = [...groups.values()].filter((g) => !g.deleting).length;
    scaleActions += 1;
    prewarmed += cmd.prewarm ?? 0;
    prewarmedNow += cmd.prewarm ?? 0;
    if (liveBefore === 0 && liveAfter > 0) resumes += 1;
    if (liveBefore > 0 && liveAfter === 0) suspends += 1;
    peak = Math.max(peak, liveAfter);
  };

  for (let i = 0; i < policy.initialGroups(spec); i++) create(i, 0, 0);
  peak = groups.size;
  syncMembership(0);

  let next = 0;
  let nextTick = 0;
  let now = 0;
  const progressEvery = Math.max(1000, Math.floor(trace.length / 20));
  for (;;) {
    const done = next >= trace.length && queuedNow === 0 && runningNow === 0;
    if (done) break;
    let t = Number.POSITIVE_INFINITY;
    if (next < trace.length) t = Math.min(t, arrivals[next]);
    const tc = model.nextEventTime();
    if (tc !== undefined) t = Math.min(t, tc);
    for (const g of groups.values()) if (!g.ready && !g.deleting) t = Math.min(t, g.readyAtMs);
    t = Math.min(t, nextTick);
    if (t > lastArrivalMs + STALL_MS) {
      throw new Error(
        `policy ${policy.name}: ${queuedNow} queries still queued ${STALL_MS / 86400000} days after the last arrival; it never gives them capacity`,
      );
    }
    now = t;
    events += 1;
    onEvents(model.advance(now));
    for (const g of groups.values()) {
      if (!g.ready && !g.deleting && g.readyAtMs <= now) {
        g.ready = true;
        membershipDirty = true;
      }
    }
    if (membershipDirty) syncMembership(now);
    while (next < trace.length && arrivals[next] <= now) {
      const q = trace[next];
      submittedAt[q.id] = now;
      queuedNow += 1;
      const r = model.submit(
        { id: String(q.id), pool: q.pool ?? pool, memBytes: Math.round(q.memMb * MIB), durationMs: durations[q.id] },
        now,
      );
      onEvents(r.events);
      next += 1;
      if (options.onProgress && next % progressEvery === 0) options.onProgress(next / trace.length);
    }
    if (now >= nextTick) {
      apply(policy.tick(view(now)), now);
      if (membershipDirty) syncMembership(now);
      nextTick = now + policy.tickMs;
    }
    if (membershipDirty) syncMembership(now);
    sample(now);
  }
  const horizon = now;
  const lives: GroupLife[] = [...gone, ...groups.values()]
    .map((g) => ({
      index: g.index,
      createdS: g.createdAtMs / 1000,
      removedS: (g.removedAtMs ?? horizon) / 1000,
      busy: g.busy,
    }))
    .sort((a, b) => a.createdS - b.createdS || a.index - b.index);
  const groupSeconds = lives.reduce((s, g) => s + (g.removedS - g.createdS), 0);
  return {
    policy: policy.name,
    queries: trace.length,
    admitted: waits.length,
    rejected,
    timedOut,
    wait: waitStats(waits),
    groupSeconds,
    groupSecondsPerQuery: trace.length ? groupSeconds / trace.length : 0,
    scaleActions,
    groupsAdded: added,
    groupsRemoved: removed,
    groupsPrewarmed: prewarmed,
    suspends,
    resumes,
    peakGroups: peak,
    horizonS: horizon / 1000,
    timeline: [...timeline.values()].sort((a, b) => a.t - b.t),
    groups: lives,
    events,
  };
}
