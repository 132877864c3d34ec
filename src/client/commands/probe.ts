// `impala-autoscaler probe`: read a live warehouse's coordinators once and print what the autoscaler would see, so a
// platform engineer can check URL, credentials and CA before starting a warehouse. Exit 2 when the load is unknown.
import { Command } from 'commander';
import { positiveInt } from '../arguments';
import { formatBytes } from '../../activities/impala/pretty-bytes';
import { DEFAULT_TIMEOUT_MS, ImpalaLoadReader, type DetailedResult } from '../../activities/impala/load-reader';
import { causeInWords } from '../../policy/queue-cause';
import type { CoordinatorSpec, ImpalaPoolLimits, QueueCause } from '../../policy/types';

interface ProbeOptions {
  coordinator: string[];
  admissionService?: string;
  groupSet: string;
  user?: string;
  passwordFile?: string;
  passwordEnv?: string;
  caFile?: string;
  timeoutMs: number;
  executorsPerGroup?: number;
  json?: boolean;
}

export interface ProbeJson {
  groupSet: string;
  queued: number;
  running: number;
  memReservedBytes: number;
  queuedMemBytes: number;
  healthyGroups: number;
  /** Why the queue waits (src/policy/queue-cause.ts); present while queries are queued and a head reason is read. */
  queueCause?: QueueCause;
  /** Each coordinator's head_queued_reason, in Impala's words. */
  headQueuedReasons: string[];
  /** The pool's limits as Impala reports them (-1 unlimited; a queue timeout of 0 none); absent before its first query. */
  poolLimits?: ImpalaPoolLimits;
  /** total_timed_out and total_rejected, summed over the coordinators. */
  timedOut: number;
  rejected: number;
  groups: { name: string; executors: number; healthy: boolean; quiescing: boolean; runningQueries: number }[];
  coordinators: { url: string; ok: boolean; error?: string }[];
}

export function registerProbe(program: Command): void {
  program
    .command('probe')
    .description(
      "read a warehouse's Impala coordinators once and print the load the autoscaler sees (exit 2 when unknown)",
    )
    .option(
      '--coordinator <url>',
      'coordinator web server URL, e.g. http://coordinator-0:25000 (repeat for a backup coordinator)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option(
      '--admission-service <url>',
      "Impala's admission service (admissiond) web server, e.g. http://impala-admissiond:25030: read in place of the coordinators",
    )
    .option('--group-set <prefix>', 'Impala pool / executor group set prefix', 'root.default')
    .option('--user <user>', 'basic-auth user of the coordinators')
    .option('--password-file <file>', 'file holding the basic-auth password')
    .option('--password-env <var>', 'environment variable holding the basic-auth password')
    .option('--ca-file <file>', 'CA certificate(s) to trust for https coordinators')
    .option('--timeout-ms <n>', 'timeout of each request', positiveInt('--timeout-ms'), DEFAULT_TIMEOUT_MS)
    .option(
      '--executors-per-group <n>',
      'configured group size (otherwise a group is healthy when every registered executor is active)',
      positiveInt('--executors-per-group'),
    )
    .option('--json', 'print exactly one JSON object on stdout')
    .action(async (opts: ProbeOptions, cmd: Command) => {
      if (opts.coordinator.length === 0 && opts.admissionService === undefined)
        cmd.error(
          'error: give at least one --coordinator URL (e.g. --coordinator http://coordinator-0:25000), or --admission-service',
        );
      if (opts.user === undefined && (opts.passwordFile !== undefined || opts.passwordEnv !== undefined)) {
        cmd.error('error: --password-file / --password-env need --user');
      }
      if (opts.passwordFile !== undefined && opts.passwordEnv !== undefined)
        cmd.error('error: give --password-file or --password-env, not both');
      const endpoint = (url: string): CoordinatorSpec => ({
        url,
        user: opts.user,
        passwordFile: opts.passwordFile,
        passwordEnv: opts.passwordEnv,
        caFile: opts.caFile,
      });
      const result = await new ImpalaLoadReader({ timeoutMs: opts.timeoutMs }).readDetailed({
        coordinators: opts.coordinator.map(endpoint),
        ...(opts.admissionService !== undefined ? { admissionService: endpoint(opts.admissionService) } : {}),
        groupSet: opts.groupSet,
        executorsPerGroup: opts.executorsPerGroup,
      });
      if (!result.ok) {
        process.stderr.write(`impala-autoscaler probe: ${result.reason}\n`);
        process.exitCode = 2;
        return;
      }
      for (const w of result.view.load.warnings) process.stderr.write(`warning: ${w}\n`);
      const json = probeJson(opts.groupSet, result);
      process.stdout.write(opts.json ? `${JSON.stringify(json)}\n` : humanTable(json, result));
    });
}

