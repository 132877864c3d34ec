// `warehouse refresh-template NAME`: the running warehouse captures its executor template again (a new Impala image,
// new resources), so that the groups it creates from now on use it; `warehouse apply` asks the same of every running
// warehouse it applies. Groups that exist keep what they run: `warehouse status` names those on an older revision.
import type { Command } from 'commander';
import { refreshTemplateUpdate, type TemplateRefresh, type WarehouseStatus } from '../../../workflows/messages';
import type { ConnectedClient } from '../../connection';
import {
  answeredByWorker,
  type CommonFlags,
  type FoundWarehouse,
  findRunningWarehouse,
  printJson,
  withClient,
  withClientOptions,
} from './common';

export function refreshTemplate(
  c: ConnectedClient,
  found: FoundWarehouse,
  timeoutSeconds: number,
): Promise<TemplateRefresh> {
  const name = found.handle.workflowId;
  return answeredByWorker(c, `template refresh of ${name}`, found.description.taskQueue, timeoutSeconds, () =>
    found.handle.executeUpdate(refreshTemplateUpdate),
  );
}

/** Groups not on the warehouse's current template revision (created before a refresh, or edited since), as last listed. */
export function groupsOnOlderTemplates(s: WarehouseStatus): { name: string; templateRevision: string }[] {
  const current = s.template?.revision;
  const groups = s.lastObservation?.groups ?? [];
  if (!current) return [];
  return groups.flatMap((g) =>
    g.templateRevision && g.templateRevision !== current && !g.deleting
      ? [{ name: g.name, templateRevision: g.templateRevision }]
      : [],
  );
}

export function registerTemplate(warehouse: Command): void {
  withClientOptions(
    warehouse
      .command('refresh-template')
      .description(
        'capture the executor template again (after changing its image or resources): new groups use it, existing groups keep theirs',
      )
      .argument('<name>', 'warehouse name')
      .option('--json', 'print the result as one JSON object'),
  ).action(async (name: string, opts: CommonFlags) => {
    const refresh = await withClient(opts, async (c) =>
      refreshTemplate(c, await findRunningWarehouse(c, name), opts.timeout),
    );
    // The warehouse keeps the template it had: still a failed refresh for a script.
    if (refresh.error) process.exitCode = 1;
    if (opts.json) return printJson(refresh);
    process.stdout.write(`warehouse ${name}: ${refresh.line}\n`);
  });
}
