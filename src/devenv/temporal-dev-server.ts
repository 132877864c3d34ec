// `temporal server start-dev` as a child process: file-backed, loopback only, with the warehouse search attributes.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SEARCH_ATTRIBUTES } from '../workflows/messages';

export interface DevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

/** The Temporal CLI: $TEMPORAL_CLI_PATH, or the cached build (built on first use by scripts/ensure-temporal.sh). */
export function temporalCli(): string {
  if (process.env.TEMPORAL_CLI_PATH) return process.env.TEMPORAL_CLI_PATH;
  const script = path.resolve(__dirname, '../../scripts/ensure-temporal.sh');
  const out = execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return (process.env.TEMPORAL_CLI_PATH = out.trim().split('\n').pop()!);
}

export interface DevServerOptions {
  dbFile: string;
  port: number;
  uiPort: number;
  logFile: string;
  /** `PRAGMA=VALUE` statements for the server's SQLite database (e.g. `synchronous=OFF` for benchmarks). */
  sqlitePragmas?: string[];
}

export async function startDevServer(o: DevServerOptions): Promise<DevServer> {
  fs.mkdirSync(path.dirname(o.dbFile), { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    o.dbFile,
    '--ip',
    '127.0.0.1',
    '--port',
    String(o.port),
    '--ui-port',
    String(o.uiPort),
    '--log-level',
    'warn',
  ];
  for (const pragma of o.sqlitePragmas ?? []) args.push('--sqlite-pragma', pragma);
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  const log = fs.openSync(o.logFile, 'a');
  const child: ChildProcess = spawn(temporalCli(), args, { stdio: ['ignore', log, log] });
  let exited = false;
  child.once('exit', () => (exited = true));
  const address = `127.0.0.1:${o.port}`;
  const deadline = Date.now() + 60000;
  while (!(await canConnect(o.port))) {
    if (exited) throw new Error(`the Temporal dev server exited at start; see ${o.logFile}`);
    if (Date.now() > deadline)
      throw new Error(`the Temporal dev server did not listen on ${address} within 60 s; see ${o.logFile}`);
    await sleep(200);
  }
  return {
    address,
    uiUrl: `http://127.0.0.1:${o.uiPort}`,
    async stop() {
      if (exited) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      await gone;
      clearTimeout(timer);
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}
