// The what-if simulator under Impala's pool settings, hand-computed: a queue timeout rejects the query a resume from
// zero cannot reach in time, every policy and the oracle share the limits, and `simulate` takes them as flags.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSimulate } from '../../src/client/commands/simulate';
import { simulate } from '../../src/whatif/engine';
import { runPolicy } from '../../src/whatif/policies';
import { StaticMaxPolicy } from '../../src/whatif/policies/baselines';
import { OursPolicy } from '../../src/whatif/policies/ours';
import { initialState } from '../../src/policy/decide';
import { formatTraceCsv } from '../../src/sim/trace';
import { simSpec, trace } from './support';

const NONE = { maxRequests: -1, maxMemBytes: -1, maxQueued: -1 };

describe('queue timeout in the what-if simulator', () => {
  test('a resume from zero (60 s start-up) is too slow for a 60 s timeout, in time for a 300 s one', () => {
    // One query at t=10 to a suspended warehouse: the tick at 20 resumes, the group is ready at 80; the query
    // waited 70 s by then.
    const t = trace([[10, 30]]);
    const spec = simSpec({ maxGroups: 2, mode: 'aggressive' });
    const short = simulate(t, spec, new OursPolicy(spec), {
      startupSeconds: 60,
      poolLimits: { ...NONE, queueTimeoutMs: 60_000 },
    });
    expect(short).toMatchObject({ rejected: 1, timedOut: 1, admitted: 0 });
    const long = simulate(t, spec, new OursPolicy(spec), {
      startupSeconds: 60,
      poolLimits: { ...NONE, queueTimeoutMs: 300_000 },
    });
    expect(long).toMatchObject({ rejected: 0, timedOut: 0, admitted: 1 });
    expect(long.wait.max).toBe(70);
  });

  test("aggressive's learnt suspend gives way to a queue timeout shorter than a start-up and a poll (release 5)", () => {
    // A 30 s query every 200 s: each gap is longer than the 60 s break-even, so aggressive suspends after it (and then
    // at once); each query then comes to a suspended warehouse and waits 60–80 s for a resume, past the 60 s timeout.
    // With the release-5 rules the timeout (start-up 60 s + poll 20 s > 60 s) keeps the 300 s auto-suspend, and the
    // one group serves every query.
    const t = trace(Array.from({ length: 12 }, (_, i): [number, number] => [10 + 200 * i, 30]));
    const spec = simSpec({ maxGroups: 2, mode: 'aggressive' });
    const options = { startupSeconds: 60, poolLimits: { ...NONE, queueTimeoutMs: 60_000 } };
    const release4 = simulate(t, spec, new OursPolicy(spec, { ...initialState(), rules: 'release-4' }), options);
    const release5 = simulate(t, spec, new OursPolicy(spec), options);
    // Release 4: every query is lost to a resume.
    expect(release4).toMatchObject({ rejected: 12, suspends: 11 });
    // Release 5: only the first query, which finds the warehouse suspended before any group was ever seen.
    expect(release5).toMatchObject({ rejected: 1, suspends: 0 });
  });

  test('max_requests holds static-max to the limit: a second query waits for the first, though a group is free', () => {
    const r = simulate(
      trace([
        [0, 10],
        [0, 10],
      ]),
      simSpec({ maxGroups: 2 }),
      new StaticMaxPolicy(),
      { startupSeconds: 60, poolLimits: { ...NONE, maxRequests: 1 } },
    );
    expect(r.wait).toMatchObject({ max: 10 });
  });

  test('ours behind max_requests: no group beyond what the limit can use, and no more than the oracle plus a quarter', () => {
    // 40 queries of 60 s at once; 12 slots a group; max_requests 12: one group ever runs them, 4 waves of 60 s.
    const rows: [number, number][] = Array.from({ length: 40 }, () => [0, 60]);
    const spec = simSpec({ maxGroups: 6, slots: 12, mode: 'aggressive' });
    const options = { startupSeconds: 60, poolLimits: { ...NONE, maxRequests: 12 } };
    const ours = runPolicy('ours', trace(rows), spec, options);
    const oracle = runPolicy('oracle', trace(rows), spec, options);
    expect(ours.peakGroups).toBe(1);
    expect(ours.groupSeconds).toBeLessThanOrEqual(oracle.groupSeconds * 1.25 + 60 + 20);
  });
});

describe('simulate --pool-max-requests / --pool-max-mem-mb / --queue-timeout-seconds', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pool-limits-'));
  const file = join(dir, 't.csv');
  writeFileSync(file, formatTraceCsv(trace([[10, 30]])));
  const run = (extra: Partial<Parameters<typeof runSimulate>[0]>) => {
    let out = '';
    const j = runSimulate(
      { trace: file, startupSeconds: 60, policy: 'ours', mode: 'aggressive', json: true, ...extra },
      (s) => (out += s),
      () => undefined,
    );
    expect(JSON.parse(out)).toEqual(j);
    return j;
  };
  test('rejected beside the waits: 1 at a 60 s timeout, 0 at 300 s, 0 with none', () => {
    expect(run({ queueTimeoutSeconds: 60 })).toMatchObject({ rejected: 1, timedOut: 1 });
    expect(run({ queueTimeoutSeconds: 300 })).toMatchObject({ rejected: 0, timedOut: 0 });
    expect(run({})).toMatchObject({ rejected: 0, timedOut: 0 });
  });
  test('the real command line parses the flags', () => {
    const bin = join(__dirname, '..', '..', 'bin', 'impala-autoscaler.js');
    const at = (s: string) =>
      JSON.parse(
        execFileSync(
          process.execPath,
          [bin, 'simulate', '--trace', file, '--mode', 'aggressive', '--queue-timeout-seconds', s, '--json'],
          {
            encoding: 'utf8',
          },
        ),
      ) as { rejected: number };
    expect([at('60'), at('300')].map((j) => j.rejected)).toEqual([1, 0]);
  });

  test('a pool memory limit below one query rejects it (REASON_REQ_OVER_POOL_MEM)', () => {
    writeFileSync(file, formatTraceCsv(trace([[10, 30, 2048]])));
    // The default spec's groups are MEDIUM (20 executors): 2 GiB per executor needs 40 GiB of the pool.
    expect(run({ poolMaxMemMb: 20 * 1024 })).toMatchObject({ rejected: 1, timedOut: 0 });
  });
});
