// `simulate` honours schedules: the what-if engine asks src/config/schedules.ts about the simulated time (0 is
// 1970-01-01 00:00 UTC), as the observe activity asks about the tick's, so a schedule's cost and waits show before it
// is applied. A day of one query every half hour from 09:00 to 16:30, each running 60 s, on groups that take 60 s to
// start.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSimulate } from '../../src/client/commands/simulate';

const dir = mkdtempSync(join(tmpdir(), 'whatif-schedules-'));
const H = 3600;
const office = join(dir, 'office.csv');
writeFileSync(
  office,
  `arrival_s,duration_s\n${Array.from({ length: 16 }, (_, i) => `${9 * H + i * 1800},60`).join('\n')}\n`,
);
const base = 'executorsPerGroup: 1\nqueriesPerGroup: 4\nnodes: { min: 0, max: 4 }\nmode: balanced\n';
const specFile = (name: string, yaml: string) => {
  const f = join(dir, name);
  writeFileSync(f, base + yaml);
  return f;
};
const run = (trace: string, spec: string) =>
  runSimulate(
    { trace, spec, startupSeconds: 60, policy: 'ours', json: true },
    () => undefined,
    () => undefined,
  );

test('a business-hours minimum: no query waits, at the price of a group kept all day', () => {
  const without = run(office, specFile('plain.yaml', ''));
  const withMin = run(
    office,
    specFile(
      'business.yaml',
      "schedules:\n  - { name: business, start: '0 9 * * 1-5', end: '0 17 * * 1-5', timezone: UTC, minGroups: 1 }\n",
    ),
  );
  // Without: every query resumes a suspended warehouse and waits one start-up; each group lives 60 s of start-up,
  // 60 s of query and the 300 s auto-suspend timeout (rounded to ticks).
  expect(without.wait.p50).toBe(60);
  expect(without.resumes).toBe(16);
  expect(without.groupSeconds).toBeLessThan(16 * 500);
  // With: the group starts one assumed start-up (60 s) and a poll (20 s) before 09:00 — 1970-01-01 is a Thursday —
  // and stays until the last query ends at 16:31.
  expect(withMin.wait.max).toBe(0);
  expect(withMin.resumes).toBe(1);
  expect(withMin.groupSeconds).toBe(16 * H + 31 * 60 - (9 * H - 80));
});

test('a suspend window holds a query that arrives in it until the window closes', () => {
  const night = join(dir, 'night.csv');
  writeFileSync(night, `arrival_s,duration_s\n${4 * H},60\n`);
  const held = run(
    night,
    specFile(
      'night.yaml',
      "schedules:\n  - { name: night, start: '0 3 * * *', end: '0 5 * * *', timezone: UTC, suspend: true }\n",
    ),
  );
  // Resumed at 05:00, ready a start-up later.
  expect(held.wait.max).toBe(H + 60);
  expect(run(night, specFile('open.yaml', '')).wait.max).toBe(60);
});
