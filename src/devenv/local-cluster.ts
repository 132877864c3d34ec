// A real, throwaway Kubernetes control plane on 127.0.0.1 for the tests and the demo: etcd, kube-apiserver,
// kube-controller-manager (the StatefulSet controller), kube-scheduler and KWOK (a fake node whose pods become Ready
// after a delay, without a kubelet). Binaries come from scripts/k8s/ensure-k8s.sh.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { resolveBinDir } from './local-binaries';
import { generatePki, type Pki } from './local-pki';
import {
  assertAlive,
  commandOf,
  isRunning,
  safeKill,
  spawnLogged,
  stopProcess,
  type RunningProcess,
} from './local-processes';

export interface LocalClusterOptions {
  /** How long KWOK waits before marking a new pod Ready (a group "starting"). Default 3000. */
  podReadyDelayMs?: number;
  /** How long a deleted pod stays Terminating before KWOK removes it (a group "draining"). Default 0. */
  podDeleteDelayMs?: number;
  /** Default: a fresh directory under os.tmpdir(), removed by stop(). */
  stateDir?: string;
  /** Leave the processes running after this Node process exits (`npm run cluster:up`). */
  detached?: boolean;
  binDir?: string;
  log?: (line: string) => void;
  /** Default 90 s: a cold start takes 4–6 s, but a loaded 2-core machine can be much slower. */
  startTimeoutMs?: number;
  /** What the fake node offers the scheduler (e.g. `{ cpu: '17', memory: '100Gi' }`). Default: KWOK's 1k cpu, 1Ti. */
  nodeAllocatable?: Record<string, string>;
}

export interface LocalCluster {
  kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  server: string;
  stateDir: string;
  processes: RunningProcess[];
  /** A KubeConfig for the cluster admin (client certificate in system:masters). */
  kubeConfig(): KubeConfig;
  /** Creates a namespace with a unique name and waits for its `default` ServiceAccount (pods need it). */
  createNamespace(prefix?: string): Promise<string>;
  /** Stops every process (also the ones that already failed) and removes a temporary state dir. */
  stop(): Promise<void>;
}

/** What `npm run cluster:up` records so that `cluster:down` can stop the processes later. */
interface ClusterRecord {
  kubeconfigPath: string;
  server: string;
  processes: { name: string; pid: number; command: string }[];
}

export const FAKE_NODE = 'kwok-node-0';
const RECORD_FILE = 'cluster.json';

