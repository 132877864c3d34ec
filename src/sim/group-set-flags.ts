// Impala's --expected_executor_group_sets as the simulator's flag: `<executor_group_name_prefix>:<expected_group_size>`
// separated by commas (be/src/service/impala-server.cc), parsed and checked as
// ClusterMembershipMgr::PopulateExpectedExecGroupSets does (be/src/scheduling/cluster-membership-mgr.cc), with its
// error messages; and the pools' max-query-mem-limit per set (`<prefix>=<MB>,...`), which llama-site.xml sets per pool
// (impala.admission-control.max-query-mem-limit.<pool>).
import { setSlug } from '../policy/group-sets';
import { GROUP_PREFIX } from '../policy/names';
import type { GroupSetOptions } from './cluster';
import type { Membership } from './membership';

export interface ExpectedGroupSet {
  groupSet: string;
  executorsPerGroup: number;
}

export function parseExpectedExecutorGroupSets(value: string): ExpectedGroupSet[] {
  const sets: ExpectedGroupSet[] = [];
  for (const group of value.split(',').filter((g) => g !== '')) {
    const colon = group.indexOf(':');
    const prefix = colon < 0 ? group : group.slice(0, colon);
    if (prefix === '') throw new Error(`Executor group set prefix cannot be empty for input: ${group}`);
    if (sets.some((s) => s.groupSet === prefix))
      throw new Error(`Executor group set prefix specified multiple times: ${group}`);
    if (colon < 0) throw new Error(`Invalid executor group set format: ${group}`);
    const size = group.slice(colon + 1);
    if (!/^\d+$/.test(size) || Number(size) < 1)
      throw new Error(`Failed to parse expected executor group set size for input: ${group}`);
    sets.push({ groupSet: prefix, executorsPerGroup: Number(size) });
  }
  if (sets.length === 0) throw new Error('--expected-executor-group-sets lists no set (expected prefix:size,...)');
  // "sort by increasing order expected group size."
  return sets.sort((a, b) => a.executorsPerGroup - b.executorsPerGroup);
}

/** `root.small=4096,root.large=65536` → MB per set; every prefix must be one of `sets`. */
export function parseMaxQueryMemMb(value: string, sets: readonly ExpectedGroupSet[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of value.split(',').filter((g) => g !== '')) {
    const m = /^([^=]+)=(\d+)$/.exec(item);
    if (!m || Number(m[2]) < 1)
      throw new Error(`--max-query-mem-mb: expected <prefix>=<MB> with MB ≥ 1, got "${item}"`);
    if (!sets.some((s) => s.groupSet === m[1])) {
      throw new Error(
        `--max-query-mem-mb: ${m[1]} is not a set of --expected-executor-group-sets (${sets.map((s) => s.groupSet).join(', ')})`,
      );
    }
    out[m[1]] = Number(m[2]);
  }
  return out;
}

/**
 * The simulated cluster's sets from the flags: each set's StatefulSets named as a resolved set spec names them
 * (src/policy/group-sets.ts), with the shared slots and executor memory, and its membership from `membershipOf`.
 */
export function groupSetOptionsFromFlags(
  flags: {
    expectedExecutorGroupSets: string;
    maxQueryMemMb?: string;
    queriesPerGroup: number;
    executorMemoryMb: number;
  },
  membershipOf: (set: ExpectedGroupSet & { groupPrefix: string }) => Membership,
): GroupSetOptions[] {
  const sets = parseExpectedExecutorGroupSets(flags.expectedExecutorGroupSets);
  const maxQueryMem = flags.maxQueryMemMb === undefined ? {} : parseMaxQueryMemMb(flags.maxQueryMemMb, sets);
  return sets.map((s) => {
    const groupPrefix = `${GROUP_PREFIX}${setSlug(s.groupSet)}-`;
    return {
      ...s,
      groupPrefix,
      queriesPerGroup: flags.queriesPerGroup,
      executorMemoryMb: flags.executorMemoryMb,
      maxQueryMemMb: maxQueryMem[s.groupSet],
      membership: membershipOf({ ...s, groupPrefix }),
    };
  });
}
