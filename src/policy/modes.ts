// Mode presets (docs/design.md, "Modes and their presets") and the spec's derived tick targets. A delay becomes a number of consecutive
// ticks: ceil(delay / pollInterval).
import type { Mode, WarehouseSpec } from './types';

export interface ModePreset {
  scaleUpDelaySeconds: number;
  scaleDownDelaySeconds: number;
  /** 'queue': as many groups as the queue needs (by slots and memory); 'one': +1 group. */
  step: 'queue' | 'one';
  /**
   * What a served scale-down delay removes: 'one' idle group, or every idle group the load does not need ('surplus':
   * down to the fewest groups that would have held the highest load seen during the delay, by slots and memory).
   * Needed by any mode that pre-warms: groups added for a forecast burst must go back within one delay, or an hourly
   * burst keeps them all day (balanced with one group per 600 s and pre-warming cost 2.25× the seed on bursty-bi).
   */
  release: 'one' | 'surplus';
  /** Add the groups the warehouse's seasonal history forecasts, one start-up ahead (src/policy/history.ts). */
  prewarm: boolean;
  /**
   * Release-4 rules (src/policy/break-even.ts): `release` makes the scale-down delay one observed start-up; `suspend`
   * suspends the last group after the idle time that costs least over the warehouse's idle gaps, at most one start-up.
   */
  breakEven?: { release: boolean; suspend: boolean };
}

// Measured with `npm run bench:policy` (bench/results/policy.md), which moved two presets away from
// the first release's (FIRST_PRESETS below):
// - aggressive releases after 60 s instead of 300 s: with a 60 s group start-up, keeping an idle group longer than
//   its start-up costs more than restarting it (the ski-rental break-even). Cost fell from 1.19–1.69× to 1.01–1.18×
//   the oracle on every trace, p95 wait stayed ≤ 80 s (start-up + one poll).
// - balanced sizes its step by the queue and releases the surplus after 100 s instead of +1 group / one group per
//   600 s (the seed system's rule, which the `legacy` policy keeps as a baseline): on the short, bursty and spiky traces it waits less
//   than the seed at 0.70–0.87× its cost. On steady load no setting measured both waits less and costs ≤ 0.9× the
//   seed (a sweep of delays 120–600 s, steps and releases: 0.9× cost came with ≥ 2× the seed's p95 wait); 100 s
//   takes the cost and gives up the seed's p95 there.
// - aggressive and balanced pre-warm from history; conservative, the cost-first mode, does not.
// - with the release-4 rules aggressive's 60 s becomes the observed start-up, and its last group suspends at the
//   learnt break-even (break-even.ts): on the suite's develop set (bench/policy-suite.ts) its cost fell from 1.21× to
//   1.05× the oracle's. Balanced keeps its delays and the auto-suspend timeout: a learnt suspend cut its cost there
//   but queued the dashboards' and storms' queries longer than the seed's rule, and no scale-down delay of 100–600 s
//   met both halves of its target (p95 no worse than the seed's at ≤ 0.9× its cost) on more than 4 of 20 traces.
// - with the release-5 rules aggressive's scale-down delay is learnt too (break-even.ts releaseTicks): on the develop
//   set it met its target on 29 of 30 traces at a 60 s start-up and 28 at 180 s (27 and 22 before). Balanced still
//   keeps its presets: held 600 s with either step it waited no more than the seed but cost 0.97–1.5× it, and a suspend
//   learnt from the gaps the timeout would have served cut its cost on sporadic load but queued heavy-tailed load.
// - balanced's presets stay after a further sweep on the develop set (60 s start-up; 20 traces that do not saturate
//   nodes.max, 3 of them with 0.9× the seed's cost below the oracle's, so at most 17 can pass). The seed's rule
//   (`legacy`, src/whatif/policies/baselines.ts) holds each surplus group 600 s and releases one at a time, and is
//   itself a point on the cost/wait curve that balanced's scale-down delay moves along: 100 s passes 3 (0.93× the
//   seed's cost), 300 s 2 (1.03×), 450 s with a step of one 1 (1.00×), 600 s with a step of one waits no more than the
//   seed on 18 but costs 1.04× (releasing the surplus at once rarely frees more than the one group the seed frees). The
//   wait that 100 s adds is start-ups: 11.9 an hour on long-tail/develop-2 against the seed's 1.5, where the seed's p95
//   is 0 (fewer than 5 % of queries wait). A shorter suspend (240 s, 150 s, or aggressive's learnt one) passes 4 at
//   most: on sporadic load every query it starts cold raises the p95 of the cold waits (start-up plus up to one poll)
//   above the seed's; on dashboards the background queries keep one group warm, and suspending it queues them.
export const MODE_PRESETS: Record<Mode, ModePreset> = {
  aggressive: {
    scaleUpDelaySeconds: 0,
    scaleDownDelaySeconds: 60,
    step: 'queue',
    release: 'surplus',
    prewarm: true,
    breakEven: { release: true, suspend: true },
  },
  balanced: { scaleUpDelaySeconds: 20, scaleDownDelaySeconds: 100, step: 'queue', release: 'surplus', prewarm: true },
  conservative: { scaleUpDelaySeconds: 60, scaleDownDelaySeconds: 1200, step: 'one', release: 'one', prewarm: false },
};

