// One entry per command module: each adds its command (and subcommands) to the program.
import type { Command } from 'commander';
import { registerDemo } from './demo';
import { registerProbe } from './probe';
import { registerSim } from './sim';
import { registerSimulate } from './simulate';
import { registerWarehouse } from './warehouse';
import { registerWorker } from './worker';

export const commands: Array<(program: Command) => void> = [
  registerWorker,
  registerWarehouse,
  registerProbe,
  registerSimulate,
  registerDemo,
  registerSim,
];
