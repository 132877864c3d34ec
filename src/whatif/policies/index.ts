// Every policy the simulator knows, by the name `simulate --policy` and the benchmark use.
import type { WarehouseSpec } from '../../policy/types';
import { simulate, simulateWarehouse, type SimOptions, type SimResult } from '../engine';
import { oracle } from '../oracle';
import type { SimPolicy } from '../policy-port';
import type { TraceQuery } from '../../sim/trace';
import { HpaPolicy, ImpalaTestPolicy, LegacyPolicy, SnowflakePolicy, StaticMaxPolicy } from './baselines';
import { OursPolicy } from './ours';

export const POLICY_NAMES = [
  'ours',
  'static-max',
  'legacy',
  'impala-test',
  'snowflake-standard',
  'snowflake-economy',
  'hpa',
  'oracle',
] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export function isPolicyName(s: string): s is PolicyName {
  return (POLICY_NAMES as readonly string[]).includes(s);
}

export function makePolicy(name: Exclude<PolicyName, 'oracle'>, spec: WarehouseSpec): SimPolicy {
  switch (name) {
    case 'ours':
      return new OursPolicy(spec);
    case 'static-max':
      return new StaticMaxPolicy();
    case 'legacy':
      return new LegacyPolicy(spec);
    case 'impala-test':
      return new ImpalaTestPolicy();
    case 'snowflake-standard':
      return new SnowflakePolicy('standard');
    case 'snowflake-economy':
      return new SnowflakePolicy('economy');
    case 'hpa':
      return new HpaPolicy();
  }
}

/** Runs one policy (or the oracle) over a trace; a warehouse of several group sets runs the policy on each set. */
export function runPolicy(name: PolicyName, trace: TraceQuery[], spec: WarehouseSpec, options: SimOptions): SimResult {
  if (name === 'oracle') {
    if (spec.groupSets)
      throw new Error('the oracle simulates a warehouse of one group set: simulate each set, or run another --policy');
    return oracle(trace, spec, options);
  }
  if (spec.groupSets) return simulateWarehouse(trace, spec, (set) => makePolicy(name, set), options);
  return simulate(trace, spec, makePolicy(name, spec), options);
}
