// Operator controls: `warehouse resize NAME …` (the validated `resize` update: a rejected change prints the
// workflow's reason and writes nothing), `warehouse suspend|resume|pause|unpause NAME` and `warehouse freeze NAME
// --scale-in|--scale-out`, `warehouse unfreeze NAME` (signals, acted on at once).
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Resize, SetResize } from '../../../config/warehouse-spec';
import { MODES } from '../../../config/warehouse-spec';
import {
  freezeScaleInSignal,
  freezeScaleOutSignal,
  pauseSignal,
  resizeUpdate,
  resumeSignal,
  suspendSignal,
  unfreezeSignal,
  unpauseSignal,
} from '../../../workflows/messages';
import {
  answeredByWorker,
  type CommonFlags,
  findRunningWarehouse,
  printJson,
  withClient,
  withClientOptions,
} from './common';
import { describeSpec } from './read';

interface ResizeFlags extends CommonFlags {
  groupSet?: string;
  minNodes?: number;
  maxNodes?: number;
  mode?: Resize['mode'];
  scaleUpDelay?: number;
  scaleDownDelay?: number;
  autoSuspend?: boolean;
  autoSuspendTimeout?: number;
  dryRun?: boolean;
}

// Only "is it a number" here: the range and multiple-of-group-size rules are the workflow's (one validator).
const number =
  (flag: string) =>
  (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${flag} must be a number (got "${v}")`);
    return n;
  };

/** The resize the flags ask for; with --group-set, the set's fields (bounds, mode, delays) go to that set. */
export function resizeFrom(f: ResizeFlags): Resize {
  const r: Resize = {};
  const set: Omit<SetResize, 'groupSet'> = {};
  if (f.minNodes !== undefined || f.maxNodes !== undefined)
    set.nodes = {
      ...(f.minNodes !== undefined && { min: f.minNodes }),
      ...(f.maxNodes !== undefined && { max: f.maxNodes }),
    };
  if (f.mode !== undefined) set.mode = f.mode;
  if (f.scaleUpDelay !== undefined) set.scaleUpDelaySeconds = f.scaleUpDelay;
  if (f.scaleDownDelay !== undefined) set.scaleDownDelaySeconds = f.scaleDownDelay;
  if (f.groupSet !== undefined) r.groupSets = [{ groupSet: f.groupSet, ...set }];
  else Object.assign(r, set);
  if (f.autoSuspend !== undefined || f.autoSuspendTimeout !== undefined) {
    r.autoSuspend = {
      ...(f.autoSuspend !== undefined && { enabled: f.autoSuspend }),
      ...(f.autoSuspendTimeout !== undefined && { timeoutSeconds: f.autoSuspendTimeout }),
    };
  }
  if (f.dryRun !== undefined) r.dryRun = f.dryRun;
  return r;
}

export function registerControls(warehouse: Command): void {
  withClientOptions(
    warehouse
      .command('resize')
      .description(
        'change a running warehouse: node bounds, mode, delays, auto-suspend, dry run (validated; a rejected change writes nothing)',
      )
      .argument('<name>', 'warehouse name')
      .option(
        '--group-set <set>',
        "change this group set's nodes, mode and delays (a warehouse with groupSets: required for --min-nodes and --max-nodes)",
      )
      .option('--min-nodes <n>', 'nodes.min (a multiple of the group size)', number('--min-nodes'))
      .option('--max-nodes <n>', 'nodes.max (a multiple of the group size, ≥ min)', number('--max-nodes'))
      .addOption(new Option('--mode <mode>', 'scaling mode').choices(MODES))
      .option('--scale-up-delay <seconds>', "scaleUpDelaySeconds (overrides the mode's)", number('--scale-up-delay'))
      .option(
        '--scale-down-delay <seconds>',
        "scaleDownDelaySeconds (overrides the mode's)",
        number('--scale-down-delay'),
      )
      .option('--auto-suspend', 'suspend the warehouse when idle')
      .option('--no-auto-suspend', 'never suspend the warehouse')
      .option('--auto-suspend-timeout <seconds>', 'autoSuspend.timeoutSeconds', number('--auto-suspend-timeout'))
      .option('--dry-run', 'decide and record, but change no executor groups')
      .option('--no-dry-run', 'act on decisions again')
      .option('--json', 'print the new spec as one JSON object'),
  ).action(async (name: string, opts: ResizeFlags, cmd: Command) => {
    const resize = resizeFrom(opts);
    const setChanges = resize.groupSets?.some((x) => Object.keys(x).length > 1);
    if (Object.keys(resize).filter((k) => k !== 'groupSets').length === 0 && !setChanges) {
      cmd.error(
        'error: nothing to change: give at least one of --min-nodes, --max-nodes, --mode, --scale-up-delay, --scale-down-delay, --[no-]auto-suspend, --auto-suspend-timeout, --[no-]dry-run',
      );
    }
    const spec = await withClient(opts, async (c) => {
      const { handle, description } = await findRunningWarehouse(c, name);
      try {
        return await answeredByWorker(c, `resize of warehouse ${name}`, description.taskQueue, opts.timeout, () =>
          handle.executeUpdate(resizeUpdate, { args: [resize] }),
        );
      } catch (err) {
        // The validator's message names the field and the value: show it as it is.
        if (err instanceof WorkflowUpdateFailedError)
          throw new Error(
            `resize of warehouse ${name} rejected, nothing changed: ${err.cause?.message ?? err.message}`,
          );
        throw err;
      }
    });
    if (opts.json) return printJson(spec);
    process.stdout.write(`warehouse ${name} resized: ${describeSpec(spec)}${spec.dryRun ? ', dry run' : ''}\n`);
  });

  const signals = [
    {
      sig: suspendSignal,
      verb: 'suspend',
      what: 'remove every executor group now and hold the warehouse at zero until resume',
    },
    { sig: resumeSignal, verb: 'resume', what: 'end an operator suspend: add the minimum groups now' },
    { sig: pauseSignal, verb: 'pause', what: 'hold the current size whatever the load' },
    { sig: unpauseSignal, verb: 'unpause', what: 'let the warehouse scale again' },
  ] as const;
  for (const { sig, verb, what } of signals) {
    withClientOptions(
      warehouse
        .command(verb)
        .description(`signal a warehouse to ${verb}: ${what} (takes effect at once)`)
        .argument('<name>', 'warehouse name')
        .option('--json', 'print the result as one JSON object'),
    ).action(async (name: string, opts: CommonFlags) => sendSignals(name, opts, [{ sig, verb }]));
  }

  registerFreezes(warehouse);
}

/** Sends `signals` to the running warehouse `name`, in order; prints what was sent. */
async function sendSignals(
  name: string,
  opts: CommonFlags,
  signals: { sig: SignalDefinition; verb: string }[],
): Promise<void> {
  const workflowId = await withClient(opts, async (c) => {
    const { handle } = await findRunningWarehouse(c, name);
    for (const { sig } of signals) await handle.signal(sig);
    return handle.workflowId;
  });
  const sent = signals.map((s) => s.verb).join(', ');
  if (opts.json) return printJson({ warehouse: name, workflowId, signal: sent, sent: true });
  process.stdout.write(
    `${sent} sent to warehouse ${name} (workflow ${workflowId}); \`impala-autoscaler warehouse history ${name}\` shows its effect\n`,
  );
}

