// `npm run cluster:up` / `npm run cluster:down`: a local control plane left running for people (the demo, kubectl,
// running the Kubernetes tests against it with IMPALA_AUTOSCALER_TEST_KUBECONFIG). `up` builds what is missing
// (scripts/k8s/ensure-k8s.sh), returns once the cluster is ready and prints `KUBECONFIG=<path>` as its last line.
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runningDetachedCluster, startLocalCluster, stopDetachedCluster } from '../../src/devenv/local-cluster';

const STATE_DIR = process.env.IMPALA_AUTOSCALER_CLUSTER_DIR || join(tmpdir(), 'impala-autoscaler-cluster');

function ensureBinaries(): string {
  const res = spawnSync('bash', [join(__dirname, 'ensure-k8s.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (res.status !== 0) throw new Error('building the local control plane failed (see above)');
  return res.stdout.trim().split('\n').pop()!;
}

async function up(): Promise<void> {
  const running = runningDetachedCluster(STATE_DIR);
  if (running) {
    console.log(
      `local cluster already running at ${running.server} (state in ${STATE_DIR}; stop it with npm run cluster:down)`,
    );
    console.log(`KUBECONFIG=${running.kubeconfigPath}`);
    return;
  }
  // Leftovers of a cluster that died or a machine that rebooted.
  await stopDetachedCluster(STATE_DIR);
  const binDir = ensureBinaries();
  const t0 = Date.now();
  const podReadyDelayMs = Number(process.env.IMPALA_AUTOSCALER_POD_READY_DELAY_MS ?? 3000);
  const cluster = await startLocalCluster({
    stateDir: STATE_DIR,
    detached: true,
    binDir,
    podReadyDelayMs,
    log: (line) => console.log(line),
  });
  console.log(
    `local cluster ready in ${((Date.now() - t0) / 1000).toFixed(1)} s at ${cluster.server}; logs in ${STATE_DIR}/logs`,
  );
  console.log(
    `pods become Ready ${podReadyDelayMs} ms after they are scheduled (IMPALA_AUTOSCALER_POD_READY_DELAY_MS)`,
  );
  console.log(`KUBECONFIG=${cluster.kubeconfigPath}`);
}

async function down(): Promise<void> {
  const t0 = Date.now();
  if (await stopDetachedCluster(STATE_DIR)) {
    console.log(`local cluster stopped in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } else {
    console.log(`no local cluster recorded in ${STATE_DIR}`);
  }
}

const command = process.argv[2];
const run = command === 'up' ? up : command === 'down' ? down : undefined;
if (!run) {
  console.error('usage: tsx scripts/k8s/cluster.ts up|down');
  process.exit(2);
}
run().then(
  // The API client's keep-alive sockets would hold the process open; the cluster itself runs detached.
  () => process.exit(0),
  (err: Error) => {
    console.error(`cluster ${command}: ${err.message}`);
    process.exit(1);
  },
);
