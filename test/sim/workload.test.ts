import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startCoordinator, type CoordinatorServer } from '../../src/sim/coordinator';
import { fixedMembership } from '../../src/sim/in-process-membership';
import { parseTraceCsv } from '../../src/sim/trace';
import { replayTrace, summarize } from '../../src/sim/workload';

const TRACES = path.join(__dirname, '..', '..', 'traces');
const trace = (name: string) => parseTraceCsv(readFileSync(path.join(TRACES, name), 'utf8'), name);

// The parser itself is tested with the what-if simulator (test/whatif/trace-cli.test.ts).
describe('shipped traces', () => {
  test('the shipped traces parse and are what their README says', () => {
    expect(trace('seed-burst.csv')).toHaveLength(4);
    expect(trace('steady-trickle.csv')).toHaveLength(40);
    expect(trace('burst-3-groups.csv')).toHaveLength(30);
  });
});

describe('replaying against the simulator', () => {
  let sim: CoordinatorServer | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  test('the seed burst on one group: 1 runs, 3 queue, admitted 0 / 300 / 600 / 900 trace seconds after the first', async () => {
    sim = await startCoordinator({ port: 0, membership: fixedMembership(1, 2), executorMemoryMb: 16384 });
    // 200× faster: each 300 s query runs 1.5 s. The four are sent one after another, some real ms apart (more on a
    // busy machine), so each waits for the previous ones' end less the time it was sent after the first.
    const outcomes = await replayTrace(trace('seed-burst.csv'), {
      url: sim.url,
      timeScale: 200,
      pollMs: 50,
      timeoutMs: 30_000,
    });
    const fromFirst = outcomes.map((o) => o.queueWaitS + o.submittedS).sort((a, b) => a - b);
    [0, 300, 600, 900].forEach((expected, i) => expect(Math.abs(fromFirst[i] - expected)).toBeLessThan(1));
    expect(outcomes.filter((o) => o.queueWaitS > 0)).toHaveLength(3);
    expect(summarize(outcomes)).toMatchObject({ queries: 4, finished: 4, killed: 0, rejected: 0, unfinished: 0 });
  });

  test('the 3-group burst fills three groups without queueing', async () => {
    sim = await startCoordinator({ port: 0, membership: fixedMembership(3, 2) });
    // 10× faster: arrivals over 0.2 s real, each query runs 24 s; read the states after 2 s rather than wait them out.
    const outcomes = await replayTrace(trace('burst-3-groups.csv'), {
      url: sim.url,
      timeScale: 10,
      pollMs: 50,
      timeoutMs: 2000,
    });
    expect(outcomes.every((o) => o.state === 'running' && o.queueWaitS === 0)).toBe(true);
    const perGroup = sim.cluster.model.groups().map((g) => g.running);
    expect(perGroup).toEqual([12, 12, 6]);
    expect(summarize(outcomes)).toMatchObject({ queries: 30, unfinished: 30 });
  });
});
