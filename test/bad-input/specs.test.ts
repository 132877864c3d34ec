// Bad input, part 1: every invalid warehouse spec and resize of the table is rejected by the one validator with a
// message that names the field (and the value where there is one). The same rules are then exercised where input
// enters the system: the workflow's update (resize.test.ts) and the command line (cli.test.ts).
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { applyResize, parseWarehouseSpec, SpecError } from '../../src/config/warehouse-spec';
import { parseWarehousesText } from '../../src/config/warehouses-file';
import { RESIZE_CASES, SET_RESIZE_CASES, SPEC_CASES, TWO_SETS, VALID } from './cases';

function rejection(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof SpecError || (err as Error).name === 'ConfigError') return (err as Error).message;
    throw err;
  }
  throw new Error('accepted, but it should have been rejected');
}

test('the valid base specs are accepted (every case below changes one thing of one)', () => {
  expect(parseWarehouseSpec(VALID).name).toBe('sales');
  expect(parseWarehouseSpec(TWO_SETS).groupSets?.map((s) => s.groupSet)).toEqual(['root.small', 'root.large']);
});

describe.each(SPEC_CASES.map((c) => [c.what, c] as const))('spec: %s', (_what, c) => {
  test('rejected by parseWarehouseSpec, naming the field', () => {
    const message = rejection(() => parseWarehouseSpec(c.input));
    for (const n of c.names) expect(message).toContain(n);
    if (c.secret) expect(message).not.toContain(c.secret);
  });

  test('rejected in a warehouses file (YAML), naming the file, the warehouse and the field', () => {
    if (c.input === null || Array.isArray(c.input)) return; // not a warehouse entry: the file-level cases are in cli.test.ts
    const text = toYaml({ warehouses: [c.input] });
    // What YAML cannot carry (undefined fields) is dropped the same way a user's file would not have them.
    const message = rejection(() => parseWarehousesText(text, 'warehouses.yaml'));
    expect(message).toContain('warehouses.yaml');
    expect(message).toContain('#1');
    // YAML prints strings without JSON quotes only in the file, the message quotes them the same way.
    for (const n of c.names) expect(message).toContain(n);
    expect(parseYaml(text)).toBeTruthy();
  });
});

describe.each(RESIZE_CASES.map((c) => [c.what, c] as const))('resize: %s', (_what, c) => {
  test('rejected by applyResize, naming the field; the running spec is not modified', () => {
    const spec = parseWarehouseSpec(VALID);
    const before = JSON.stringify(spec);
    const message = rejection(() => applyResize(spec, c.resize));
    for (const n of c.names) expect(message).toContain(n);
    expect(JSON.stringify(spec)).toBe(before);
  });
});

describe.each(SET_RESIZE_CASES.map((c) => [c.what, c] as const))('resize of a two-set warehouse: %s', (_what, c) => {
  test('rejected by applyResize, naming the set and the field; the running spec is not modified', () => {
    const spec = parseWarehouseSpec(TWO_SETS);
    const before = JSON.stringify(spec);
    const message = rejection(() => applyResize(spec, c.resize));
    for (const n of c.names) expect(message).toContain(n);
    expect(JSON.stringify(spec)).toBe(before);
  });
});

test('a resize of one group set changes that set only', () => {
  const spec = parseWarehouseSpec(TWO_SETS);
  const next = applyResize(spec, { groupSets: [{ groupSet: 'root.large', nodes: { max: 20 }, mode: 'aggressive' }] });
  expect(next.groupSets).toEqual([
    { ...spec.groupSets![0] },
    { ...spec.groupSets![1], nodes: { min: 0, max: 20 }, mode: 'aggressive' },
  ]);
  expect(next.nodes).toEqual({ min: 0, max: 28 });
  expect(next.mode).toBe(spec.mode);
});

test('a resize naming the one set of a one-set warehouse changes it', () => {
  const next = applyResize(parseWarehouseSpec(VALID), { groupSets: [{ groupSet: 'root.default', nodes: { max: 8 } }] });
  expect(next.nodes).toEqual({ min: 2, max: 8 });
  expect(next.groupSets).toBeUndefined();
});

test('a file with one bad warehouse among good ones is rejected as a whole, every problem listed', () => {
  const text = toYaml({
    warehouses: [VALID, { ...VALID, name: 'etl', nodes: { min: 8, max: 4 } }, { ...VALID, name: '../x' }],
  });
  const message = rejection(() => parseWarehousesText(text, 'w.yaml'));
  expect(message).toContain('2 problems');
  expect(message).toContain('nodes.max must be ≥ nodes.min (got 4 < 8)');
  expect(message).toContain('name must be lower-case letters');
});
