// The production Temporal topology without Docker: a throw-away PostgreSQL cluster and a Temporal server on it, set
// up the way docker-compose.yml deploys them. What decides how is read from docker-compose.yml itself — the
// `postgresql` service's user and password, the scripts and environment of the `temporal-schema` and
// `temporal-setup` one-shots (run unchanged from deploy/compose/), the `temporal` service's environment rendered
// through the server image's own config template, and the dynamic config file it mounts — so that what the tests,
// `npm run stack:up`, the demo and bench:scale run is what compose runs. Only addresses differ: loopback and free
// ports instead of service names and fixed ports (ADDRESS_VARIABLES).
import { execFile, execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import {
  assertAlive,
  commandOf,
  isRunning,
  safeKill,
  spawnLogged,
  stopProcess,
  type RunningProcess,
} from './local-processes';
import { freePorts } from '../util/ports';
import { temporalCli } from './temporal-dev-server';

const REPO = path.resolve(__dirname, '../..');
export const COMPOSE_FILE = path.join(REPO, 'docker-compose.yml');

interface ComposeService {
  environment?: Record<string, string | number> | string[];
  entrypoint?: string | string[];
  volumes?: string[];
}

/** A one-shot service of docker-compose.yml: the script its entrypoint runs (its path on this host) and its environment. */
export interface ComposeOneShot {
  service: string;
  script: string;
  env: Record<string, string>;
}

/** What docker-compose.yml deploys for Temporal, its mounted paths resolved to this repository. */
export interface ComposePlan {
  /** The `postgresql` service's superuser and password, and the database the image creates (POSTGRES_DB, else the user's name). */
  postgres: { user: string; password: string; database: string };
  schema: ComposeOneShot;
  setup: ComposeOneShot;
  /** The `temporal` service's environment, which the server image renders its config template with. */
  serverEnv: Record<string, string>;
  /** The file the server's DYNAMIC_CONFIG_FILE_PATH names, through the service's mounts. */
  dynamicConfigFile: string;
}

/** The temporalio/server image's working directory: relative paths in its environment are relative to it. */
const IMAGE_WORKDIR = '/etc/temporal';
/** The template's own default for DYNAMIC_CONFIG_FILE_PATH. */
const IMAGE_DYNAMIC_CONFIG = '/etc/temporal/config/dynamicconfig/docker.yaml';

export function composePlan(file = COMPOSE_FILE): ComposePlan {
  const services = (parse(readFileSync(file, 'utf8'), { merge: true }) as { services: Record<string, ComposeService> })
    .services;
  const service = (name: string): ComposeService => {
    const s = services[name];
    if (!s) throw new Error(`${file} has no service "${name}"`);
    return s;
  };
  const env = (s: ComposeService): Record<string, string> =>
    Array.isArray(s.environment)
      ? Object.fromEntries(s.environment.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]))
      : Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, String(v)]));
  /** The host path of a path inside the service's container, through its bind mounts of repository paths. */
  const hostPath = (name: string, inside: string): string => {
    for (const v of service(name).volumes ?? []) {
      const [source, target] = v.split(':');
      if (source.startsWith('.') && (inside === target || inside.startsWith(`${target}/`)))
        return path.join(path.dirname(file), source, inside.slice(target.length));
    }
    throw new Error(`${file}: service ${name} mounts nothing from the repository at ${inside}`);
  };
  const oneShot = (name: string): ComposeOneShot => {
    const entrypoint = service(name).entrypoint;
    const script = (Array.isArray(entrypoint) ? entrypoint : (entrypoint ?? '').split(/\s+/)).find((a) =>
      a.endsWith('.sh'),
    );
    if (!script) throw new Error(`${file}: the entrypoint of service ${name} runs no .sh script`);
    return { service: name, script: hostPath(name, script), env: env(service(name)) };
  };
  const pg = env(service('postgresql'));
  const serverEnv = env(service('temporal'));
  return {
    postgres: { user: pg.POSTGRES_USER, password: pg.POSTGRES_PASSWORD, database: pg.POSTGRES_DB ?? pg.POSTGRES_USER },
    schema: oneShot('temporal-schema'),
    setup: oneShot('temporal-setup'),
    serverEnv,
    dynamicConfigFile: hostPath(
      'temporal',
      path.posix.resolve(IMAGE_WORKDIR, serverEnv.DYNAMIC_CONFIG_FILE_PATH ?? IMAGE_DYNAMIC_CONFIG),
    ),
  };
}

