// Latency of one ImpalaLoadReader.read (three pages, one coordinator or two) against the coordinator simulator over
// real HTTP on 127.0.0.1, with a loaded cluster (many groups, queued and running queries), as one workflow tick pays it.
//   npm run bench:reader [-- --reads 500 --groups 10]
import { ImpalaLoadReader } from '../src/activities/impala/load-reader';
import type { WarehouseSpec } from '../src/policy/types';
import { startCoordinator } from '../src/sim/coordinator';
import { fixedMembership } from '../src/sim/in-process-membership';
import { percentile } from '../src/util/stats';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function run(label: string, reader: ImpalaLoadReader, spec: WarehouseSpec, reads: number): Promise<void> {
  for (let i = 0; i < 20; i++) await reader.read(spec); // warm-up: JIT, connection set-up
  const ms: number[] = [];
  for (let i = 0; i < reads; i++) {
    const t = performance.now();
    const r = await reader.read(spec);
    ms.push(performance.now() - t);
    if (!r.ok) throw new Error(r.reason);
  }
  ms.sort((a, b) => a - b);
  process.stdout.write(
    `${label.padEnd(34)} reads ${reads}  median ${percentile(ms, 50).toFixed(2)} ms  p99 ${percentile(ms, 99).toFixed(2)} ms  max ${ms[ms.length - 1].toFixed(2)} ms\n`,
  );
}

async function main(): Promise<void> {
  const reads = arg('--reads', 500);
  const groups = arg('--groups', 10);
  const a = await startCoordinator({ port: 0, membership: fixedMembership(groups, 10), executorsPerGroup: 10 });
  const b = await startCoordinator({ port: 0, cluster: a.cluster });
  // Every slot busy and a queue of 50: the pages are as large as a busy warehouse's.
  for (let i = 0; i < groups * 12 + 50; i++)
    a.cluster.submit({ durationMs: 3_600_000, memMb: 512, coordinator: i % 2 ? a.name : b.name });
  const spec = (urls: string[]) =>
    ({ coordinators: urls.map((url) => ({ url })), groupSet: 'root.default', executorsPerGroup: 10 }) as WarehouseSpec;
  const reader = new ImpalaLoadReader({ timeoutMs: 5000 });
  process.stdout.write(
    `simulator: ${groups} groups × 10 executors, ${groups * 12} running, 50 queued; node ${process.version}\n`,
  );
  await run('one coordinator', reader, spec([a.url]), reads);
  await run('two coordinators', reader, spec([a.url, b.url]), reads);
  await b.close();
  await a.close();
}

main().catch((err: Error) => {
  process.stderr.write(`bench: ${err.message}\n`);
  process.exit(1);
});
