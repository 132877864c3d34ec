// Generator families of the policy suite: each draws its own parameters (rates, burst sizes, durations, per-executor
// memory up to a whole executor, weekly patterns with weekends and holidays, growth, on/off sources, saturation at
// nodes.max) from its seed, then generates a trace from the same seed. Shapes are common ones, not the benchmark's
// named traces: the modes are judged on workloads they were not tuned on (bench/policy-suite.ts).
import type { TraceQuery } from '../../sim/trace';
import { arrivals, build, exponential, logNormal, memory, pareto, rngOf, type Rng } from '../generators';

const MIN = 60;
const HOUR = 3600;
const DAY = 24 * HOUR;
/** Simulated time 0 is 1970-01-01 00:00 UTC, a Thursday (src/whatif/policies/ours.ts): day d is weekday (4 + d) % 7. */
const weekday = (t: number) => (4 + Math.floor(t / DAY)) % 7;
const isWeekend = (t: number) => weekday(t) === 0 || weekday(t) === 6;

export interface SuiteContext {
  executorMemoryMb: number;
  /** Groups the warehouse may have (nodes.max / executorsPerGroup) and their slots: what saturates it. */
  maxGroups: number;
  queriesPerGroup: number;
}

export interface Drawn {
  /** The parameters drawn, for the report (`rate 0.31 q/s, …`). */
  params: string;
  /** The family is a recurring office pattern (the static-max saving target applies). */
  recurring: boolean;
  trace: TraceQuery[];
}

export interface Family {
  name: string;
  shape: string;
  draw(seed: string, c: SuiteContext): Drawn;
}

const between = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng();
const intBetween = (rng: Rng, lo: number, hi: number) => Math.floor(between(rng, lo, hi + 1));
const f2 = (n: number) => n.toFixed(2);

/** Per-executor memory: a share `large` of queries needs half to all of an executor's memory. */
function memOf(rng: Rng, c: SuiteContext, large: number): () => number {
  return () => memory(rng, c.executorMemoryMb, large);
}

/** Holidays: each weekday of the span is one with probability `p` (never the first day, which has no history). */
function holidays(rng: Rng, days: number, p: number): Set<number> {
  const out = new Set<number>();
  for (let d = 1; d < days; d++) if (!isWeekend(d * DAY) && rng() < p) out.add(d);
  return out;
}

const steady: Family = {
  name: 'steady',
  shape: 'constant-rate Poisson arrivals, log-normal durations',
  draw(seed, c) {
    const rng = rngOf(`suite-steady:${seed}`);
    const rate = between(rng, 0.05, 0.8);
    const median = between(rng, 10, 120);
    const sigma = between(rng, 0.5, 1.2);
    const large = between(rng, 0, 0.15);
    const span = between(rng, 3, 8) * HOUR;
    const times = arrivals(rng, span, rate, () => rate);
    return {
      params: `rate ${f2(rate)} q/s, median ${median.toFixed(0)} s (σ ${f2(sigma)}), large ${f2(large)}, ${(span / HOUR).toFixed(1)} h`,
      recurring: false,
      trace: build(times, () => logNormal(rng, median, sigma), memOf(rng, c, large)),
    };
  },
};

const office: Family = {
  name: 'office',
  shape: 'weekday office hours with a lunch dip, idle nights, weekends and holidays, 8 days',
  draw(seed, c) {
    const rng = rngOf(`suite-office:${seed}`);
    const peak = between(rng, 0.08, 0.4);
    const open = between(rng, 6.5, 9.5);
    const close = between(rng, 16, 20);
    const weekendShare = between(rng, 0, 0.1);
    const large = between(rng, 0, 0.1);
    const median = between(rng, 15, 90);
    const days = 8;
    const off = holidays(rng, days, 0.15);
    const rate = (t: number) => {
      const h = (t % DAY) / HOUR;
      const day = Math.floor(t / DAY);
      const level = isWeekend(t) || off.has(day) ? weekendShare : 1;
      if (h < open || h > close) return peak * 0.005;
      const lunch = Math.abs(h - 12.5) < 0.75 ? 0.5 : 1;
      return peak * level * lunch * Math.sin((Math.PI * (h - open)) / (close - open)) ** 0.5;
    };
    const times = arrivals(rng, days * DAY, peak, rate);
    return {
      params: `peak ${f2(peak)} q/s, ${open.toFixed(1)}–${close.toFixed(1)} h, weekends ${f2(weekendShare)}, holidays [${[...off].join(' ')}], median ${median.toFixed(0)} s, large ${f2(large)}`,
      recurring: true,
      trace: build(times, () => logNormal(rng, median, 0.9), memOf(rng, c, large)),
    };
  },
};

