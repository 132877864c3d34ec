// `impala-autoscaler sim coordinator`: the Impala coordinator simulator as a long-running server — its debug web
// server's JSON pages (what the worker reads) and a control API to submit queries — over either a fixed set of
// healthy executor groups, or (--warehouse, --namespace) the Ready pods of a warehouse's executor StatefulSets on
// Kubernetes, standing in for Impala's statestore so that the groups the worker adds really take queries. For
// docker-compose and for trying `probe`, the reader and the workload driver by hand; it runs until SIGTERM/SIGINT.
// With --expected-executor-group-sets it serves several executor group sets (src/sim/group-set-flags.ts), each with
// its own groups (on Kubernetes: the set's pods, by the set label) and pool, queries routed as Impala's planner does.
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_PORT, startCoordinator } from '../../sim/coordinator';
import { addPoolFlags, poolLimitsOf, type PoolFlags } from '../pool-flags';
import { groupSetOptionsFromFlags } from '../../sim/group-set-flags';
import { fixedMembership } from '../../sim/in-process-membership';
import type { Membership } from '../../sim/membership';

interface CoordinatorFlags extends PoolFlags {
  port: number;
  host: string;
  name?: string;
  groups: number;
  executorsPerGroup: number;
  queriesPerGroup: number;
  executorMemoryMb: number;
  groupSet: string;
  expectedExecutorGroupSets?: string;
  maxQueryMemMb?: string;
  warehouse?: string;
  namespace?: string;
  kubeconfig?: string;
}

const integer =
  (what: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${what} must be an integer ${min}–${max} (got "${value}")`);
    return n;
  };

export function registerSim(program: Command): void {
  const sim = program.command('sim').description('simulators for trying the autoscaler without an Impala cluster');
  const coordinator = sim
    .command('coordinator')
    .description(
      'serve a simulated Impala coordinator (debug pages the worker reads, POST /queries to submit work) until SIGTERM/SIGINT',
    )
    .option(
      '--port <port>',
      'port of the coordinator web server (0: any free port)',
      integer('--port', 0, 65535),
      DEFAULT_PORT,
    )
    .option('--host <address>', 'address to listen on (0.0.0.0 in a container)', '127.0.0.1')
    .option('--name <name>', 'coordinator name in /backends (default coordinator-0)')
    .option('--groups <n>', 'healthy executor groups, numbered from 001', integer('--groups', 0, 999), 1)
    .option('--executors-per-group <n>', 'executors in each group', integer('--executors-per-group', 1, 1000), 2)
    .option('--queries-per-group <n>', 'concurrent queries each group admits', integer('--queries-per-group', 1), 12)
    .option(
      '--executor-memory-mb <n>',
      "each executor's admission memory limit, MB",
      integer('--executor-memory-mb', 1),
      16384,
    )
    .option('--group-set <prefix>', 'Impala pool / executor group set prefix', 'root.default')
    .option(
      '--expected-executor-group-sets <list>',
      "several executor group sets, as Impala's flag: <prefix>:<executors per group>,… (e.g. root.small:2,root.large:8); " +
        'each has --groups groups (or, with --warehouse, its own pods) and its own pool; replaces --group-set and --executors-per-group',
    )
    .option(
      '--max-query-mem-mb <list>',
      "each set's pool max-query-mem-limit, <prefix>=<MB>,… (with --expected-executor-group-sets): the planner routes a query to the first set it fits",
    )
    .option(
      '--warehouse <name>',
      "take the groups from this warehouse's Ready executor pods on Kubernetes instead of --groups",
    )
    .option(
      '--namespace <namespace>',
      "Kubernetes namespace of the warehouse's executor StatefulSets (with --warehouse)",
    )
    .option(
      '--kubeconfig <file>',
      'kubeconfig file, with --warehouse (default: in-cluster ServiceAccount, else $KUBECONFIG or ~/.kube/config)',
    );
  addPoolFlags(coordinator).action(async (opts: CoordinatorFlags, cmd: Command) => {
    if (opts.warehouse && !opts.namespace)
      cmd.error(
        "error: --warehouse needs --namespace (the Kubernetes namespace of the warehouse's executor StatefulSets)",
      );
    if (!opts.warehouse && (opts.namespace || opts.kubeconfig))
      cmd.error('error: --namespace and --kubeconfig go with --warehouse NAME');
    if (opts.maxQueryMemMb !== undefined && opts.expectedExecutorGroupSets === undefined)
      cmd.error('error: --max-query-mem-mb goes with --expected-executor-group-sets');
    let membershipOf: (set: { groupSet: string; groupPrefix?: string; executorsPerGroup: number }) => Membership;
    let groupsDescription: string;
    if (opts.warehouse) {
      // Loaded only here: the Kubernetes client is heavy and the fixed simulator does not need it. require, not
      // import(): under bin/'s tsx/cjs hook a dynamic import() takes the ESM path, which needs file extensions.
      const { loadKubeConfigFrom } =
        require('../../activities/kubernetes/kubeconfig') as typeof import('../../activities/kubernetes/kubeconfig');
      const { KubernetesPodMembership } =
        require('../../sim/pod-membership') as typeof import('../../sim/pod-membership');
      const kubeConfig = loadKubeConfigFrom({ kubeconfigPath: opts.kubeconfig });
      membershipOf = (set) =>
        new KubernetesPodMembership(kubeConfig, { name: opts.warehouse!, namespace: opts.namespace!, ...set });
      groupsDescription = `groups of warehouse ${opts.warehouse}'s Ready pods in namespace ${opts.namespace} (${kubeConfig.getCurrentCluster()?.server})`;
    } else {
      membershipOf = (set) => fixedMembership(opts.groups, set.executorsPerGroup);
      groupsDescription = `${opts.groups} group(s) of ${opts.executorsPerGroup} executors`;
    }
    let sets;
    try {
      sets =
        opts.expectedExecutorGroupSets === undefined
          ? undefined
          : groupSetOptionsFromFlags(
              { ...opts, expectedExecutorGroupSets: opts.expectedExecutorGroupSets },
              membershipOf,
            );
    } catch (err) {
      cmd.error(`error: --expected-executor-group-sets / --max-query-mem-mb: ${(err as Error).message}`);
    }
    if (sets && !opts.warehouse)
      groupsDescription = sets.map((s) => `${opts.groups} group(s) of ${s.executorsPerGroup} executors`).join(', ');
    const server = await startCoordinator({
      port: opts.port,
      host: opts.host,
      ...(opts.name ? { name: opts.name } : {}),
      ...(sets ? { sets } : { membership: membershipOf(opts) }),
      groupSet: opts.groupSet,
      executorsPerGroup: opts.executorsPerGroup,
      queriesPerGroup: opts.queriesPerGroup,
      executorMemoryMb: opts.executorMemoryMb,
      poolLimits: poolLimitsOf(opts),
    });
    process.stdout.write(
      `coordinator simulator ${server.name} on ${server.url}: ${groupsDescription} in ${sets ? sets.map((s) => s.groupSet).join(', ') : opts.groupSet}; ` +
        `submit with: curl -X POST ${server.url}/queries -d '{"durationMs":60000,"memMb":4096}'\n`,
    );
    await new Promise<void>((resolve) => {
      const stop = (signal: NodeJS.Signals) => {
        process.stdout.write(`coordinator simulator: ${signal} received, stopping\n`);
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void server.close().then(resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  });
}