export async function startLocalCluster(opts: LocalClusterOptions = {}): Promise<LocalCluster> {
  const log = opts.log ?? (() => {});
  const binDir = opts.binDir ?? resolveBinDir();
  const ownsStateDir = opts.stateDir === undefined;
  const stateDir = opts.stateDir ?? (await mkdtemp(join(tmpdir(), 'impala-autoscaler-k8s-')));
  const logDir = join(stateDir, 'logs');
  await mkdir(logDir, { recursive: true });
  const deadline = Date.now() + (opts.startTimeoutMs ?? 90_000);
  const t0 = Date.now();
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

  const processes: RunningProcess[] = [];
  const spawnOpts = { logDir, detached: opts.detached ?? false };
  const bin = (name: string) => join(binDir, name);
  // If the test process dies between start and stop (an uncaught error, a jest worker torn down), the servers
  // must not outlive it. Synchronous SIGKILL is all an 'exit' handler can do.
  const killOnExit = () => processes.forEach((p) => safeKill(p.pid, 'SIGKILL'));
  if (!spawnOpts.detached) process.once('exit', killOnExit);

  let stopped = false;
  const stop = async (keepState = false): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killOnExit);
    await stopAll(processes);
    if (ownsStateDir && !keepState) await rm(stateDir, { recursive: true, force: true });
  };

  try {
    const [pki, ports, stagesFile] = await Promise.all([
      generatePki(join(stateDir, 'pki')),
      freePorts(4),
      writeStages(stateDir, opts.podReadyDelayMs ?? 3000, opts.podDeleteDelayMs ?? 0),
    ]);
    const [etcdPort, etcdPeerPort, apiPort, kwokPort] = ports;
    const server = `https://127.0.0.1:${apiPort}`;
    const kubeconfigPath = join(stateDir, 'kubeconfig');
    await writeFile(kubeconfigPath, kubeconfigYaml(server, pki));

    processes.push(spawnLogged('etcd', bin('etcd'), etcdArgs(stateDir, etcdPort, etcdPeerPort), spawnOpts));
    processes.push(
      spawnLogged('kube-apiserver', bin('kube-apiserver'), apiserverArgs(stateDir, pki, apiPort, etcdPort), spawnOpts),
    );
    await waitFor('kube-apiserver /readyz', deadline, processes, () => readyz(server, pki));
    log(`local cluster: kube-apiserver ready at ${server} after ${elapsed()}`);

    processes.push(
      spawnLogged('kube-controller-manager', bin('kube-controller-manager'), kcmArgs(kubeconfigPath, pki), spawnOpts),
    );
    processes.push(spawnLogged('kube-scheduler', bin('kube-scheduler'), schedulerArgs(kubeconfigPath), spawnOpts));
    processes.push(spawnLogged('kwok', bin('kwok'), kwokArgs(kubeconfigPath, stagesFile, kwokPort), spawnOpts));

    const kc = loadKubeConfig(kubeconfigPath);
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNode({ body: fakeNode(opts.nodeAllocatable) });
    await waitFor(`node ${FAKE_NODE} Ready`, deadline, processes, async () => {
      const node = await core.readNode({ name: FAKE_NODE });
      return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    });
    await waitForDefaultServiceAccount(core, 'default', deadline, processes);
    log(`local cluster: node ${FAKE_NODE} Ready, default ServiceAccount present after ${elapsed()}`);

    const record: ClusterRecord = {
      kubeconfigPath,
      server,
      processes: processes.map((p) => ({ name: p.name, pid: p.pid, command: bin(p.name) })),
    };
    await writeFile(join(stateDir, RECORD_FILE), JSON.stringify(record, null, 2));

    return {
      kubeconfigPath,
      server,
      stateDir,
      processes,
      kubeConfig: () => loadKubeConfig(kubeconfigPath),
      createNamespace: async (prefix = 'test') => {
        const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
        await core.createNamespace({ body: { metadata: { name } } });
        await waitForDefaultServiceAccount(core, name, Date.now() + 30_000, processes);
        return name;
      },
      stop: () => stop(),
    };
  } catch (err) {
    // The logs named in the error stay readable: a failed start keeps its state dir.
    await stop(true).catch(() => {});
    throw err;
  }
}

/** Stops a cluster started with `detached: true` from its state dir; a no-op when nothing is recorded there. */
export async function stopDetachedCluster(stateDir: string): Promise<boolean> {
  const file = join(stateDir, RECORD_FILE);
  if (!existsSync(file)) return false;
  const record = JSON.parse(await readFile(file, 'utf8')) as ClusterRecord;
  // A PID may have been reused since cluster:up: only signal a process still running our binary.
  const ours = record.processes.filter((p) => commandOf(p.pid) === p.command);
  await stopAll(ours.map((p) => ({ name: p.name, pid: p.pid, logFile: '' })));
  await rm(stateDir, { recursive: true, force: true });
  return true;
}

/** The running detached cluster recorded in stateDir, if all its processes are still alive. */
export function runningDetachedCluster(stateDir: string): { kubeconfigPath: string; server: string } | undefined {
  const file = join(stateDir, RECORD_FILE);
  if (!existsSync(file)) return undefined;
  const record = JSON.parse(readFileSync(file, 'utf8')) as ClusterRecord;
  const alive = record.processes.every((p) => isRunning(p.pid) && commandOf(p.pid) === p.command);
  return alive ? { kubeconfigPath: record.kubeconfigPath, server: record.server } : undefined;
}

