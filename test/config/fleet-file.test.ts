// The warehouses file's fleet: section (src/config/fleet.ts): which warehouses share the limit, their priorities, and
// every mistake rejected with the file, the line and the field, the file as a whole (nothing is started from it).
import path from 'node:path';
import { ConfigError, loadWarehousesAndFleet, parseWarehousesFile } from '../../src/config/warehouses-file';

const REPO = path.resolve(__dirname, '../..');

const file = (fleet: string, extra = '') => `${fleet}
warehouses:
  - name: sales
    namespace: impala-sales
    executorsPerGroup: 2
    nodes: { min: 4, max: 8 }
    priority: 10
  - name: etl
    namespace: impala-etl
    executorsPerGroup: 2
    nodes: { min: 2, max: 8 }
${extra}`;

const problems = (text: string): string[] => {
  try {
    parseWarehousesFile(text, 'fleet.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('the file was accepted');
};

describe('the fleet section', () => {
  test('every warehouse of the file joins the fleet, with its priority (0 unless given)', () => {
    const { warehouses, fleet } = parseWarehousesFile(file('fleet: { name: main, maxExecutors: 12 }'), 'fleet.yaml');
    expect(fleet).toEqual({ name: 'main', maxExecutors: 12, priorities: { sales: 10, etl: 0 } });
    expect(warehouses.map((w) => [w.name, w.fleet])).toEqual([
      ['sales', 'main'],
      ['etl', 'main'],
    ]);
  });

  test('fleet.namespaces keeps the others out; a file without a fleet sets none', () => {
    const { warehouses, fleet } = parseWarehousesFile(
      file('fleet: { maxExecutors: 4, namespaces: [impala-sales] }'),
      'fleet.yaml',
    );
    expect(fleet).toEqual({ name: 'default', maxExecutors: 4, priorities: { sales: 10 } });
    expect(warehouses.map((w) => w.fleet)).toEqual(['default', undefined]);
    const none = parseWarehousesFile(file('').replace('    priority: 10\n', ''), 'fleet.yaml');
    expect(none.fleet).toBeUndefined();
    expect(none.warehouses.every((w) => !('fleet' in w))).toBe(true);
  });

  test('a limit below the sum of the minimums is rejected, naming the field, the line and each minimum', () => {
    expect(problems(file('fleet:\n  name: main\n  maxExecutors: 5'))).toEqual([
      "fleet.yaml:1: fleet: fleet.maxExecutors 5 is below the sum of its warehouses' minimums, 6 (sales nodes.min 4, etl nodes.min 2): raise fleet.maxExecutors or lower a nodes.min",
    ]);
    // Only the members count.
    expect(() =>
      parseWarehousesFile(file('fleet: { maxExecutors: 4, namespaces: [impala-sales] }'), 'f'),
    ).not.toThrow();
  });

  test('other mistakes name their field', () => {
    expect(problems(file('fleet: { maxExecutors: 0 }'))).toEqual([
      expect.stringContaining('fleet.yaml:1: fleet: fleet.maxExecutors must be ≥ 1'),
    ]);
    expect(problems(file('fleet: { maxExecutors: 8, limit: 3 }'))).toEqual([
      expect.stringContaining('unknown field fleet.limit'),
    ]);
    expect(problems(file('fleet: { maxExecutors: "80" }'))).toEqual([
      expect.stringContaining('fleet.maxExecutors must be a number of executors'),
    ]);
    expect(problems(file(''))).toEqual([
      'fleet.yaml:3: warehouse "sales" (#1): priority is set but the file has no fleet: section (priority orders a fleet\'s warehouses)',
    ]);
    expect(problems(file('fleet: { maxExecutors: 80, namespaces: [impala-etl] }'))).toEqual([
      'fleet.yaml:3: warehouse "sales" (#1): priority is set but the warehouse is not in fleet "default" (its namespace impala-sales is not in fleet.namespaces)',
    ]);
    expect(problems(file('fleet: { maxExecutors: 80 }').replace('priority: 10', 'priority: high'))).toEqual([
      expect.stringMatching(/^fleet\.yaml:3: warehouse "sales" \(#1\): priority must be a number .*\(got "high"\)$/),
    ]);
    expect(problems(file('fleet: { maxExecutors: 80 }').replace('priority: 10', 'fleet: other'))).toEqual([
      expect.stringContaining("fleet: set by the file's fleet: section, not per warehouse"),
    ]);
  });

  test('the example file has a fleet', () => {
    const { fleet, warehouses } = loadWarehousesAndFleet(path.join(REPO, 'examples/warehouses.yaml'));
    expect(fleet?.maxExecutors).toBeGreaterThanOrEqual(warehouses.reduce((a, w) => a + w.nodes.min, 0));
    expect(warehouses.every((w) => w.fleet === fleet?.name)).toBe(true);
  });
});
