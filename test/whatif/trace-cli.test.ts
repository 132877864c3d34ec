// Trace CSV parsing (clear errors with line numbers), the warehouse spec file, and `simulate`'s output shapes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSimulate } from '../../src/client/commands/simulate';
import { loadSimSpec } from '../../src/whatif/spec-file';
import { formatTraceCsv, parseTraceCsv } from '../../src/sim/trace';

describe('trace CSV', () => {
  test('header optional, optional columns, comments and blank lines skipped, sorted by arrival', () => {
    const t = parseTraceCsv('arrival_s,duration_s,mem_mb,pool\n# a comment\n5,10\n\n1.5,2,512,root.default\n', 'w.csv');
    expect(t).toEqual([
      { id: 0, arrivalS: 1.5, durationS: 2, memMb: 512, pool: 'root.default' },
      { id: 1, arrivalS: 5, durationS: 10, memMb: 0 },
    ]);
    expect(parseTraceCsv(formatTraceCsv(t))).toEqual(t);
  });

  test.each([
    ['0,1\n2\n', 'w.csv:2: expected arrival_s,duration_s[,mem_mb][,pool] (2 to 4 columns), got 1: 2'],
    ['0,1\n1,2,3,root.default,x\n', 'w.csv:2: expected arrival_s,duration_s[,mem_mb][,pool] (2 to 4 columns), got 5'],
    ['arrival_s,duration_s\n0,1\n3,abc\n', "w.csv:3: duration_s must be a number ≥ 0 (got 'abc')"],
    ['-1,5\n', "w.csv:1: arrival_s must be a number ≥ 0 (got '-1')"],
    ['0,5,lots\n', "w.csv:1: mem_mb must be a number ≥ 0 (got 'lots')"],
    ['0,5,1,bad pool!\n', "w.csv:1: pool must be an Impala pool name such as root.default (got 'bad pool!')"],
    ['arrival_s,runtime\n0,1\n', 'w.csv:1: header must be arrival_s,duration_s (got arrival_s,runtime)'],
    ['# only a comment\n', 'w.csv: no queries'],
  ])('%j → %s', (text, message) => {
    expect(() => parseTraceCsv(text, 'w.csv')).toThrow(message);
  });
});

describe('warehouse spec file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'whatif-'));
  test('name and namespace are filled in, --mode and --poll-seconds override', () => {
    const f = join(dir, 'w.yaml');
    writeFileSync(f, 'size: SMALL\nnodes: { min: 0, max: 40 }\nmode: conservative\n');
    const s = loadSimSpec(f, { mode: 'aggressive', pollSeconds: 10 });
    expect(s).toMatchObject({
      name: 'what-if',
      namespace: 'default',
      executorsPerGroup: 10,
      mode: 'aggressive',
      pollIntervalSeconds: 10,
    });
  });
  test('a warehouses: list with one entry is accepted, two are not', () => {
    const f = join(dir, 'list.yaml');
    writeFileSync(
      f,
      'warehouses:\n  - { name: a, size: XSMALL, nodes: { min: 0, max: 4 } }\n  - { name: b, size: XSMALL, nodes: { min: 0, max: 4 } }\n',
    );
    expect(() => loadSimSpec(f)).toThrow(`${f}: holds 2 warehouses; simulate takes one`);
  });
  test('errors name the file and the field', () => {
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, 'size: SMALL\nnodes: { min: 0, max: 45 }\n');
    expect(() => loadSimSpec(f)).toThrow(`${f}: nodes.max must be a multiple of the group size 10 (got 45)`);
    writeFileSync(f, '- a list\n');
    expect(() => loadSimSpec(f)).toThrow(`${f}: expected one warehouse as a mapping`);
  });
});

describe('simulate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'whatif-cli-'));
  const csv = join(dir, 't.csv');
  writeFileSync(csv, 'arrival_s,duration_s\n0,10\n1,10\n2,10\n');
  const spec = join(dir, 'w.yaml');
  writeFileSync(spec, 'executorsPerGroup: 1\nqueriesPerGroup: 1\nnodes: { min: 0, max: 1 }\n');

  test('--json prints one object with the documented keys, in seconds', () => {
    let out = '';
    runSimulate(
      { trace: csv, spec, startupSeconds: 60, policy: 'static-max', json: true },
      (s) => (out += s),
      () => undefined,
    );
    const j = JSON.parse(out);
    expect(j).toMatchObject({
      policy: 'static-max',
      queries: 3,
      wait: { mean: 9, p50: 9, p95: 18, p99: 18, max: 18 },
      groupSeconds: 30,
      scaleActions: 0,
      suspends: 0,
      resumes: 0,
    });
    expect(out.trim().split('\n')).toHaveLength(1);
  });

  test('text output for ours, and a chart file', () => {
    let out = '';
    const chart = join(dir, 'c.svg');
    runSimulate(
      { trace: csv, spec, startupSeconds: 60, policy: 'ours', chart },
      (s) => (out += s),
      () => undefined,
    );
    expect(out).toContain('policy ours (balanced): 3 queries');
    // One group, created at 0 (resume), ready 60: the queue runs 60–90; waits 60, 69, 78.
    expect(out).toContain('queue wait: mean 69.0 s, p50 69.0 s, p95 78.0 s, p99 78.0 s, max 78.0 s');
    expect(out).toContain('executor-group-seconds: 90 ');
    expect(out).toContain('scale actions: 1, suspends: 0, resumes: 1');
    expect(require('node:fs').readFileSync(chart, 'utf8')).toMatch(/^<svg[^>]+>[\s\S]*<polyline[\s\S]*<\/svg>\n$/);
  });
});