const dashboards: Family = {
  name: 'dashboards',
  shape: 'dashboard refreshes as herds at fixed times of weekdays over light ad-hoc load, 8 days',
  draw(seed, c) {
    const rng = rngOf(`suite-dashboards:${seed}`);
    const every = [15, 30, 60, 120][intBetween(rng, 0, 3)] * MIN;
    const herd = intBetween(rng, 10, 160);
    const from = intBetween(rng, 5, 9);
    const to = intBetween(rng, 16, 22);
    const background = between(rng, 0.002, 0.03);
    const median = between(rng, 5, 60);
    const large = between(rng, 0, 0.2);
    const days = 8;
    const off = holidays(rng, days, 0.15);
    const times = arrivals(rng, days * DAY, background, () => background);
    for (let at = 0; at < days * DAY; at += every) {
      const h = (at % DAY) / HOUR;
      if (h < from || h > to || isWeekend(at) || off.has(Math.floor(at / DAY))) continue;
      const n = Math.round(herd * between(rng, 0.8, 1.2));
      for (let i = 0; i < n; i++) times.push(at + rng() * 30);
    }
    return {
      params: `herd ${herd} every ${every / MIN} min ${from}–${to} h, background ${background.toFixed(3)} q/s, median ${median.toFixed(0)} s, large ${f2(large)}, holidays [${[...off].join(' ')}]`,
      recurring: true,
      trace: build(times, () => logNormal(rng, median, 0.7), memOf(rng, c, large)),
    };
  },
};

const storms: Family = {
  name: 'storms',
  shape: 'storms of short queries over a light background',
  draw(seed, c) {
    const rng = rngOf(`suite-storms:${seed}`);
    const every = between(rng, 10, 90) * MIN;
    const size = intBetween(rng, 40, 400);
    const within = between(rng, 5, 60);
    const median = between(rng, 2, 20);
    const background = between(rng, 0.005, 0.05);
    const span = between(rng, 4, 10) * HOUR;
    const times = arrivals(rng, span, background, () => background);
    for (let t = exponential(rng, every); t < span; t += exponential(rng, every)) {
      const n = Math.round(size * between(rng, 0.5, 1.5));
      for (let i = 0; i < n; i++) times.push(t + rng() * within);
    }
    return {
      params: `${size} queries within ${within.toFixed(0)} s every ~${(every / MIN).toFixed(0)} min, median ${median.toFixed(1)} s, background ${background.toFixed(3)} q/s, ${(span / HOUR).toFixed(1)} h`,
      recurring: false,
      trace: build(times, () => logNormal(rng, median, 0.8), memOf(rng, c, 0.02)),
    };
  },
};

const sporadic: Family = {
  name: 'sporadic',
  shape: 'single queries minutes apart',
  draw(seed, c) {
    const rng = rngOf(`suite-sporadic:${seed}`);
    const gap = between(rng, 2, 20) * MIN;
    const median = between(rng, 5, 120);
    const large = between(rng, 0, 0.3);
    const span = between(rng, 12, 36) * HOUR;
    const times = arrivals(rng, span, 1 / gap, () => 1 / gap);
    return {
      params: `one query every ~${(gap / MIN).toFixed(1)} min, median ${median.toFixed(0)} s, large ${f2(large)}, ${(span / HOUR).toFixed(0)} h`,
      recurring: false,
      trace: build(times, () => logNormal(rng, median, 0.8), memOf(rng, c, large)),
    };
  },
};

const heavyHerds: Family = {
  name: 'heavy-herds',
  shape: 'herds of memory-heavy queries (up to a whole executor each) at an idle warehouse',
  draw(seed, c) {
    const rng = rngOf(`suite-heavy:${seed}`);
    const every = between(rng, 15, 120) * MIN;
    const herd = intBetween(rng, 2, 30);
    const minShare = between(rng, 0.2, 0.6);
    const median = between(rng, 30, 300);
    const span = between(rng, 8, 24) * HOUR;
    const times: number[] = [];
    for (let t = exponential(rng, every); t < span; t += exponential(rng, every)) {
      const n = Math.max(1, Math.round(herd * between(rng, 0.5, 1.5)));
      for (let i = 0; i < n; i++) times.push(t + rng() * 10);
    }
    const mem = () => Math.round(c.executorMemoryMb * between(rng, minShare, 1));
    return {
      params: `${herd} queries of ${f2(minShare)}–1.00 of an executor every ~${(every / MIN).toFixed(0)} min, median ${median.toFixed(0)} s, ${(span / HOUR).toFixed(0)} h`,
      recurring: false,
      trace: build(times, () => logNormal(rng, median, 0.6), mem),
    };
  },
};

