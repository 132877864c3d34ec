// `impala-autoscaler worker`: the process that runs warehouse workflows (see worker-run.ts). Only the flags live
// here: the worker's heavy modules (SDK worker, Kubernetes client) load when the command runs, so every other
// command starts faster.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { TASK_QUEUE } from '../../worker';
import { positiveInt } from '../arguments';
import { addConnectionOptions } from '../connection';
import type { WorkerFlags } from './worker-run';

export const DEFAULT_METRICS_PORT = 9464;
// As in observability/logger.ts, repeated so that `--help` does not load pino.
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'];

const port = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError(`must be a port number 0–65535 (got "${v}")`);
  return n;
};

export function registerWorker(program: Command): void {
  addConnectionOptions(
    program
      .command('worker')
      .description('run the autoscaler worker: warehouse workflows, Impala load reading, executor groups on Kubernetes')
      .option(
        '-c, --config <file>',
        'warehouses file: checked at start (every warehouse needs coordinators); applied with --start',
      )
      .option('--start', 'apply the --config warehouses once the worker runs (start absent ones, resize changed ones)')
      .option('--task-queue <queue>', 'Temporal task queue to serve', TASK_QUEUE)
      .option(
        '--kubeconfig <file>',
        'kubeconfig file (default: in-cluster ServiceAccount, else $KUBECONFIG or ~/.kube/config)',
      )
      .option(
        '--metrics-port <port>',
        'port of /metrics, /healthz and /readyz (0: any free port)',
        port,
        DEFAULT_METRICS_PORT,
      )
      .option('--metrics-host <address>', 'address to bind the metrics port to', '0.0.0.0')
      .addOption(new Option('--log-level <level>', 'least severe log level written').choices(LEVELS).default('info'))
      .addOption(
        new Option('--log-format <format>', 'json lines, or pretty (auto: pretty on a terminal)')
          .choices(['json', 'pretty', 'auto'])
          .default('auto'),
      )
      .option('--identity <name>', 'worker identity shown in the Temporal Web UI (default: pid@host)')
      .option(
        '--max-cached-workflows <n>',
        'warehouses kept in memory between ticks; at least the warehouses this worker serves (default: sized from the heap)',
        positiveInt('--max-cached-workflows'),
      ),
  ).action(async (opts: WorkerFlags) => {
    // require, not import(): bin/ runs the sources through tsx's CommonJS hook, which import() would bypass.
    const { runWorker } = require('./worker-run') as typeof import('./worker-run');
    await runWorker(opts);
  });
}