/**
 * The only variables the stack sets differently from docker-compose.yml, per service: where things are — PostgreSQL
 * and the frontend on loopback instead of their service names, and the dynamic config file by its path here.
 */
export function addressOverrides(at: { pgPort: number; frontend: string; dynamicConfigFile: string }) {
  return {
    schema: { POSTGRES_SEEDS: '127.0.0.1', DB_PORT: String(at.pgPort) },
    server: {
      POSTGRES_SEEDS: '127.0.0.1',
      DB_PORT: String(at.pgPort),
      BIND_ON_IP: '127.0.0.1',
      DYNAMIC_CONFIG_FILE_PATH: at.dynamicConfigFile,
    },
    setup: { TEMPORAL_ADDRESS: at.frontend },
  };
}

/** The config template's port variables (their defaults are fixed ports: 7233, 6933, …), all set to free ports. */
export const PORT_VARIABLES = [
  'FRONTEND_GRPC_PORT',
  'FRONTEND_HTTP_PORT',
  'FRONTEND_MEMBERSHIP_PORT',
  'HISTORY_GRPC_PORT',
  'HISTORY_MEMBERSHIP_PORT',
  'MATCHING_GRPC_PORT',
  'MATCHING_MEMBERSHIP_PORT',
  'WORKER_GRPC_PORT',
  'WORKER_MEMBERSHIP_PORT',
] as const;

/**
 * The directory scripts/ensure-temporal-server.sh prints (temporal-server, temporal-sql-tool, dockerize-template,
 * config_template.yaml, pgbin), building what is missing; $IMPALA_AUTOSCALER_TEMPORAL_SERVER_DIR skips the script.
 */
