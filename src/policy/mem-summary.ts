// A bounded summary of many queries' per-executor memory (types.ts MemSummary). Every tick's observation is written to
// workflow history; one number per queued query made a tick with 1,000 queued queries cost ~11 KB of history. The
// summary is at most MEM_BUCKETS + 1 pairs whatever the queue: each value is rounded UP to a multiple of
// ceil(largest / MEM_BUCKETS), so every query is counted with at least the memory it needs, and at most 1/64 of the
// largest query's memory more: bin-packing the summary (capacity.ts groupsNeeded) errs towards more groups.
import type { Load, MemSummary } from './types';

export const MEM_BUCKETS = 64;

/** Undefined for no values: an empty queue writes nothing to history. */
export function summarize(values: number[]): MemSummary | undefined {
  if (values.length === 0) return undefined;
  const largest = Math.max(0, ...values.map((v) => (Number.isFinite(v) ? v : 0)));
  const bucketBytes = Math.max(1, Math.ceil(largest / MEM_BUCKETS));
  const counts = new Map<number, number>();
  for (const v of values) {
    const bucket = Math.ceil(Math.max(0, Number.isFinite(v) ? v : 0) / bucketBytes);
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  }
  return { bucketBytes, counts: [...counts.entries()].sort((a, b) => a[0] - b[0]) };
}

/** Queries the summary counts. */
export function queriesIn(summary: MemSummary | undefined): number {
  return summary ? summary.counts.reduce((n, [, c]) => n + c, 0) : 0;
}

/** The rounded-up value of every query, largest first (the order first-fit decreasing packs them in). */
export function expand(summary: MemSummary | undefined): number[] {
  if (!summary) return [];
  const out: number[] = [];
  for (let i = summary.counts.length - 1; i >= 0; i--) {
    const [bucket, count] = summary.counts[i];
    for (let k = 0; k < count; k++) out.push(bucket * summary.bucketBytes);
  }
  return out;
}

/** Total per-executor bytes of the summarised queries (rounded up). */
export function totalBytes(summary: MemSummary | undefined): number {
  return summary ? summary.counts.reduce((n, [b, c]) => n + b * summary.bucketBytes * c, 0) : 0;
}

/** The queued queries' per-executor memory, from the summary, or from the per-query list earlier releases wrote. */
export function queuedMems(load: Pick<Load, 'queuedMem' | 'queuedQueryMemBytes'>): number[] {
  return load.queuedMem ? expand(load.queuedMem) : (load.queuedQueryMemBytes ?? []);
}
