// The clairvoyant oracle: knows the whole trace, so it runs Impala's admission with every group it may have
// (nodes.max) available — the least queueing any policy can get, zero whenever the maximum is not the bottleneck —
// and pays for a group only around its busy intervals: started exactly `startup` seconds before its first query,
// stopped the moment it idles, unless the next query for it comes within `startup` (restarting would cost more
// than staying up, so it stays). That is the fewest group-seconds of any schedule with these waits: each group's
// busy intervals are fixed by admission, and for each idle gap the cheapest choice is min(gap, startup).
import type { WarehouseSpec } from '../policy/types';
import { simulate, type GroupLife, type SimOptions, type SimResult, type TimelinePoint } from './engine';
import { StaticMaxPolicy } from './policies/baselines';
import type { TraceQuery } from '../sim/trace';

/** The on-periods of one group: its busy intervals, joined across gaps shorter than `startup`, each preceded by the start-up. */
export function onPeriods(busy: [number, number][], startupS: number): [number, number][] {
  const out: [number, number][] = [];
  for (const [a, b] of busy) {
    const last = out[out.length - 1];
    if (last && a - last[1] <= startupS) last[1] = Math.max(last[1], b);
    else out.push([a - startupS, b]);
  }
  return out;
}

export function oracle(trace: TraceQuery[], spec: WarehouseSpec, options: SimOptions): SimResult {
  return oracleOf(simulate(trace, spec, new StaticMaxPolicy(), options), options.startupSeconds);
}

/** The oracle from a static-max run of the same trace (`base`), which it is derived from: saves simulating it twice. */
export function oracleOf(base: SimResult, startupS: number): SimResult {
  const s = startupS;
  const lives: GroupLife[] = [];
  const edges: { t: number; d: number }[] = [];
  let groupSeconds = 0;
  let starts = 0;
  for (const g of base.groups) {
    for (const [a, b] of onPeriods(g.busy, s)) {
      lives.push({ index: g.index, createdS: a, removedS: b, busy: g.busy.filter(([x, y]) => x >= a && y <= b) });
      groupSeconds += b - a;
      starts += 1;
      edges.push({ t: a, d: +1 }, { t: b, d: -1 });
    }
  }
  // Whole-warehouse suspends / resumes, and the number of groups on over time for the chart.
  edges.sort((x, y) => x.t - y.t || x.d - y.d);
  let on = 0;
  let peak = 0;
  let resumes = 0;
  let suspends = 0;
  const timeline: TimelinePoint[] = base.timeline.map((p) => ({ ...p, groups: 0, ready: 0 }));
  const bucket = timeline.length > 1 ? timeline[1].t - timeline[0].t : 1;
  const byT = new Map(timeline.map((p) => [Math.round(p.t / bucket), p]));
  const mark = (from: number, to: number, n: number) => {
    for (let k = Math.floor(from / bucket); k * bucket < to || k === Math.floor(from / bucket); k++) {
      const p = byT.get(k);
      if (p) {
        p.groups = Math.max(p.groups, n);
        p.ready = Math.max(p.ready, n);
      }
      if (k * bucket >= to) break;
    }
  };
  let prevT = edges.length ? edges[0].t : 0;
  for (const e of edges) {
    if (on > 0 && e.t > prevT) mark(prevT, e.t, on);
    if (on === 0 && e.d > 0) resumes += 1;
    on += e.d;
    if (on === 0 && e.d < 0) suspends += 1;
    peak = Math.max(peak, on);
    prevT = e.t;
  }
  return {
    ...base,
    policy: 'oracle',
    groupSeconds,
    groupSecondsPerQuery: base.queries ? groupSeconds / base.queries : 0,
    scaleActions: 2 * starts,
    groupsAdded: starts,
    groupsRemoved: starts,
    suspends,
    resumes,
    peakGroups: peak,
    timeline,
    groups: lives,
  };
}