export function temporalServerTools(): string {
  const fromEnv = process.env.IMPALA_AUTOSCALER_TEMPORAL_SERVER_DIR;
  if (fromEnv) return fromEnv;
  const out = execFileSync('bash', [path.join(REPO, 'scripts/ensure-temporal-server.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return (process.env.IMPALA_AUTOSCALER_TEMPORAL_SERVER_DIR = out.trim().split('\n').pop()!);
}

export interface PostgresStackOptions {
  /** Where the stack keeps its database, config and logs. Default: a new directory under os.tmpdir(), removed by stop(). */
  dir?: string;
  /** Leave the processes running after this Node process exits (`npm run stack:up`). */
  detached?: boolean;
  log?: (line: string) => void;
}

export interface PostgresStack {
  /** The Temporal frontend, host:port. */
  address: string;
  namespace: string;
  dir: string;
  /** PostgreSQL, as the `postgresql` service's clients reach it. */
  database: { host: string; port: number; user: string; password: string };
  serverPid(): number;
  /** PostgreSQL's postmaster (its backends are its children). */
  postgresPid(): number;
  /** kill -9 of temporal-server; PostgreSQL keeps running. */
  killServer(): Promise<void>;
  /** temporal-server again on the same database, configuration and ports; resolves once it serves. */
  startServer(): Promise<void>;
  /** Runs one of compose's one-shots again (compose restarts them on failure) and returns its output. */
  rerun(service: 'temporal-schema' | 'temporal-setup'): Promise<string>;
  /** Stops the server and the database, and removes a directory the stack created. */
  stop(): Promise<void>;
}

/** What the stack records in its directory so that `npm run stack:down` can stop a detached one. */
interface StackRecord {
  address: string;
  namespace: string;
  pgbin: string;
  pgdata: string;
  server: { pid: number; command: string };
}

const RECORD_FILE = 'stack.json';
const SERVER_START_TIMEOUT_MS = 120_000;

export async function startPostgresStack(o: PostgresStackOptions = {}): Promise<PostgresStack> {
  const log = o.log ?? (() => undefined);
  const t0 = Date.now();
  const took = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  const tools = temporalServerTools();
  const plan = composePlan();
  const ownsDir = o.dir === undefined;
  const dir = o.dir ?? mkdtempSync(path.join(tmpdir(), 'impala-autoscaler-stack-'));
  const logDir = path.join(dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  // What the admin-tools image has on PATH for the one-shots.
  const bin = path.join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  symlinkSync(temporalCli(), path.join(bin, 'temporal'));
  symlinkSync(path.join(tools, 'temporal-sql-tool'), path.join(bin, 'temporal-sql-tool'));
  const [pgPort] = await freePorts(1);
  const ports = await freeSmallintPorts(PORT_VARIABLES.length);
  const portEnv = Object.fromEntries(PORT_VARIABLES.map((name, i) => [name, String(ports[i])]));
  const address = `127.0.0.1:${portEnv.FRONTEND_GRPC_PORT}`;
  const namespace = plan.setup.env.TEMPORAL_NAMESPACE ?? 'default';
  const overrides = addressOverrides({ pgPort, frontend: address, dynamicConfigFile: plan.dynamicConfigFile });
  // The link's target: as root the executables run as the postgres user, who cannot reach into root's cache.
  const pg = new Postgres(realpathSync(path.join(tools, 'pgbin')), path.join(dir, 'postgresql'), pgPort);

  let server: RunningProcess | undefined;
  const killOnExit = () => {
    if (server) safeKill(server.pid, 'SIGKILL');
    pg.killSync();
  };
  if (!o.detached) process.once('exit', killOnExit);
  const root = path.join(dir, 'temporal');
  const oneShotPath = `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`;
  const schema = () => runOneShot(plan.schema, overrides.schema, oneShotPath, logDir);
  const setup = () => runOneShot(plan.setup, overrides.setup, oneShotPath, logDir);
  const startServer = async () => {
    server = spawnLogged(
      'temporal-server',
      path.join(tools, 'temporal-server'),
      ['--root', root, '--env', 'docker', 'start'],
      { logDir, detached: o.detached ?? false },
    );
    await waitServing(address, server);
    writeFileSync(
      path.join(dir, RECORD_FILE),
      JSON.stringify(
        {
          address,
          namespace,
          pgbin: pg.bin,
          pgdata: pg.data,
          server: { pid: server.pid, command: path.join(tools, 'temporal-server') },
        } satisfies StackRecord,
        null,
        2,
      ),
    );
  };
  let stopped = false;
  const stop = async (keepDir = false) => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killOnExit);
    if (server) await stopProcess(server.pid, 10_000);
    await pg.stop();
    if (ownsDir && !keepDir) rmSync(dir, { recursive: true, force: true });
  };

  try {
    await pg.init(plan.postgres);
    await pg.start(path.join(logDir, 'postgresql.log'));
    await pg.createDatabase(plan.postgres);
    log(`stack: ${await pg.version()} on 127.0.0.1:${pgPort}, user ${plan.postgres.user} (${took()})`);

    await schema();
    log(`stack: Temporal databases and schemas set up by ${path.relative(REPO, plan.schema.script)} (${took()})`);

    // As the server image's entrypoint does: its config template rendered with the service's environment.
    mkdirSync(path.join(root, 'config'), { recursive: true });
    const serverEnv = { ...plan.serverEnv, ...overrides.server, ...portEnv };
    await run(
      path.join(tools, 'dockerize-template'),
      [path.join(tools, 'config_template.yaml'), path.join(root, 'config', 'docker.yaml')],
      { env: serverEnv, what: 'rendering the server config template' },
    );
    await startServer();
    log(`stack: temporal-server serving on ${address} (${took()})`);

    await setup();
    log(
      `stack: namespace ${namespace} and the search attributes registered by ${path.relative(REPO, plan.setup.script)} (${took()}); logs in ${logDir}`,
    );
  } catch (err) {
    // The logs named in the error stay readable: a failed start keeps its directory.
    await stop(true).catch(() => undefined);
    throw err;
  }

  return {
    address,
    namespace,
    dir,
    database: { host: '127.0.0.1', port: pgPort, user: plan.postgres.user, password: plan.postgres.password },
    serverPid: () => server!.pid,
    postgresPid: () => pg.pid(),
    killServer: async () => {
      const pid = server!.pid;
      safeKill(pid, 'SIGKILL');
      while (isRunning(pid)) await sleep(20);
    },
    startServer,
    rerun: (service) => (service === 'temporal-schema' ? schema() : setup()),
    stop: () => stop(),
  };
}

/** Stops a stack started with `detached: true` from its directory and removes it; false when nothing is recorded there. */
export async function stopDetachedStack(dir: string): Promise<boolean> {
  const file = path.join(dir, RECORD_FILE);
  if (!existsSync(file)) return false;
  const record = JSON.parse(readFileSync(file, 'utf8')) as StackRecord;
  // A PID may have been reused since stack:up: only signal a process still running our binary.
  if (commandOf(record.server.pid) === record.server.command) await stopProcess(record.server.pid, 10_000);
  await new Postgres(record.pgbin, path.dirname(record.pgdata), 0).stop();
  rmSync(dir, { recursive: true, force: true });
  return true;
}

/** The detached stack recorded in dir, if its server and database are running. */
export function runningDetachedStack(dir: string): { address: string; namespace: string } | undefined {
  const file = path.join(dir, RECORD_FILE);
  if (!existsSync(file)) return undefined;
  const record = JSON.parse(readFileSync(file, 'utf8')) as StackRecord;
  const serverUp = isRunning(record.server.pid) && commandOf(record.server.pid) === record.server.command;
  const pgPid = new Postgres(record.pgbin, path.dirname(record.pgdata), 0).pid();
  return serverUp && pgPid > 0 && isRunning(pgPid)
    ? { address: record.address, namespace: record.namespace }
    : undefined;
}

/**
 * A PostgreSQL cluster in its own directory, as the official postgres image sets one up: the superuser and password
 * of its environment, password (scram-sha-256) authentication over TCP, a database named after the user. It listens
 * on 127.0.0.1 only and keeps PostgreSQL's default durability (fsync, synchronous commit), as production does.
 * initdb and the server refuse to run as root: as root they run as the `postgres` user (Debian's package creates it).
 */
class Postgres {
  readonly data: string;

  constructor(
    readonly bin: string,
    private readonly home: string,
    private readonly port: number,
  ) {
    this.data = path.join(home, 'data');
  }

  private asOwner(cmd: string, args: string[]): [string, string[]] {
    return process.getuid?.() === 0
      ? ['runuser', ['-u', 'postgres', '--', path.join(this.bin, cmd), ...args]]
      : [path.join(this.bin, cmd), args];
  }

  /** Makes a path the cluster's owner's (as root: the postgres user's). */
  private own(p: string): void {
    if (process.getuid?.() !== 0) return;
    const entry = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('postgres:'));
    if (!entry)
      throw new Error(
        "running as root, PostgreSQL needs the `postgres` user to own its cluster, and /etc/passwd has none (Debian's postgresql package creates it)",
      );
    const [, , uid, gid] = entry.split(':');
    chownSync(p, Number(uid), Number(gid));
  }

  async init(user: { user: string; password: string }): Promise<void> {
    mkdirSync(this.home, { recursive: true, mode: 0o700 });
    this.own(this.home);
    const pwfile = path.join(this.home, 'pwfile');
    writeFileSync(pwfile, `${user.password}\n`, { mode: 0o600 });
    this.own(pwfile);
    // The stack's directory (mkdtemp makes it mode 700) must let the cluster's owner reach its home.
    if (process.getuid?.() === 0) chmodSync(path.dirname(this.home), 0o711);
    const [cmd, args] = this.asOwner('initdb', [
      '-D',
      this.data,
      '-U',
      user.user,
      `--pwfile=${pwfile}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '-E',
      'UTF8',
      '--locale=C',
    ]);
    await run(cmd, args, { what: 'initdb' });
    rmSync(pwfile);
  }

  async start(logFile: string): Promise<void> {
    closeSync(openSync(logFile, 'a'));
    this.own(logFile);
    // No Unix socket: clients connect over TCP with a password, as they do to the compose service.
    const options = `-c listen_addresses=127.0.0.1 -p ${this.port} -c unix_socket_directories=''`;
    const [cmd, args] = this.asOwner('pg_ctl', [
      '-D',
      this.data,
      '-l',
      logFile,
      '-o',
      options,
      '-w',
      '-t',
      '120',
      'start',
    ]);
    await run(cmd, args, { what: `pg_ctl start (log: ${logFile})` });
  }

  async createDatabase(user: { user: string; password: string; database: string }): Promise<void> {
    await run(
      path.join(this.bin, 'createdb'),
      ['-h', '127.0.0.1', '-p', String(this.port), '-U', user.user, user.database],
      {
        env: { ...process.env, PGPASSWORD: user.password },
        what: `createdb ${user.database}`,
      },
    );
  }

  async version(): Promise<string> {
    return (await run(path.join(this.bin, 'postgres'), ['--version'], { what: 'postgres --version' })).trim();
  }

  /** The postmaster's pid (the first line of postmaster.pid), or 0 when it is not running. */
  pid(): number {
    try {
      return Number(readFileSync(path.join(this.data, 'postmaster.pid'), 'utf8').split('\n')[0]) || 0;
    } catch {
      return 0;
    }
  }

  /** Fast shutdown: open sessions are ended, and the cluster is consistent on disk. */
  async stop(): Promise<void> {
    const pid = this.pid();
    if (!pid || !isRunning(pid)) return;
    const [cmd, args] = this.asOwner('pg_ctl', ['-D', this.data, '-m', 'fast', '-w', '-t', '30', 'stop']);
    await run(cmd, args, { what: 'pg_ctl stop' }).catch(() => safeKill(pid, 'SIGKILL'));
  }

  killSync(): void {
    const pid = this.pid();
    if (pid) safeKill(pid, 'SIGKILL');
  }
}

/** Runs one of docker-compose.yml's one-shot scripts with its compose environment, addresses overridden. */
async function runOneShot(
  shot: ComposeOneShot,
  addresses: Record<string, string>,
  PATH: string,
  logDir: string,
): Promise<string> {
  const logFile = path.join(logDir, `${shot.service}.log`);
  const out = await run('sh', [shot.script], {
    env: { PATH, HOME: process.env.HOME ?? '/', ...shot.env, ...addresses },
    what: `${shot.service} (${path.relative(REPO, shot.script)}; log: ${logFile})`,
    logFile,
    timeoutMs: 180_000,
  });
  writeFileSync(logFile, out);
  return out;
}

/** Waits until the frontend reports SERVING (`temporal operator cluster health`, as deploy/compose/setup-temporal.sh does). */
async function waitServing(address: string, server: RunningProcess): Promise<void> {
  const deadline = Date.now() + SERVER_START_TIMEOUT_MS;
  let last = '';
  for (;;) {
    assertAlive([server]);
    try {
      if (
        (
          await run(temporalCli(), ['operator', 'cluster', 'health', '--address', address], {
            what: 'cluster health',
            timeoutMs: 10_000,
          })
        ).includes('SERVING')
      )
        return;
    } catch (err) {
      last = (err as Error).message.split('\n').slice(-1)[0];
    }
    if (Date.now() > deadline)
      throw new Error(
        `temporal-server did not serve on ${address} within ${SERVER_START_TIMEOUT_MS / 1000} s (last: ${last}); see ${server.logFile}`,
      );
    await sleep(250);
  }
}

function run(
  cmd: string,
  args: string[],
  o: { what: string; env?: NodeJS.ProcessEnv; logFile?: string; timeoutMs?: number },
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { env: o.env ?? process.env, timeout: o.timeoutMs ?? 120_000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const output = `${stdout}${stderr}`;
        if (!err) return resolve(output);
        if (o.logFile) writeFileSync(o.logFile, output);
        const tail = output.trimEnd().split('\n').slice(-15).join('\n');
        reject(new Error(`${o.what} failed (${err.killed ? 'timed out' : `exit code ${String(err.code)}`}):\n${tail}`));
      },
    );
  });
}

/**
 * n distinct free loopback ports below 32768: the server records its membership ports in PostgreSQL's
 * cluster_membership.rpc_port, a smallint, and refuses to start with a port from Linux's ephemeral range (32768–60999)
 * that freePorts() hands out ("value … is out of range for type smallint"). Held open together, as freePorts() does.
 */
async function freeSmallintPorts(n: number): Promise<number[]> {
  const held: net.Server[] = [];
  try {
    for (let attempt = 0; held.length < n; attempt++) {
      if (attempt > 2000) throw new Error(`no ${n} free loopback ports found between 10000 and 32767`);
      const port = 10_000 + Math.floor(Math.random() * 22_768);
      const s = await new Promise<net.Server | undefined>((resolve) => {
        const srv = net.createServer();
        srv.once('error', () => resolve(undefined));
        srv.listen(port, '127.0.0.1', () => resolve(srv));
      });
      if (s) held.push(s);
    }
    return held.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
  }
}