export function loadKubeConfig(kubeconfigPath: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return kc;
}

// Clients (kwok, scheduler, controller-manager) go first so that they do not spend the grace period retrying
// against a stopping apiserver; etcd goes last. A throwaway cluster needs no graceful shutdown beyond a second.
async function stopAll(procs: RunningProcess[]): Promise<void> {
  const order = [['kwok', 'kube-scheduler', 'kube-controller-manager'], ['kube-apiserver'], ['etcd']];
  for (const names of order) {
    await Promise.all(procs.filter((p) => names.includes(p.name)).map((p) => stopProcess(p.pid, 1000)));
  }
}

async function waitFor(
  what: string,
  deadline: number,
  procs: RunningProcess[],
  check: () => Promise<boolean>,
): Promise<void> {
  let last = '';
  while (Date.now() < deadline) {
    assertAlive(procs);
    try {
      if (await check()) return;
    } catch (err) {
      last = (err as Error).message.split('\n')[0];
    }
    await sleep(100);
  }
  const logs = procs.map((p) => p.logFile).join(', ');
  throw new Error(`local cluster: timed out waiting for ${what}${last ? ` (last error: ${last})` : ''}; logs: ${logs}`);
}

function waitForDefaultServiceAccount(core: CoreV1Api, namespace: string, deadline: number, procs: RunningProcess[]) {
  return waitFor(`ServiceAccount ${namespace}/default`, deadline, procs, async () => {
    await core.readNamespacedServiceAccount({ name: 'default', namespace });
    return true;
  });
}

function readyz(server: string, pki: Pki): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${server}/readyz`,
      {
        ca: readFileSync(pki.caCert),
        cert: readFileSync(pki.adminCert),
        key: readFileSync(pki.adminKey),
        timeout: 2000,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('timeout', () => req.destroy(new Error('readyz timed out')));
    req.on('error', reject);
    req.end();
  });
}

// Ports are picked by binding to port 0; another process could take one before our server binds it, which shows
// up as a clear "address already in use" in that server's log.
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const s = createServer();
          s.once('error', reject);
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

function findStagesTemplate(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'scripts', 'k8s', 'kwok-stages.yaml');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`scripts/k8s/kwok-stages.yaml not found above ${__dirname}`);
  }
}

async function writeStages(stateDir: string, podReadyDelayMs: number, podDeleteDelayMs: number): Promise<string> {
  const docs = parseAllDocuments(await readFile(findStagesTemplate(), 'utf8'));
  const delays: Record<string, number> = { 'pod-ready': podReadyDelayMs, 'pod-delete': podDeleteDelayMs };
  for (const doc of docs) {
    const name = doc.getIn(['metadata', 'name']) as string;
    if (name in delays) doc.setIn(['spec', 'delay', 'durationMilliseconds'], delays[name]);
  }
  const file = join(stateDir, 'kwok-stages.yaml');
  await writeFile(file, docs.map((d) => d.toString()).join('---\n'));
  return file;
}

function kubeconfigYaml(server: string, pki: Pki): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: local',
    `  cluster: {server: "${server}", certificate-authority: "${pki.caCert}"}`,
    'users:',
    '- name: admin',
    `  user: {client-certificate: "${pki.adminCert}", client-key: "${pki.adminKey}"}`,
    'contexts:',
    '- name: local',
    '  context: {cluster: local, user: admin}',
    'current-context: local',
    '',
  ].join('\n');
}

function etcdArgs(stateDir: string, port: number, peerPort: number): string[] {
  return [
    '--name',
    'local',
    '--data-dir',
    join(stateDir, 'etcd'),
    '--listen-client-urls',
    `http://127.0.0.1:${port}`,
    '--advertise-client-urls',
    `http://127.0.0.1:${port}`,
    '--listen-peer-urls',
    `http://127.0.0.1:${peerPort}`,
    '--initial-advertise-peer-urls',
    `http://127.0.0.1:${peerPort}`,
    '--initial-cluster',
    `local=http://127.0.0.1:${peerPort}`,
    // The data is thrown away with the cluster; fsync would only slow every write.
    '--unsafe-no-fsync',
    '--log-level',
    'warn',
  ];
}