export function probeJson(groupSet: string, result: Extract<DetailedResult, { ok: true }>): ProbeJson {
  const { load, groups } = result.view;
  return {
    groupSet,
    queued: load.queued,
    running: load.running,
    memReservedBytes: load.memReservedBytes,
    queuedMemBytes: result.view.queuedQueryMemBytes.reduce((a, b) => a + b, 0),
    healthyGroups: load.healthyGroups,
    ...(load.queueCause ? { queueCause: load.queueCause } : {}),
    headQueuedReasons: result.view.pool?.headQueuedReasons ?? [],
    ...(load.poolLimits ? { poolLimits: load.poolLimits } : {}),
    timedOut: load.impalaTotals?.timedOut ?? 0,
    rejected: load.impalaTotals?.rejected ?? 0,
    groups: groups.map((g) => ({
      name: g.name,
      executors: g.executors,
      healthy: g.healthy,
      quiescing: g.quiescing,
      runningQueries: g.runningQueries,
    })),
    coordinators: result.coordinators.map((c) =>
      c.ok ? { url: c.url, ok: true } : { url: c.url, ok: false, error: c.error },
    ),
  };
}

function humanTable(p: ProbeJson, result: Extract<DetailedResult, { ok: true }>): string {
  const pool = result.view.pool;
  const lines = [
    pool
      ? `Group set ${p.groupSet} (cluster-wide values from ${pool.aggFrom}, ${pool.stalenessMs} ms old)`
      : `Group set ${p.groupSet}: no coordinator has seen a query for this pool yet (zero load)`,
    `Queued ${p.queued}, running ${p.running}, memory reserved ${formatBytes(p.memReservedBytes)}, queued queries need ${formatBytes(p.queuedMemBytes)} per executor`,
    `Healthy executor groups: ${p.healthyGroups}`,
    '',
    ...table(
      ['GROUP', 'EXECUTORS', 'HEALTHY', 'QUIESCING', 'RUNNING'],
      p.groups.map((g) => [
        g.name,
        String(g.executors),
        g.healthy ? 'yes' : 'no',
        g.quiescing ? 'yes' : 'no',
        String(g.runningQueries),
      ]),
    ),
    '',
    ...table(
      ['COORDINATOR', 'STATUS'],
      p.coordinators.map((c) => [c.url, c.ok ? 'ok' : `down: ${c.error}`]),
    ),
  ];
  for (const reason of pool?.headQueuedReasons ?? []) lines.push('', `Head of queue: ${reason}`);
  if (p.queueCause) lines.push(`Queue cause: ${p.queueCause} (${causeInWords(p.queueCause)})`);
  if (p.timedOut || p.rejected)
    lines.push(
      `Impala timed out ${p.timedOut} and rejected ${p.rejected} queries in this pool (since each coordinator started)`,
    );
  const timeout = p.poolLimits?.queueTimeoutMs ?? 0;
  if (timeout > 0)
    lines.push(
      `Queue timeout ${timeout / 1000}s: a query queued longer is timed out (raise it above the executor groups' start-up time)`,
    );
  return `${lines.join('\n')}\n`;
}

function table(header: string[], rows: string[][]): string[] {
  if (rows.length === 0) rows = [header.map((_, i) => (i === 0 ? '(none)' : ''))];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
}
