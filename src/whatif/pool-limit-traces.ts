// The benchmark's workloads under Impala's pool settings: the same generators as the other traces (generators.ts),
// run with the pool's limits and queue timeout that every policy, baseline and the oracle then share
// (SimOptions.poolLimits): a flood behind max_requests, and spiky load under a 60 s (Impala's default
// --queue_wait_timeout_ms) and a 300 s queue timeout.
import type { PoolLimits } from '../sim/admission-model';
import { bursty, spiky, type NamedTrace } from './generators';

export interface LimitedTrace extends NamedTrace {
  poolLimits: PoolLimits;
}

const HOUR = 3600;
const UNLIMITED: PoolLimits = { maxRequests: -1, maxMemBytes: -1, maxQueued: -1 };

export function poolLimitTraces(seed: string, executorMemoryMb: number, quick = false): LimitedTrace[] {
  const m = { seed, executorMemoryMb };
  const scale = quick ? 0.25 : 1;
  const spikes = spiky({ ...m, spanS: 8 * HOUR * scale, spikeEveryS: 2400, backgroundRatePerS: 0.03 });
  return [
    {
      name: 'bursty-bi-max-requests-20',
      description: '~150 BI refreshes on the hour 06–22h over 0.02 q/s, 1 day, behind max_requests 20',
      trace: bursty({ ...m, spanS: 24 * HOUR * scale, burst: 150, backgroundRatePerS: 0.02 }),
      poolLimits: { ...UNLIMITED, maxRequests: 20 },
    },
    {
      name: 'spiky-timeout-60s',
      description: 'the spiky trace (8 hours) with a 60 s queue timeout (Impala’s default --queue_wait_timeout_ms)',
      trace: spikes,
      poolLimits: { ...UNLIMITED, queueTimeoutMs: 60_000 },
    },
    {
      name: 'spiky-timeout-300s',
      description: 'the spiky trace (8 hours) with a 300 s queue timeout',
      trace: spikes,
      poolLimits: { ...UNLIMITED, queueTimeoutMs: 300_000 },
    },
  ];
}