function apiserverArgs(stateDir: string, pki: Pki, port: number, etcdPort: number): string[] {
  return [
    '--etcd-servers',
    `http://127.0.0.1:${etcdPort}`,
    '--bind-address',
    '127.0.0.1',
    '--advertise-address',
    '127.0.0.1',
    '--secure-port',
    String(port),
    '--cert-dir',
    join(stateDir, 'apiserver-certs'),
    '--tls-cert-file',
    pki.apiserverCert,
    '--tls-private-key-file',
    pki.apiserverKey,
    '--client-ca-file',
    pki.caCert,
    '--service-account-issuer',
    'https://kubernetes.default.svc.cluster.local',
    '--service-account-key-file',
    pki.serviceAccountPub,
    '--service-account-signing-key-file',
    pki.serviceAccountKey,
    '--service-cluster-ip-range',
    '10.0.0.0/24',
    '--authorization-mode',
    'Node,RBAC',
    // Required with a loopback advertise address: the endpoint reconciler rejects 127.0.0.1 for the kubernetes
    // Service and the apiserver never becomes ready.
    '--endpoint-reconciler-type',
    'none',
  ];
}

function kcmArgs(kubeconfig: string, pki: Pki): string[] {
  return [
    ...schedulerArgs(kubeconfig),
    '--service-account-private-key-file',
    pki.serviceAccountKey,
    '--root-ca-file',
    pki.caCert,
  ];
}

/** What the scheduler needs, and the controller manager too. */
function schedulerArgs(kubeconfig: string): string[] {
  return [
    '--kubeconfig',
    kubeconfig,
    '--authentication-kubeconfig',
    kubeconfig,
    '--authorization-kubeconfig',
    kubeconfig,
    '--bind-address',
    '127.0.0.1',
    // Port 0 disables the health/metrics server, whose default fixed port would clash between parallel clusters.
    '--secure-port',
    '0',
    '--leader-elect=false',
  ];
}

function kwokArgs(kubeconfig: string, stagesFile: string, port: number): string[] {
  return [
    '--kubeconfig',
    kubeconfig,
    '--config',
    stagesFile,
    '--node-lease-duration-seconds',
    '40',
    // Only the node we create (annotated kwok.x-k8s.io/node=fake) is faked.
    '--manage-all-nodes=false',
    '--manage-nodes-with-annotation-selector',
    'kwok.x-k8s.io/node=fake',
    '--manage-nodes-with-label-selector=',
    '--disregard-status-with-annotation-selector',
    'kwok.x-k8s.io/status=custom',
    '--disregard-status-with-label-selector=',
    '--cidr',
    '10.0.1.1/24',
    '--node-ip',
    '10.0.1.1',
    '--server-address',
    `127.0.0.1:${port}`,
  ];
}

// Not tainted: it is the only node of a throwaway cluster, so manifests written for real clusters (deploy/) schedule
// on it unchanged. A node's status may be set on create; KWOK's node-initialize stage keeps the allocatable it finds.
function fakeNode(allocatable?: Record<string, string>) {
  const resources = allocatable && { pods: '110', ...allocatable };
  return {
    ...(resources ? { status: { allocatable: resources, capacity: resources } } : {}),
    metadata: {
      name: FAKE_NODE,
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kwok.x-k8s.io/node': 'fake' },
      labels: {
        type: 'kwok',
        'kubernetes.io/hostname': FAKE_NODE,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
      },
    },
  };
}
