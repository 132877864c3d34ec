// Mode presets of DESIGN.md §2 and the spec's derived tick targets. A delay becomes a number of consecutive
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
   * Aggressive releases the surplus (measured with `npm run bench:policy`: the same p95 target at 0.2× instead of
   * 0.4× static-max's cost on bursty traces); balanced and conservative keep one group per delay, the seed's rule —
   * surplus release cost balanced up to 2× its p95 wait on steady load for ≤ 3 % fewer group-seconds.
   */
  release: 'one' | 'surplus';
}

export const MODE_PRESETS: Record<Mode, ModePreset> = {
  aggressive: { scaleUpDelaySeconds: 0, scaleDownDelaySeconds: 300, step: 'queue', release: 'surplus' },
  balanced: { scaleUpDelaySeconds: 20, scaleDownDelaySeconds: 600, step: 'one', release: 'one' },
  conservative: { scaleUpDelaySeconds: 60, scaleDownDelaySeconds: 1200, step: 'one', release: 'one' },
};

export interface Limits {
  minGroups: number;
  maxGroups: number;
  /** The fewest groups scale-down leaves; below it only suspend goes (to zero). */
  floorGroups: number;
  upTicks: number;
  downTicks: number;
  suspendTicks: number;
  scaleUpTimeoutTicks: number;
  step: ModePreset['step'];
  release: ModePreset['release'];
}

const ticks = (seconds: number, poll: number) => Math.ceil(seconds / poll);

export function limitsOf(spec: WarehouseSpec): Limits {
  const preset = MODE_PRESETS[spec.mode];
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
    step: preset.step,
    release: preset.release,
  };
}
