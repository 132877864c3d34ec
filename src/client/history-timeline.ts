// The timeline of a warehouse from its workflow histories: every tick's observation (the `observe` local activity's
// result, recorded in the history as a marker) gives queued and running queries and the executor groups that existed,
// and each pre-warming add is an activity whose summary says so. Continue-as-new keeps about four hours of ticks per
// run, so the timeline follows the chain of runs back (each run's start names the run it continued) until `sinceMs`.
import type { Client, WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { Observation } from '../policy/types';
import type { TimelinePoint } from '../whatif/engine';

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
type HistoryEvent = NonNullable<History['events']>[number];

/** One tick as its history recorded it; `atMs` is when the observation was recorded. */
export interface TickSample {
  atMs: number;
  queued: number;
  running: number;
  /** Executor groups that existed (not being deleted). */
  groups: number;
  /** Of them, ready. */
  ready: number;
  /** Groups added this tick ahead of a forecast load. */
  prewarmed: number;
}

export interface WarehouseTimeline {
  /** Oldest first. */
  samples: TickSample[];
  /** The runs read, oldest first. */
  runIds: string[];
}

const eventMs = (e: HistoryEvent): number => {
  const t = e.eventTime;
  return t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0;
};

const decode = (p: Payload | null | undefined): unknown =>
  p ? defaultPayloadConverter.fromPayload(p as Payload) : undefined;

/** The ticks of one run's history with a known load, at or after `sinceMs`. */
export function samplesOf(history: History, sinceMs = 0): TickSample[] {
  const out: TickSample[] = [];
  for (const e of history.events ?? []) {
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName === 'core_local_activity') {
      const data = decode(marker.details?.data?.payloads?.[0]) as { activity_type?: string } | undefined;
      if (data?.activity_type !== 'observe') continue;
      const obs = decode(marker.details?.result?.payloads?.[0]) as Observation | undefined;
      // An unknown load is a gap in the chart, not a zero: the step line holds the last known value.
      if (obs?.kind !== 'known' || eventMs(e) < sinceMs) continue;
      const live = obs.groups.filter((g) => !g.deleting);
      out.push({
        atMs: eventMs(e),
        queued: obs.load.queued,
        running: obs.load.running,
        groups: live.length,
        ready: live.filter((g) => g.ready).length,
        prewarmed: 0,
      });
      continue;
    }
    const summary = decode(e.userMetadata?.summary);
    const last = out[out.length - 1];
    if (
      e.activityTaskScheduledEventAttributes &&
      last &&
      typeof summary === 'string' &&
      summary.startsWith('pre-warm:')
    )
      last.prewarmed += 1;
  }
  return out;
}

/** The run a history continued from, if it did. */
function continuedFrom(history: History): string | undefined {
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  return started?.continuedExecutionRunId || undefined;
}

/**
 * The warehouse's ticks since `sinceMs` (all the chain holds without it), from its latest run (`latestRunId`) back
 * through the runs it continued from. Runs older than the namespace's retention are gone from the server, and with them their ticks.
 */
export async function readWarehouseTimeline(
  client: Client,
  workflowId: string,
  latestRunId: string,
  sinceMs = 0,
): Promise<WarehouseTimeline> {
  const runs: { runId: string; samples: TickSample[] }[] = [];
  let runId: string | undefined = latestRunId;
  while (runId) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs.unshift({ runId, samples: samplesOf(history, sinceMs) });
    const first = history.events?.[0];
    if (first && eventMs(first) < sinceMs) break;
    runId = continuedFrom(history);
  }
  return { samples: runs.flatMap((r) => r.samples), runIds: runs.map((r) => r.runId) };
}

/**
 * Chart points (seconds from the first sample), each the maxima over a bucket — as the simulator's timeline — so that
 * a long history stays a chart of at most `maxPoints` steps.
 */
export function timelinePoints(samples: TickSample[], maxPoints = 1000): TimelinePoint[] {
  if (samples.length === 0) return [];
  const start = samples[0].atMs;
  const spanMs = samples[samples.length - 1].atMs - start;
  const bucketMs = samples.length <= maxPoints ? 0 : Math.floor(spanMs / (maxPoints - 1)) + 1;
  const points: TimelinePoint[] = [];
  for (const s of samples) {
    const t = bucketMs ? Math.floor((s.atMs - start) / bucketMs) * bucketMs : s.atMs - start;
    const last = points[points.length - 1];
    if (bucketMs && last && last.t === t / 1000) {
      last.queued = Math.max(last.queued, s.queued);
      last.running = Math.max(last.running, s.running);
      last.groups = Math.max(last.groups, s.groups);
      last.ready = Math.max(last.ready, s.ready);
      last.prewarmed += s.prewarmed;
      continue;
    }
    points.push({
      t: t / 1000,
      queued: s.queued,
      running: s.running,
      groups: s.groups,
      ready: s.ready,
      prewarmed: s.prewarmed,
    });
  }
  return points;
}
