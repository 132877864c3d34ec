// Impala's pool settings as command-line flags, for `simulate` (every policy, the baselines and the oracle) and
// `sim coordinator` (the simulated coordinator's pool): TPoolConfig's max_requests, max_mem_resources and queue
// timeout (src/sim/admission-model.ts, PoolLimits).
import type { Command } from 'commander';
import type { PoolLimits } from '../sim/admission-model';
import { positiveInt, seconds } from './arguments';

export interface PoolFlags {
  poolMaxRequests?: number;
  poolMaxMemMb?: number;
  queueTimeoutSeconds?: number;
}

export function addPoolFlags(cmd: Command): Command {
  return cmd
    .option(
      '--pool-max-requests <n>',
      "the pool's max_requests: queries it runs at once, cluster-wide (default: unlimited)",
      positiveInt('--pool-max-requests'),
    )
    .option(
      '--pool-max-mem-mb <n>',
      "the pool's max_mem_resources in MB: memory it admits cluster-wide, per-executor memory × executors (default: unlimited)",
      positiveInt('--pool-max-mem-mb'),
    )
    .option(
      '--queue-timeout-seconds <s>',
      "the pool's queue timeout: a query queued longer is rejected (Impala's default is 60; default here: none)",
      seconds('--queue-timeout-seconds', 1),
    );
}

/** undefined when no flag was given: no limits and no timeout, as without them. */
export function poolLimitsOf(o: PoolFlags): PoolLimits | undefined {
  if (o.poolMaxRequests === undefined && o.poolMaxMemMb === undefined && o.queueTimeoutSeconds === undefined)
    return undefined;
  return {
    maxRequests: o.poolMaxRequests ?? -1,
    maxMemBytes: o.poolMaxMemMb === undefined ? -1 : o.poolMaxMemMb * 1024 * 1024,
    maxQueued: -1,
    ...(o.queueTimeoutSeconds !== undefined ? { queueTimeoutMs: Math.round(o.queueTimeoutSeconds * 1000) } : {}),
  };
}