function registerFreezes(warehouse: Command): void {
  withClientOptions(
    warehouse
      .command('freeze')
      .description(
        'signal a warehouse to hold one direction of scaling (takes effect at once): --scale-in keeps every group scale-down and auto-suspend would remove, --scale-out adds none for a queue, a resume or pre-warming; `pause` holds both',
      )
      .argument('<name>', 'warehouse name')
      .option('--scale-in', 'remove no executor group until unfreeze')
      .option('--scale-out', 'add no executor group until unfreeze')
      .option('--json', 'print the result as one JSON object'),
  ).action(async (name: string, opts: CommonFlags & { scaleIn?: boolean; scaleOut?: boolean }, cmd: Command) => {
    if (!opts.scaleIn && !opts.scaleOut)
      cmd.error(
        `error: say what to freeze: give --scale-in, --scale-out or both (e.g. warehouse freeze ${name} --scale-in)`,
      );
    await sendSignals(name, opts, [
      ...(opts.scaleIn ? [{ sig: freezeScaleInSignal, verb: 'freezeScaleIn' }] : []),
      ...(opts.scaleOut ? [{ sig: freezeScaleOutSignal, verb: 'freezeScaleOut' }] : []),
    ]);
  });
  withClientOptions(
    warehouse
      .command('unfreeze')
      .description('signal a warehouse to lift its freezes: scaling in both directions resumes (takes effect at once)')
      .argument('<name>', 'warehouse name')
      .option('--json', 'print the result as one JSON object'),
  ).action(async (name: string, opts: CommonFlags) =>
    sendSignals(name, opts, [{ sig: unfreezeSignal, verb: 'unfreeze' }]),
  );
}
