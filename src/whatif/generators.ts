// Seeded synthetic workloads for the policy benchmark. Each generator is a pure function of its options and seed
// (seedrandom's ARC4 generator), so a trace is regenerated identically on every machine instead of being committed.
import seedrandom from 'seedrandom';
import type { TraceQuery } from '../sim/trace';

export type Rng = () => number;

export function rngOf(seed: string): Rng {
  return seedrandom(seed);
}

const HOUR = 3600;
const DAY = 24 * HOUR;

/** Exponential with the given mean. */
export function exponential(rng: Rng, mean: number): number {
  return -Math.log(1 - rng()) * mean;
}

/** Log-normal with the given median and shape sigma (Box–Muller). */
export function logNormal(rng: Rng, median: number, sigma: number): number {
  const u = 1 - rng();
  const v = rng();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return median * Math.exp(sigma * z);
}

/** Pareto with scale xm and tail index alpha, capped. */
export function pareto(rng: Rng, xm: number, alpha: number, cap: number): number {
  return Math.min(cap, xm / Math.pow(1 - rng(), 1 / alpha));
}

const ms = (s: number) => Math.round(s * 1000) / 1000;

/** Per-executor memory: mostly small queries, a few large ones that fill a group's memory on their own. */
export function memory(rng: Rng, executorMemoryMb: number, largeShare: number): number {
  if (rng() < largeShare) return Math.round(executorMemoryMb * (0.5 + 0.5 * rng()));
  return Math.round(256 + rng() * 1792);
}

/** Non-homogeneous Poisson arrivals by thinning: `rate(t)` queries per second, bounded by `maxRate`. */
export function arrivals(rng: Rng, span: number, maxRate: number, rate: (t: number) => number): number[] {
  const out: number[] = [];
  let t = 0;
  for (;;) {
    t += exponential(rng, 1 / maxRate);
    if (t >= span) return out;
    if (rng() * maxRate < rate(t)) out.push(t);
  }
}

export interface GenOptions {
  seed: string;
  /** Trace length, seconds. */
  spanS: number;
  executorMemoryMb: number;
}

/** Queries from arrival times, sorted by arrival and numbered 0…n−1. */
export function build(times: number[], duration: () => number, mem: () => number): TraceQuery[] {
  const qs = times.map((t) => ({ arrivalS: ms(t), durationS: Math.max(0.1, ms(duration())), memMb: mem() }));
  qs.sort((a, b) => a.arrivalS - b.arrivalS);
  return qs.map((q, id) => ({ id, ...q }));
}

/** Constant-rate Poisson arrivals, log-normal durations (median 45 s). */
export function steady(o: GenOptions & { ratePerS: number }): TraceQuery[] {
  const rng = rngOf(`steady:${o.seed}`);
  const times = arrivals(rng, o.spanS, o.ratePerS, () => o.ratePerS);
  return build(
    times,
    () => logNormal(rng, 45, 0.9),
    () => memory(rng, o.executorMemoryMb, 0.03),
  );
}

/** Business-hours load: near-idle nights, a peak around 13:00 (weekdays); log-normal durations (median 60 s). */
export function diurnal(o: GenOptions & { peakRatePerS: number }): TraceQuery[] {
  const rng = rngOf(`diurnal:${o.seed}`);
  const rate = (t: number) => {
    const h = (t % DAY) / HOUR;
    const business = h >= 7 && h <= 19 ? Math.sin((Math.PI * (h - 7)) / 12) : 0;
    return o.peakRatePerS * (0.01 + 0.99 * business * business);
  };
  const times = arrivals(rng, o.spanS, o.peakRatePerS, rate);
  return build(
    times,
    () => logNormal(rng, 60, 0.8),
    () => memory(rng, o.executorMemoryMb, 0.04),
  );
}

/**
 * BI dashboards refreshing on the hour: `burst` queries within the first minute of every hour between 06:00 and
 * 22:00, over a light background of ad-hoc queries.
 */
export function bursty(o: GenOptions & { burst: number; backgroundRatePerS: number }): TraceQuery[] {
  const rng = rngOf(`bursty:${o.seed}`);
  const times = arrivals(rng, o.spanS, o.backgroundRatePerS, () => o.backgroundRatePerS);
  for (let hour = 0; hour * HOUR < o.spanS; hour++) {
    const h = hour % 24;
    if (h < 6 || h > 22) continue;
    const n = Math.round(o.burst * (0.7 + 0.6 * rng()));
    for (let i = 0; i < n; i++) {
      const t = hour * HOUR + rng() * 60;
      if (t < o.spanS) times.push(t);
    }
  }
  return build(
    times,
    () => logNormal(rng, 40, 0.7),
    () => memory(rng, o.executorMemoryMb, 0.02),
  );
}

