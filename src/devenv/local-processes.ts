// Child processes of the local control plane: each logs to its own file, is watched for an early exit (so a
// start-up failure is reported with its log instead of as a timeout), and is stopped by its PID only.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RunningProcess {
  name: string;
  pid: number;
  logFile: string;
  /** Set once the process has exited (only known for processes this Node process started). */
  exited?: { code: number | null; signal: NodeJS.Signals | null };
}

export interface SpawnOptions {
  logDir: string;
  /** Keep running after this Node process exits (`npm run cluster:up`). */
  detached: boolean;
}

export function spawnLogged(name: string, command: string, args: string[], opts: SpawnOptions): RunningProcess {
  const logFile = join(opts.logDir, `${name}.log`);
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, { stdio: ['ignore', fd, fd], detached: opts.detached });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new Error(`could not start ${command}: see ${logFile}`);
  const proc: RunningProcess = { name, pid: child.pid, logFile };
  child.on('exit', (code, signal) => {
    proc.exited = { code, signal };
  });
  child.on('error', (err) => {
    proc.exited = { code: null, signal: null };
    proc.logFile = `${logFile} (spawn error: ${err.message})`;
  });
  if (opts.detached) child.unref();
  return proc;
}

export function logTail(proc: RunningProcess, lines = 15): string {
  try {
    return readFileSync(proc.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Throws if any process has exited, with the end of its log, since waiting on it further cannot succeed. */
export function assertAlive(procs: RunningProcess[]): void {
  for (const p of procs) {
    if (p.exited) {
      const how = p.exited.signal ? `signal ${p.exited.signal}` : `code ${p.exited.code}`;
      throw new Error(`${p.name} exited (${how}) during start-up; last lines of ${p.logFile}:\n${logTail(p)}`);
    }
  }
}

/** Sends a signal to a process that may already be gone. */
export function safeKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** The executable a running process was started as, to tell a recorded pid from a reused one. */
export function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
  } catch {
    return undefined;
  }
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A detached process outlives the Node process that started it; once it exits, nobody may reap it, and a zombie
  // still answers signal 0.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. */
export async function stopProcess(pid: number, graceMs: number): Promise<void> {
  if (!isRunning(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isRunning(pid)) return;
    await sleep(50);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  while (isRunning(pid)) await sleep(20);
}
