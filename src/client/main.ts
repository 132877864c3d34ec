// The `impala-autoscaler` command line. Each command lives in src/client/commands/ and registers itself here.
import { Command } from 'commander';
import { commands } from './commands';

export function buildProgram(): Command {
  const program = new Command('impala-autoscaler')
    .description('Elastic scaling for Apache Impala on Kubernetes, driven by Temporal')
    .showHelpAfterError()
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
    if (e.code?.startsWith('commander.')) return e.exitCode ?? 1;
    process.stderr.write(`impala-autoscaler: ${e.message ?? String(err)}\n`);
    return 1;
  }
}

// Through npx the script is a symlink (node_modules/.bin/impala-autoscaler), so test the resolved entry module.
if (
  require.main === module ||
  require.main?.filename.endsWith('impala-autoscaler.js') ||
  process.argv[1]?.endsWith('impala-autoscaler.js')
) {
  void main(process.argv).then((code) => process.exit(code));
}
