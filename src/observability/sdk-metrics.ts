// The Temporal SDK's own metrics (polls, task latencies, slots, sticky cache, …) in the same prom-client registry as
// ours, so one port serves both. The SDK's Prometheus exporter would bind a second port and keep its own registry;
// instead Core runs with the buffered exporter (`telemetryOptions.metrics.buffer`) and this bridge drains the buffer
// into the registry before every scrape and once a second (so the buffer never fills).
import { MetricsBuffer } from '@temporalio/worker';
import type { BufferedMetricUpdate } from '@temporalio/worker';
import type { Metric, Registry } from 'prom-client';

const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const VALUE_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 5000];

type Labels = Record<string, string>;
type Series = { labels: Labels; value: number; buckets?: number[]; sum?: number; count?: number };

/** One SDK metric as prom-client sees it: an object with name, help, type and get(), like its own metrics. */
class SdkMetric {
  readonly aggregator = 'sum';
  private readonly series = new Map<string, Series>();
  private readonly bounds: number[];

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
    isDuration: boolean,
  ) {
    this.bounds = isDuration ? DURATION_BUCKETS : VALUE_BUCKETS;
  }

  update(kind: string, value: number, labels: Labels): void {
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
    let s = this.series.get(key);
    if (!s)
      this.series.set(
        key,
        (s = {
          labels,
          value: 0,
          ...(this.type === 'histogram' ? { buckets: this.bounds.map(() => 0), sum: 0, count: 0 } : {}),
        }),
      );
    if (this.type === 'histogram') {
      this.bounds.forEach((b, i) => value <= b && s.buckets![i]++);
      s.sum! += value;
      s.count! += 1;
    } else if (kind === 'gauge') s.value = value;
    // Counters and up-down counters arrive as deltas.
    else s.value += value;
  }

  async get() {
    const values: { metricName?: string; labels: Labels; value: number }[] = [];
    for (const s of this.series.values()) {
      if (this.type !== 'histogram') {
        values.push({ labels: s.labels, value: s.value });
        continue;
      }
      this.bounds.forEach((b, i) =>
        values.push({
          metricName: `${this.name}_bucket`,
          labels: { ...s.labels, le: String(b) },
          value: s.buckets![i],
        }),
      );
      values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le: '+Inf' }, value: s.count! });
      values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sum! });
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count! });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    this.series.clear();
  }
}

export class SdkMetricsBridge {
  /** Pass as `Runtime.install({ telemetryOptions: { metrics: { buffer: bridge.buffer } } })`. */
  readonly buffer = new MetricsBuffer({ maxBufferSize: 50000, useSecondsForDurations: true });
  private readonly metrics = new Map<string, SdkMetric>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly registry: Registry) {}

  /** Drains the buffer every `everyMs` until stop(); the HTTP server also drains before each scrape. */
  start(everyMs = 1000): void {
    this.timer = setInterval(() => this.drain(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.drain();
  }

  drain(): void {
    let updates: Iterable<BufferedMetricUpdate>;
    try {
      updates = this.buffer.retrieveUpdates();
    } catch {
      // Not bound yet (Runtime not installed) or already shut down: nothing to read.
      return;
    }
    for (const u of updates) this.metricFor(u).update(u.metric.kind, u.value, labelsOf(u.attributes));
  }

  private metricFor(u: BufferedMetricUpdate): SdkMetric {
    const { name: raw, kind, unit, description } = u.metric;
    let m = this.metrics.get(raw);
    if (m) return m;
    const isDuration = unit === 's' || unit === 'seconds' || unit === 'duration' || /latency|duration/.test(raw);
    const type = kind === 'histogram' ? 'histogram' : kind === 'counter' ? 'counter' : 'gauge';
    let name = promName(raw.startsWith('temporal_') ? raw : `temporal_${raw}`);
    if (type === 'histogram' && isDuration && !name.endsWith('_seconds')) name += '_seconds';
    m = new SdkMetric(name, description || `Temporal SDK metric ${raw}${unit ? ` (${unit})` : ''}`, type, isDuration);
    this.metrics.set(raw, m);
    this.registry.registerMetric(m as unknown as Metric);
    return m;
  }
}

function promName(s: string): string {
  return s.replace(/[^a-zA-Z0-9_:]/g, '_');
}

function labelsOf(attrs: Record<string, string | number | boolean>): Labels {
  const out: Labels = {};
  for (const [k, v] of Object.entries(attrs)) out[promName(k)] = String(v);
  return out;
}
