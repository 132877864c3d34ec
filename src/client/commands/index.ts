// One entry per command module: each adds its command (and subcommands) to the program.
import type { Command } from 'commander';

export const commands: Array<(program: Command) => void> = [];
