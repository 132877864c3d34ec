// `impala-autoscaler demo`: the seed scenario on a local Temporal dev server, end to end.
import path from 'node:path';
import type { Command } from 'commander';
import { formatSummary } from '../../demo/summary';
import { runDemo } from '../../demo/run-demo';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Run the seed scenario: 4 large queries on 1 group → scale up → drain → scale down → suspend → resume')
    .option('--keep-running', 'leave the dev server, simulator and worker up at the end (Ctrl-C stops them)', false)
    .option('--data-dir <dir>', 'where the dev server keeps its database and log', path.resolve('.demo'))
    .option('--json', 'print the summary as one JSON object on stdout (decision lines go to stderr)', false)
    .action(async (opts: { keepRunning: boolean; dataDir: string; json: boolean }) => {
      const out = opts.json ? (l: string) => process.stderr.write(`${l}\n`) : undefined;
      const summary = await runDemo({ keepRunning: opts.keepRunning, dataDir: opts.dataDir, out });
      if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else for (const line of formatSummary(summary)) process.stdout.write(`${line}\n`);
    });
}