const growth: Family = {
  name: 'growth',
  shape: 'a rate growing several-fold over the span, with a daily cycle',
  draw(seed, c) {
    const rng = rngOf(`suite-growth:${seed}`);
    const start = between(rng, 0.02, 0.15);
    const factor = between(rng, 2, 6);
    const days = intBetween(rng, 1, 3);
    const median = between(rng, 20, 120);
    const large = between(rng, 0, 0.1);
    const span = days * DAY;
    const rate = (t: number) => {
      const cycle = 0.6 + 0.4 * Math.sin((2 * Math.PI * (t % DAY)) / DAY - Math.PI / 2);
      return start * (1 + (factor - 1) * (t / span)) * cycle;
    };
    const times = arrivals(rng, span, start * factor, rate);
    return {
      params: `${f2(start)} → ${f2(start * factor)} q/s over ${days} d, median ${median.toFixed(0)} s, large ${f2(large)}`,
      recurring: false,
      trace: build(times, () => logNormal(rng, median, 0.9), memOf(rng, c, large)),
    };
  },
};

const onOff: Family = {
  name: 'on-off',
  shape: 'several sources (ETL jobs, notebooks) switching on and off at random',
  draw(seed, c) {
    const rng = rngOf(`suite-onoff:${seed}`);
    const sources = intBetween(rng, 2, 6);
    const span = between(rng, 8, 24) * HOUR;
    const large = between(rng, 0, 0.15);
    const median = between(rng, 10, 180);
    const times: number[] = [];
    const desc: string[] = [];
    for (let k = 0; k < sources; k++) {
      const on = between(rng, 5, 60) * MIN;
      const offFor = between(rng, 10, 180) * MIN;
      const rate = between(rng, 0.02, 0.4);
      desc.push(`${f2(rate)} q/s on ~${(on / MIN).toFixed(0)}/off ~${(offFor / MIN).toFixed(0)} min`);
      let t = exponential(rng, offFor);
      while (t < span) {
        const end = Math.min(span, t + exponential(rng, on));
        for (const a of arrivals(rng, end - t, rate, () => rate)) times.push(t + a);
        t = end + exponential(rng, offFor);
      }
    }
    return {
      params: `${sources} sources (${desc.join('; ')}), median ${median.toFixed(0)} s, large ${f2(large)}, ${(span / HOUR).toFixed(0)} h`,
      recurring: false,
      trace: build(times, () => logNormal(rng, median, 0.9), memOf(rng, c, large)),
    };
  },
};

const longTail: Family = {
  name: 'long-tail',
  shape: 'heavy-tailed durations: most queries take seconds, a few hours',
  draw(seed, c) {
    const rng = rngOf(`suite-longtail:${seed}`);
    const rate = between(rng, 0.03, 0.3);
    const alpha = between(rng, 1.1, 1.8);
    const xm = between(rng, 2, 20);
    const span = between(rng, 8, 24) * HOUR;
    const large = between(rng, 0, 0.1);
    const times = arrivals(rng, span, rate, () => rate);
    return {
      params: `rate ${f2(rate)} q/s, Pareto ${xm.toFixed(0)} s α ${f2(alpha)}, large ${f2(large)}, ${(span / HOUR).toFixed(0)} h`,
      recurring: false,
      trace: build(times, () => pareto(rng, xm, alpha, 4 * HOUR), memOf(rng, c, large)),
    };
  },
};

const saturating: Family = {
  name: 'saturating',
  shape: 'overload periods beyond what nodes.max can run, between moderate load',
  draw(seed, c) {
    const rng = rngOf(`suite-saturating:${seed}`);
    const median = between(rng, 20, 90);
    // Capacity at nodes.max in queries a second, for a log-normal of σ 0.6 (mean = median × e^{σ²/2}).
    const capacity = (c.maxGroups * c.queriesPerGroup) / (median * Math.exp(0.18));
    const over = between(rng, 1.2, 2.5);
    const base = between(rng, 0.1, 0.4);
    const every = between(rng, 40, 120) * MIN;
    const lasts = between(rng, 5, 30) * MIN;
    const span = between(rng, 3, 6) * HOUR;
    const periods: [number, number][] = [];
    for (let t = exponential(rng, every); t < span; t += lasts + exponential(rng, every)) periods.push([t, t + lasts]);
    const rate = (t: number) => capacity * (periods.some(([a, b]) => t >= a && t < b) ? over : base);
    const times = arrivals(rng, span, capacity * over, rate);
    return {
      params: `overload ${f2(over)}× capacity for ${(lasts / MIN).toFixed(0)} min every ~${(every / MIN).toFixed(0)} min over ${f2(base)}×, median ${median.toFixed(0)} s, ${(span / HOUR).toFixed(1)} h`,
      recurring: false,
      trace: build(times, () => logNormal(rng, median, 0.6), memOf(rng, c, 0.03)),
    };
  },
};

export const FAMILIES: Family[] = [
  steady,
  office,
  dashboards,
  storms,
  sporadic,
  heavyHerds,
  growth,
  onOff,
  longTail,
  saturating,
];
