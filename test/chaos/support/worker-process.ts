// Worker processes for the chaos tests: worker-main.ts bundled once per test file (esbuild, which tsx ships with),
// the workflow code bundled once, and a pool that keeps one replacement process loaded so that a kill -9 is followed
// by a new worker within about a second and a half (Worker.create), not the ten seconds a cold `node` + tsx start
// takes on a loaded 2-core machine.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, workflowBundle } from '../../support/temporal';
import type { ChaosWorkerConfig } from './worker-main';

export interface BuiltWorker {
  scriptPath: string;
  bundlePath: string;
}

export async function buildWorker(dir: string): Promise<BuiltWorker> {
  const esbuild = require('esbuild') as typeof import('esbuild');
  const scriptPath = path.join(dir, 'chaos-worker.js');
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  await esbuild.build({
    entryPoints: [path.join(__dirname, 'worker-main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: scriptPath,
    // The SDK loads its native bridge and its own files by path: it stays in node_modules.
    external: ['@temporalio/*'],
    logLevel: 'error',
  });
  fs.writeFileSync(bundlePath, (await workflowBundle()).code);
  return { scriptPath, bundlePath };
}

export interface WorkerEvent {
  event: string;
  at: number;
  pid: number;
  op?: string;
  index?: number;
  phase?: string;
  error?: string;
}

export class WorkerProcess {
  readonly events: WorkerEvent[] = [];
  private out = '';
  readonly exited: Promise<void>;
  private waiters: { event: string; resolve: () => void }[] = [];

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const e = JSON.parse(line) as WorkerEvent;
          this.events.push(e);
          this.waiters = this.waiters.filter((w) => (w.event === e.event ? (w.resolve(), false) : true));
        } catch {
          this.out += `${line}\n`;
        }
      }
    });
    child.stderr!.on('data', (d: Buffer) => (this.out += d.toString()));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  output(): string {
    return this.out;
  }

  /** Resolves when the event has been printed (or already was); bounded by timeoutMs. */
  waitFor(event: string, timeoutMs: number): Promise<void> {
    if (this.events.some((e) => e.event === event)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `worker ${this.name} did not print ${event} within ${timeoutMs} ms; its output: ${this.out.slice(-2000)}`,
            ),
          ),
        timeoutMs,
      );
      const done = () => (clearTimeout(timer), resolve());
      this.waiters.push({ event, resolve: done });
      void this.exited.then(() => {
        if (!this.events.some((e) => e.event === event)) {
          clearTimeout(timer);
          reject(new Error(`worker ${this.name} exited before ${event}; its output: ${this.out.slice(-2000)}`));
        }
      });
    });
  }

  go(): void {
    this.child.stdin!.write('go\n');
  }

  /** An activity call (create/delete) started and not finished when this process died. */
  inFlight(): WorkerEvent | undefined {
    const open = new Map<string, WorkerEvent>();
    for (const e of this.events.filter((x) => x.event === 'k8s')) {
      const key = `${e.op}:${e.index}`;
      if (e.phase === 'start') open.set(key, e);
      else open.delete(key);
    }
    return [...open.values()][0];
  }

  async kill9(): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL');
    await this.exited;
  }
}

export interface PoolOptions extends Omit<ChaosWorkerConfig, 'identity' | 'bundlePath'> {
  built: BuiltWorker;
  /** Identity prefix; each process gets `<prefix>-<n>`. */
  prefix: string;
}

/** Worker processes, with one replacement kept loaded. Every process it spawned is killed by close(). */
export class WorkerPool {
  private n = 0;
  private readonly all: WorkerProcess[] = [];
  private spare?: WorkerProcess;

  constructor(private readonly o: PoolOptions) {}

  private spawnOne(): WorkerProcess {
    this.n += 1;
    const name = `${this.o.prefix}-${this.n}`;
    const config: ChaosWorkerConfig = {
      address: this.o.address,
      taskQueue: this.o.taskQueue,
      kubeconfigPath: this.o.kubeconfigPath,
      bundlePath: this.o.built.bundlePath,
      identity: name,
      stickyQueueScheduleToStartTimeoutMs: this.o.stickyQueueScheduleToStartTimeoutMs,
      impalaTimeoutMs: this.o.impalaTimeoutMs,
    };
    const child = spawn(process.execPath, [this.o.built.scriptPath], {
      cwd: REPO,
      env: { ...process.env, NODE_PATH: path.join(REPO, 'node_modules'), CHAOS_WORKER: JSON.stringify(config) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const w = new WorkerProcess(name, child);
    this.all.push(w);
    return w;
  }

  /** A new worker process polling the task queue (the loaded spare when there is one); a new spare starts loading. */
  async start(timeoutMs = 60_000): Promise<WorkerProcess> {
    const w = this.spare ?? this.spawnOne();
    this.spare = undefined;
    await w.waitFor('loaded', timeoutMs);
    w.go();
    await w.waitFor('ready', timeoutMs);
    this.spare = this.spawnOne();
    return w;
  }

  processes(): WorkerProcess[] {
    return [...this.all];
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.kill9()));
  }
}
