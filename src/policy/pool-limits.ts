// What the pool's own limits mean for scaling (release 4's rules, in decide()): a queue they hold gets no group, a
// scale-up adds no group beyond what they can ever admit, Impala's timed-out and rejected queries are counted, and a
// start-up longer than the queue timeout is warned about (a resume cannot save the query that triggered it).
import { MIB } from './capacity';
import { queuedMems } from './mem-summary';
import { heldByPoolLimit } from './queue-cause';
import type { Tick } from './tick';
import type { Load, PolicyState, WarehouseSpec } from './types';

/**
 * How many of the queued queries the pool's limits let run beside those running, in queue order: max_requests less
 * the running count, and those whose cluster-wide memory fits under max_mem_resources less what runs (Impala's
 * HasAvailableMemResources, case 1). Undefined when the pool has no limit (or the observation carries none).
 */
export function admittableQueued(spec: WarehouseSpec, load: Load): number | undefined {
  const limits = load.poolLimits;
  if (!limits) return undefined;
  let n: number | undefined;
  if (limits.maxRequests > 0) n = Math.max(0, limits.maxRequests - load.running);
  if (limits.maxMemBytes > 0) {
    let free = limits.maxMemBytes - load.memReservedBytes;
    let fit = 0;
    for (const m of queuedMems(load)) {
      const need = m * spec.executorsPerGroup;
      if (need > free) break;
      free -= need;
      fit += 1;
    }
    // Queries the summary does not carry (the pool-wide count beyond the coordinators' own queues) fit like none.
    n = n === undefined ? fit : Math.min(n, fit);
  }
  return n === undefined ? undefined : Math.min(n, load.queued);
}

/**
 * The queued queries more groups could ever run: none behind the pool's own limit, else those its limits still admit.
 * What a scale-up sizes its step by, and what the seasonal history records, so pre-warming does not bring back groups
 * the limit left idle.
 */
export function usefulQueue(spec: WarehouseSpec, load: Load): number {
  if (heldByPoolLimit(load)) return 0;
  return admittableQueued(spec, load) ?? load.queued;
}

/** Why no group would admit any of the queue, or undefined when groups may help. */
export function poolHold(spec: WarehouseSpec, load: Load): string | undefined {
  if (heldByPoolLimit(load)) return `the queue is held by the pool's own limit: ${load.headQueuedReason}`;
  if (load.queued > 0 && admittableQueued(spec, load) === 0) {
    const l = load.poolLimits!;
    const set = [
      ...(l.maxRequests >= 0 ? [`max_requests ${l.maxRequests}`] : []),
      ...(l.maxMemBytes >= 0 ? [`max_mem_resources ${Math.round(l.maxMemBytes / MIB)} MB`] : []),
    ];
    return `the pool's own limits (${set.join(', ')}) admit none of the ${load.queued} queries queued beside the ${load.running} running.`;
  }
  return undefined;
}

/** Impala's counters of queries it timed out or rejected, and their growth since the last tick, logged when they grow. */
export function countImpalaFailures(t: Tick, load: Load, prev: PolicyState): void {
  const totals = load.impalaTotals;
  if (!totals) {
    delete t.s.impalaCounts;
    return;
  }
  const was = prev.impalaCounts;
  // A restarted coordinator starts its counters again from zero: what it shows is then all new.
  const grown = (now: number, before: number | undefined) =>
    before === undefined ? 0 : now >= before ? now - before : now;
  const counts = {
    timedOutTotal: totals.timedOut,
    rejectedTotal: totals.rejected,
    timedOut: grown(totals.timedOut, was?.timedOutTotal),
    rejected: grown(totals.rejected, was?.rejectedTotal),
  };
  t.s.impalaCounts = counts;
  if (counts.timedOut > 0)
    t.say(
      `Impala timed out ${counts.timedOut} queued queries in pool ${t.spec.groupSet} since the last tick (total_timed_out ${counts.timedOutTotal}).`,
    );
  if (counts.rejected > 0)
    t.say(
      `Impala rejected ${counts.rejected} queries in pool ${t.spec.groupSet} since the last tick (total_rejected ${counts.rejectedTotal}).`,
    );
}

/**
 * The observed group start-up against the pool's queue timeout: a query that queues when no group has room waits up to
 * one poll for the tick that adds a group, then the start-up; longer than the timeout, Impala times it out before the
 * group is ready (a resume from zero, a scale-up). Said on each tick with a queue or with no group ready.
 */
export function checkQueueTimeout(t: Tick, load: Load): void {
  const { s, spec } = t;
  const timeoutMs = load.poolLimits?.queueTimeoutMs ?? 0;
  if (timeoutMs <= 0 || s.startupTicks === undefined) {
    delete s.queueTimeoutShort;
    return;
  }
  const startupSeconds = s.startupTicks * spec.pollIntervalSeconds;
  const worstSeconds = startupSeconds + spec.pollIntervalSeconds;
  if (worstSeconds * 1000 <= timeoutMs) {
    delete s.queueTimeoutShort;
    return;
  }
  const timeoutSeconds = timeoutMs / 1000;
  const warning =
    `executor groups take about ${startupSeconds}s to become ready, and a queued query waits up to ` +
    `${spec.pollIntervalSeconds}s more for the tick that adds them: longer than pool ${spec.groupSet}'s queue timeout ` +
    `${timeoutSeconds}s, so Impala times it out before they are ready; raise ` +
    `impala.admission-control.pool-queue-timeout-ms.${spec.groupSet} (llama-site.xml) or impalad's ` +
    `--queue_wait_timeout_ms above ${worstSeconds * 1000}`;
  s.queueTimeoutShort = { startupSeconds, timeoutSeconds, warning };
  if (load.queued > 0 || s.current === 0) t.say(`Warning: ${warning}.`);
}

/** What the pool's limits do to the warehouse now, for `warehouse status` and the Web UI's current details. */
export function admissionNotes(state: PolicyState): string[] {
  const notes: string[] = [];
  if (state.queueHeld) notes.push(`No executor group is added for the queue: ${state.queueHeld}`);
  if (state.queueTimeoutShort) notes.push(`Queue timeout: ${state.queueTimeoutShort.warning}.`);
  const c = state.impalaCounts;
  if (c && (c.timedOutTotal > 0 || c.rejectedTotal > 0))
    notes.push(
      `Impala timed out ${c.timedOutTotal} queued queries and rejected ${c.rejectedTotal} (total_timed_out, total_rejected since the coordinators started).`,
    );
  return notes;
}
