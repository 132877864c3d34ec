// Mode presets of DESIGN.md §2 and the spec's derived tick targets. A delay becomes a number of consecutive
// ticks: ceil(delay / pollInterval).
import type { Mode, WarehouseSpec } from './types';

export interface ModePreset {
  scaleUpDelaySeconds: number;
  scaleDownDelaySeconds: number;
  /** 'queue': as many groups as the queue needs (by slots and memory); 'one': +1 group. */
  step: 'queue' | 'one';
}

export const MODE_PRESETS: Record<Mode, ModePreset> = {
  aggressive: { scaleUpDelaySeconds: 0, scaleDownDelaySeconds: 300, step: 'queue' },
  balanced: { scaleUpDelaySeconds: 20, scaleDownDelaySeconds: 600, step: 'one' },
  conservative: { scaleUpDelaySeconds: 60, scaleDownDelaySeconds: 1200, step: 'one' },
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
  };
}