/**
 * The presets of the first release (no pre-warming). A workflow run started on that release
 * keeps them until it continues as new (the workflow's `patched(RELEASE_2_PATCH)`), so that its history replays on
 * this code and its decisions do not change under it mid-run.
 */
export const FIRST_PRESETS: Record<Mode, ModePreset> = {
  aggressive: { scaleUpDelaySeconds: 0, scaleDownDelaySeconds: 300, step: 'queue', release: 'surplus', prewarm: false },
  balanced: { scaleUpDelaySeconds: 20, scaleDownDelaySeconds: 600, step: 'one', release: 'one', prewarm: false },
  conservative: MODE_PRESETS.conservative,
};

export type PresetsGeneration = 'first' | 'current';

/**
 * Default degradedReplaceSeconds: how long a group that was ready may stay not Ready before it is replaced. Longer
 * than a group's start-up (about 60 s, as bench:policy assumes) plus Kubernetes restarting a crashed pod a few times
 * (CrashLoopBackOff waits 10, 20, 40 … s, capped at 300 s), so a pod that recovers on its own is not replaced; well
 * under the 900 s of scaleUpTimeoutSeconds, since a degraded group is capacity lost now, not capacity still coming.
 */
export const DEFAULT_DEGRADED_REPLACE_SECONDS = 300;

export interface Limits {
  minGroups: number;
  maxGroups: number;
  /** The fewest groups scale-down leaves; below it only suspend goes (to zero). */
  floorGroups: number;
  upTicks: number;
  downTicks: number;
  suspendTicks: number;
  scaleUpTimeoutTicks: number;
  /** Ticks a degraded group may stay not Ready before it is replaced. */
  degradedTicks: number;
  step: ModePreset['step'];
  release: ModePreset['release'];
  prewarm: boolean;
}

const ticks = (seconds: number, poll: number) => Math.ceil(seconds / poll);

export function limitsOf(spec: WarehouseSpec, generation: PresetsGeneration = 'current'): Limits {
  const preset = (generation === 'first' ? FIRST_PRESETS : MODE_PRESETS)[spec.mode];
  const poll = spec.pollIntervalSeconds;
  const minGroups = spec.nodes.min / spec.executorsPerGroup;
  return {
    minGroups,
    maxGroups: spec.nodes.max / spec.executorsPerGroup,
    floorGroups: Math.max(1, minGroups),
    upTicks: ticks(spec.scaleUpDelaySeconds ?? preset.scaleUpDelaySeconds, poll),
    downTicks: ticks(spec.scaleDownDelaySeconds ?? preset.scaleDownDelaySeconds, poll),
    suspendTicks: ticks(spec.autoSuspend.timeoutSeconds, poll),
    scaleUpTimeoutTicks: ticks(spec.scaleUpTimeoutSeconds, poll),
    degradedTicks: ticks(spec.degradedReplaceSeconds ?? DEFAULT_DEGRADED_REPLACE_SECONDS, poll),
    step: preset.step,
    release: preset.release,
    prewarm: preset.prewarm,
  };
}
