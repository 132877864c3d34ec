// One entry per command module: each adds its command (and subcommands) to the program.
import type { Command } from 'commander';
import { registerDemo } from './demo';
import { registerProbe } from './probe';
import { registerSimulate } from './simulate';

export const commands: Array<(program: Command) => void> = [registerProbe, registerSimulate, registerDemo];
