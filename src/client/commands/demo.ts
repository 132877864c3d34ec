// `impala-autoscaler demo`: the seed scenario on a local Temporal dev server, end to end; with --kubernetes the
// executor groups are real StatefulSets on a local control plane whose pods KWOK makes Ready; with --server postgres
// the Temporal server is the production topology (temporal-server on PostgreSQL, as docker-compose.yml deploys it);
// with --group-sets a warehouse of a small and a large executor group set runs a mixed burst instead.
import path from 'node:path';
import { type Command, Option } from 'commander';
import { DEMO_SERVERS, type DemoServerKind } from '../../demo/demo-server';
import { formatSummary } from '../../demo/summary';
import { DEMO_MODES, runDemo, type DemoMode, type DemoOptions } from '../../demo/run-demo';

interface Flags {
  mode: DemoMode;
  keepRunning: boolean;
  dataDir: string;
  json: boolean;
  kubernetes: boolean;
  server: DemoServerKind;
  groupSets: boolean;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Run the seed scenario: 4 large queries on 1 group → scale up → drain → scale down → suspend → resume')
    .addOption(
      new Option(
        '--mode <mode>',
        "balanced sizes each scale-up by the queue; conservative adds one group per decision, the seed system's rule and log line for line",
      )
        .choices(DEMO_MODES)
        .default('balanced'),
    )
    .addOption(
      new Option(
        '--server <kind>',
        "the Temporal server: dev (the CLI's dev server on SQLite, with the Web UI) or postgres (temporal-server on PostgreSQL, set up by deploy/compose/, built on first use)",
      )
        .choices(DEMO_SERVERS)
        .default('dev'),
    )
    .option(
      '--kubernetes',
      'executor groups as StatefulSets on a local Kubernetes control plane (built on first use)',
      false,
    )
    .option(
      '--group-sets',
      'a warehouse of two executor group sets (small and large groups): a burst of small queries and one large query, each set scaling on its own queue',
      false,
    )
    .option(
      '--keep-running',
      'leave the dev server, simulator, worker (and cluster) up at the end (Ctrl-C stops them)',
      false,
    )
    .option('--data-dir <dir>', 'where the dev server keeps its database and log', path.resolve('.demo'))
    .option('--json', 'print the summary as one JSON object on stdout (decision lines go to stderr)', false)
    .action(async (opts: Flags) => {
      const out = opts.json
        ? (l: string) => process.stderr.write(`${l}\n`)
        : (l: string) => process.stdout.write(`${l}\n`);
      const cluster = opts.kubernetes ? await startDemoCluster(out) : undefined;
      try {
        const summary = await runDemo({
          mode: opts.mode,
          keepRunning: opts.keepRunning,
          dataDir: opts.dataDir,
          out,
          kubernetes: cluster?.options,
          server: opts.server,
          groupSets: opts.groupSets,
        });
        if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
        else for (const line of formatSummary(summary)) out(line);
      } finally {
        await cluster?.stop();
      }
    });
}

async function startDemoCluster(
  out: (line: string) => void,
): Promise<{ options: NonNullable<DemoOptions['kubernetes']>; stop(): Promise<void> }> {
  // Loaded only for --kubernetes: the Kubernetes client is large and the plain demo does not need it.
  const { startLocalCluster } = require('../../devenv/local-cluster') as typeof import('../../devenv/local-cluster');
  const { KubernetesExecutorGroups } =
    require('../../activities/kubernetes/executor-groups') as typeof import('../../activities/kubernetes/executor-groups');
  const { KubernetesPodMembership } = require('../../sim/pod-membership') as typeof import('../../sim/pod-membership');
  out('Starting a local Kubernetes control plane (etcd, kube-apiserver, controller-manager, scheduler, KWOK) …');
  const cluster = await startLocalCluster({ podReadyDelayMs: 3000, podDeleteDelayMs: 1000 });
  const namespace = await cluster.createNamespace('impala-demo');
  const kc = cluster.kubeConfig();
  out(
    `Kubernetes API ${cluster.server}; see the pods with: KUBECONFIG=${cluster.kubeconfigPath} npx --no-install impala-autoscaler warehouse pods demo --k8s-namespace ${namespace}`,
  );
  return {
    options: {
      namespace,
      executorTemplate: path.resolve(__dirname, '../../../deploy/executor-template.yaml'),
      groups: new KubernetesExecutorGroups(kc),
      membership: (spec) =>
        new KubernetesPodMembership(kc, {
          name: spec.name,
          namespace,
          groupSet: spec.groupSet,
          groupPrefix: spec.groupPrefix,
        }),
      describe: `are StatefulSets in namespace ${namespace} (pods Ready 3 s after create)`,
    },
    stop: () => cluster.stop(),
  };
}