/** Quiet background with sudden spikes (on average every `spikeEveryS`), each 20–100 queries within 10 s. */
export function spiky(o: GenOptions & { spikeEveryS: number; backgroundRatePerS: number }): TraceQuery[] {
  const rng = rngOf(`spiky:${o.seed}`);
  const times = arrivals(rng, o.spanS, o.backgroundRatePerS, () => o.backgroundRatePerS);
  for (let t = exponential(rng, o.spikeEveryS); t < o.spanS; t += exponential(rng, o.spikeEveryS)) {
    const n = 20 + Math.floor(rng() * 81);
    for (let i = 0; i < n; i++) {
      const at = t + rng() * 10;
      if (at < o.spanS) times.push(at);
    }
  }
  return build(
    times,
    () => logNormal(rng, 30, 0.8),
    () => memory(rng, o.executorMemoryMb, 0.03),
  );
}

/** Steady arrivals with heavy-tailed durations: most queries take seconds, a few take hours (Pareto, α 1.2). */
export function longTail(o: GenOptions & { ratePerS: number }): TraceQuery[] {
  const rng = rngOf(`longtail:${o.seed}`);
  const times = arrivals(rng, o.spanS, o.ratePerS, () => o.ratePerS);
  return build(
    times,
    () => pareto(rng, 8, 1.2, 4 * HOUR),
    () => memory(rng, o.executorMemoryMb, 0.05),
  );
}

export interface NamedTrace {
  name: string;
  description: string;
  trace: TraceQuery[];
}

/**
 * Days of the recurring traces (diurnal, bursty BI): a week and a day, so that pre-warming has yesterday's history
 * from day 2 and last week's on day 8. Their first day alone — no history yet — is `firstDay`.
 */
export const RECURRING_DAYS = 8;

/** The queries arriving on the trace's first day (ids stay 0…n−1: a trace is sorted by arrival). */
export function firstDay(trace: TraceQuery[]): TraceQuery[] {
  return trace.filter((q) => q.arrivalS < DAY);
}

/** The benchmark's traces, from minutes to days, all from one seed. */
export function benchmarkTraces(seed: string, executorMemoryMb: number, quick = false): NamedTrace[] {
  const m = { seed, executorMemoryMb };
  const scale = quick ? 0.25 : 1;
  return [
    {
      name: 'steady-15m',
      description: 'steady Poisson, 0.2 q/s, 15 minutes',
      trace: steady({ ...m, spanS: 900, ratePerS: 0.2 }),
    },
    {
      name: 'steady',
      description: 'steady Poisson, 0.4 q/s, 6 hours',
      trace: steady({ ...m, spanS: 6 * HOUR * scale, ratePerS: 0.4 }),
    },
    {
      name: 'diurnal',
      description: 'business-hours peak 0.6 q/s, near-idle nights, 8 days',
      trace: diurnal({ ...m, spanS: RECURRING_DAYS * DAY * scale, peakRatePerS: 0.6 }),
    },
    {
      name: 'bursty-bi',
      description: '~150 BI refreshes on the hour 06–22h over 0.02 q/s, 8 days',
      trace: bursty({ ...m, spanS: RECURRING_DAYS * DAY * scale, burst: 150, backgroundRatePerS: 0.02 }),
    },
    {
      name: 'spiky',
      description: 'spikes of 20–100 queries every ~40 min over 0.03 q/s, 8 hours',
      trace: spiky({ ...m, spanS: 8 * HOUR * scale, spikeEveryS: 2400, backgroundRatePerS: 0.03 }),
    },
    {
      name: 'long-tail',
      description: 'Pareto durations (8 s to 4 h), 0.15 q/s, 1 day',
      trace: longTail({ ...m, spanS: DAY * scale, ratePerS: 0.15 }),
    },
  ];
}

/**
 * A working day of mixed work for a warehouse of executor group sets: interactive BI queries (small per-executor memory,
 * seconds long, a morning and an afternoon peak) and ETL jobs (most of an executor's memory, minutes to an hour long,
 * a few an hour). `etlMemoryMb` is the large executors' memory; BI memory stays under 2 GiB.
 */
export function mixedBiEtl(o: {
  seed: string;
  spanS: number;
  biPeakRatePerS: number;
  etlEveryS: number;
  etlMemoryMb: number;
}): TraceQuery[] {
  const rng = rngOf(`mixed-bi-etl:${o.seed}`);
  // Two humps over the span (mid-morning, mid-afternoon), a tenth of the peak at the edges and at lunch.
  const biRate = (t: number) => o.biPeakRatePerS * (0.1 + 0.9 * Math.sin((2 * Math.PI * t) / o.spanS) ** 2);
  const bi = build(
    arrivals(rng, o.spanS, o.biPeakRatePerS, biRate),
    () => logNormal(rng, 6, 0.8),
    () => Math.round(256 + rng() * 1792),
  );
  const etl = build(
    arrivals(rng, o.spanS, 1 / o.etlEveryS, () => 1 / o.etlEveryS),
    () => Math.min(3600, logNormal(rng, 600, 0.7)),
    () => Math.round(o.etlMemoryMb * (0.5 + 0.35 * rng())),
  );
  return [...bi, ...etl].sort((a, b) => a.arrivalS - b.arrivalS || a.id - b.id).map((q, id) => ({ ...q, id }));
}
