// Warehouse spec validation (docs/design.md, "Warehouse spec"): YAML and JSON alike, defaults filled in, and every
// rejection names the field and, where there is one, the offending value. Resize merges, revalidates, never mutates.
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { applyResize, parseWarehouseSpec, SpecError } from '../../src/config/warehouse-spec';
import type { WarehouseSpec } from '../../src/policy/types';

type Format = 'yaml' | 'json';
const FORMATS: Format[] = ['yaml', 'json'];

/** The object as a user would write it in that format, read back by that format's parser. */
function through(format: Format, input: unknown): unknown {
  return format === 'yaml' ? parseYaml(toYaml(input)) : JSON.parse(JSON.stringify(input));
}

const base = { name: 'sales', namespace: 'impala', size: 'MEDIUM', nodes: { min: 40, max: 80 } };

const DEFAULTS = {
  coordinators: [],
  executorTemplate: 'impala-executor-000',
  queriesPerGroup: 12,
  executorMemoryMb: 16384,
  groupSet: 'root.default',
  mode: 'balanced',
  autoSuspend: { enabled: true, timeoutSeconds: 300 },
  pollIntervalSeconds: 20,
  scaleUpTimeoutSeconds: 900,
  degradedReplaceSeconds: 300,
  dryRun: false,
};

function errorOf(fn: () => unknown): SpecError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SpecError) return e;
    throw e;
  }
  throw new Error('expected a SpecError, but the spec was accepted');
}

describe('valid specs (YAML and JSON): defaults filled in', () => {
  const valid: { name: string; input: Record<string, unknown>; expected: Partial<WarehouseSpec> }[] = [
    {
      name: 'minimal MEDIUM 40..80 nodes',
      input: base,
      expected: {
        ...DEFAULTS,
        name: 'sales',
        namespace: 'impala',
        size: 'MEDIUM',
        executorsPerGroup: 20,
        nodes: { min: 40, max: 80 },
      } as Partial<WarehouseSpec>,
    },
    {
      name: 'executorsPerGroup instead of size, min 0',
      input: { name: 'etl', namespace: 'impala', executorsPerGroup: 3, nodes: { min: 0, max: 9 } },
      expected: { executorsPerGroup: 3, nodes: { min: 0, max: 9 } },
    },
    {
      name: 'size with a matching executorsPerGroup',
      input: { ...base, size: 'SMALL', executorsPerGroup: 10, nodes: { min: 10, max: 30 } },
      expected: { size: 'SMALL', executorsPerGroup: 10 },
    },
    {
      name: 'every size',
      input: { ...base, size: 'LARGE', nodes: { min: 40, max: 160 } },
      expected: { executorsPerGroup: 40 },
    },
    {
      name: 'XSMALL',
      input: { ...base, size: 'XSMALL', nodes: { min: 2, max: 8 } },
      expected: { executorsPerGroup: 2 },
    },
    {
      name: 'every field set',
      input: {
        ...base,
        coordinators: [
          {
            url: 'https://coordinator-0.impala.svc:25000',
            user: 'autoscaler',
            passwordFile: '/etc/impala/password',
            caFile: '/etc/impala/ca.pem',
          },
          { url: 'http://coordinator-1:25000', passwordEnv: 'IMPALA_PASSWORD' },
        ],
        executorTemplate: 'executor-template.yaml',
        queriesPerGroup: 8,
        executorMemoryMb: 65536,
        groupSet: 'root.etl',
        mode: 'aggressive',
        scaleUpDelaySeconds: 0,
        scaleDownDelaySeconds: 120,
        autoSuspend: { enabled: false, timeoutSeconds: 0 },
        pollIntervalSeconds: 1,
        scaleUpTimeoutSeconds: 60,
        dryRun: true,
      },
      expected: {
        mode: 'aggressive',
        scaleUpDelaySeconds: 0,
        scaleDownDelaySeconds: 120,
        autoSuspend: { enabled: false, timeoutSeconds: 0 },
        pollIntervalSeconds: 1,
        dryRun: true,
        groupSet: 'root.etl',
      },
    },
    {
      name: 'autoSuspend partly given: the other default kept',
      input: { ...base, autoSuspend: { enabled: false } },
      expected: { autoSuspend: { enabled: false, timeoutSeconds: 300 } },
    },
    {
      name: 'a 63-character name',
      input: { ...base, name: 'a'.repeat(63) },
      expected: { name: 'a'.repeat(63) },
    },
  ];
  const rows = valid.flatMap((v) => FORMATS.map((format) => ({ ...v, format })));
  test.each(rows)('$format: $name', ({ format, input, expected }) => {
    const spec = parseWarehouseSpec(through(format, input), `sales.${format}`);
    expect(spec).toMatchObject(expected);
  });

  test('a hand-written YAML file', () => {
    const text = [
      'name: sales',
      'namespace: impala',
      'coordinators:',
      '  - url: http://coordinator-0:25000',
      'size: MEDIUM',
      'nodes: {min: 40, max: 80}',
      'mode: conservative',
      'autoSuspend:',
      '  enabled: true',
      '  timeoutSeconds: 600',
    ].join('\n');
    expect(parseWarehouseSpec(parseYaml(text), 'sales.yaml')).toEqual({
      ...DEFAULTS,
      name: 'sales',
      namespace: 'impala',
      coordinators: [{ url: 'http://coordinator-0:25000' }],
      size: 'MEDIUM',
      executorsPerGroup: 20,
      nodes: { min: 40, max: 80 },
      mode: 'conservative',
      autoSuspend: { enabled: true, timeoutSeconds: 600 },
    });
  });
});

describe('invalid specs (YAML and JSON): the message names the field and the offending value', () => {
  const invalid: { name: string; input: unknown; field: string; value?: string; message?: string }[] = [
    {
      name: 'min > max',
      input: { ...base, nodes: { min: 80, max: 40 } },
      field: 'nodes.max',
      value: '40',
      message: 'nodes.max must be ≥ nodes.min (got 40 < 80)',
    },
    {
      name: 'nodes.min not a multiple of the group size',
      input: { ...base, nodes: { min: 30, max: 80 } },
      field: 'nodes.min',
      value: '30',
      message: 'nodes.min must be a multiple of the group size 20 (got 30)',
    },
    {
      name: 'nodes.max not a multiple of the group size',
      input: { ...base, nodes: { min: 40, max: 90 } },
      field: 'nodes.max',
      value: '90',
      message: 'nodes.max must be a multiple of the group size 20 (got 90)',
    },
    {
      name: 'nodes not a multiple of executorsPerGroup 3',
      input: { name: 'etl', namespace: 'impala', executorsPerGroup: 3, nodes: { min: 0, max: 10 } },
      field: 'nodes.max',
      value: '10',
      message: 'nodes.max must be a multiple of the group size 3 (got 10)',
    },
    { name: 'negative nodes.min', input: { ...base, nodes: { min: -20, max: 80 } }, field: 'nodes.min', value: '-20' },
    {
      name: 'non-numeric nodes.max',
      input: { ...base, nodes: { min: 40, max: 'eighty' } },
      field: 'nodes.max',
      value: '"eighty"',
    },
    { name: 'nodes missing', input: { name: 'sales', namespace: 'impala', size: 'MEDIUM' }, field: 'nodes' },
    {
      name: 'unknown mode',
      input: { ...base, mode: 'turbo' },
      field: 'mode',
      value: '"turbo"',
      message: 'mode must be one of conservative, balanced, aggressive (got "turbo")',
    },
    { name: 'mode in the wrong case', input: { ...base, mode: 'Balanced' }, field: 'mode', value: '"Balanced"' },
    {
      name: 'unknown size',
      input: { ...base, size: 'HUGE' },
      field: 'size',
      value: '"HUGE"',
      message: 'size must be one of XSMALL, SMALL, MEDIUM, LARGE (got "HUGE")',
    },
    { name: 'size in lower case', input: { ...base, size: 'medium' }, field: 'size', value: '"medium"' },
    {
      name: 'neither size nor executorsPerGroup',
      input: { name: 'sales', namespace: 'impala', nodes: { min: 40, max: 80 } },
      field: 'size',
      message: 'size: set size (XSMALL, SMALL, MEDIUM, LARGE) or executorsPerGroup',
    },
    {
      name: 'size vs executorsPerGroup conflict',
      input: { ...base, executorsPerGroup: 10 },
      field: 'executorsPerGroup',
      value: '10',
      message: 'executorsPerGroup 10 contradicts size MEDIUM (20); set one of them',
    },
    {
      name: 'executorsPerGroup 0',
      input: { name: 'etl', namespace: 'impala', executorsPerGroup: 0, nodes: { min: 0, max: 9 } },
      field: 'executorsPerGroup',
      value: '0',
    },
    {
      name: 'negative scaleUpDelaySeconds',
      input: { ...base, scaleUpDelaySeconds: -5 },
      field: 'scaleUpDelaySeconds',
      value: '-5',
      message: 'scaleUpDelaySeconds must be ≥ 0 (got -5)',
    },
    {
      name: 'negative scaleDownDelaySeconds',
      input: { ...base, scaleDownDelaySeconds: -600 },
      field: 'scaleDownDelaySeconds',
      value: '-600',
    },
    {
      name: 'non-numeric scaleUpDelaySeconds',
      input: { ...base, scaleUpDelaySeconds: 'soon' },
      field: 'scaleUpDelaySeconds',
      value: '"soon"',
      message: 'scaleUpDelaySeconds must be a number of seconds (got "soon")',
    },
    {
      name: 'non-numeric scaleDownDelaySeconds ("600s")',
      input: { ...base, scaleDownDelaySeconds: '600s' },
      field: 'scaleDownDelaySeconds',
      value: '"600s"',
    },
    {
      name: 'fractional delay',
      input: { ...base, scaleDownDelaySeconds: 1.5 },
      field: 'scaleDownDelaySeconds',
      value: '1.5',
      message: 'scaleDownDelaySeconds must be a whole number of seconds (got 1.5)',
    },
    {
      name: 'negative autoSuspend.timeoutSeconds',
      input: { ...base, autoSuspend: { enabled: true, timeoutSeconds: -1 } },
      field: 'autoSuspend.timeoutSeconds',
      value: '-1',
    },
    {
      name: 'non-numeric autoSuspend.timeoutSeconds',
      input: { ...base, autoSuspend: { timeoutSeconds: 'five minutes' } },
      field: 'autoSuspend.timeoutSeconds',
      value: '"five minutes"',
    },
    {
      name: 'autoSuspend.enabled not a boolean',
      input: { ...base, autoSuspend: { enabled: 'yes' } },
      field: 'autoSuspend.enabled',
      value: '"yes"',
      message: 'autoSuspend.enabled must be true or false (got "yes")',
    },
    {
      name: 'pollIntervalSeconds 0',
      input: { ...base, pollIntervalSeconds: 0 },
      field: 'pollIntervalSeconds',
      value: '0',
      message: 'pollIntervalSeconds must be ≥ 1 (got 0)',
    },
    {
      name: 'non-numeric pollIntervalSeconds',
      input: { ...base, pollIntervalSeconds: '20' },
      field: 'pollIntervalSeconds',
      value: '"20"',
    },
    {
      name: 'scaleUpTimeoutSeconds 0',
      input: { ...base, scaleUpTimeoutSeconds: 0 },
      field: 'scaleUpTimeoutSeconds',
      value: '0',
    },
    {
      name: 'degradedReplaceSeconds 0',
      input: { ...base, degradedReplaceSeconds: 0 },
      field: 'degradedReplaceSeconds',
      value: '0',
      message: 'degradedReplaceSeconds must be ≥ 1 (got 0)',
    },
    {
      name: 'fractional degradedReplaceSeconds',
      input: { ...base, degradedReplaceSeconds: 2.5 },
      field: 'degradedReplaceSeconds',
      value: '2.5',
      message: 'degradedReplaceSeconds must be a whole number of seconds (got 2.5)',
    },
    {
      name: 'non-numeric degradedReplaceSeconds',
      input: { ...base, degradedReplaceSeconds: '5m' },
      field: 'degradedReplaceSeconds',
      value: '"5m"',
      message: 'degradedReplaceSeconds must be a number of seconds (got "5m")',
    },
    { name: 'queriesPerGroup 0', input: { ...base, queriesPerGroup: 0 }, field: 'queriesPerGroup', value: '0' },
    {
      name: 'executorMemoryMb negative',
      input: { ...base, executorMemoryMb: -1 },
      field: 'executorMemoryMb',
      value: '-1',
    },
    { name: 'dryRun not a boolean', input: { ...base, dryRun: 'true' }, field: 'dryRun', value: '"true"' },
    {
      name: 'groupSet with a space',
      input: { ...base, groupSet: 'root default' },
      field: 'groupSet',
      value: '"root default"',
    },
    {
      name: 'unknown top-level field',
      input: { ...base, maxNodes: 80 },
      field: 'maxNodes',
      message: 'unknown field maxNodes',
    },
    {
      name: 'two unknown top-level fields',
      input: { ...base, minNodes: 40, maxNodes: 80 },
      field: 'minNodes',
      message: 'unknown fields minNodes, maxNodes',
    },
    {
      name: 'unknown field in nodes',
      input: { ...base, nodes: { min: 40, max: 80, step: 20 } },
      field: 'nodes.step',
      message: 'unknown field nodes.step',
    },
    {
      name: 'unknown field in autoSuspend',
      input: { ...base, autoSuspend: { enabled: true, timeout: 300 } },
      field: 'autoSuspend.timeout',
      message: 'unknown field autoSuspend.timeout',
    },
    {
      name: 'unknown field in a coordinator',
      input: { ...base, coordinators: [{ url: 'http://coordinator-0:25000', password: 'secret' }] },
      field: 'coordinators.0.password',
      message: 'unknown field coordinators.0.password',
    },
    { name: 'name with a path (../x)', input: { ...base, name: '../x' }, field: 'name', value: '"../x"' },
    { name: 'name in upper case', input: { ...base, name: 'Sales' }, field: 'name', value: '"Sales"' },
    {
      name: 'name of 64 characters',
      input: { ...base, name: 'a'.repeat(64) },
      field: 'name',
      value: `"${'a'.repeat(64)}"`,
      message: `name must be at most 63 characters (got "${'a'.repeat(64)}")`,
    },
    { name: 'name ending with -', input: { ...base, name: 'sales-' }, field: 'name', value: '"sales-"' },
    { name: 'empty name', input: { ...base, name: '' }, field: 'name', value: '""' },
    {
      name: 'name missing',
      input: { namespace: 'impala', size: 'MEDIUM', nodes: { min: 40, max: 80 } },
      field: 'name',
    },
    { name: 'name not a string', input: { ...base, name: 42 }, field: 'name', value: '42' },
    {
      name: 'namespace with an underscore',
      input: { ...base, namespace: 'impala_prod' },
      field: 'namespace',
      value: '"impala_prod"',
    },
    {
      name: 'coordinator URL with another scheme',
      input: { ...base, coordinators: [{ url: 'ftp://coordinator-0:25000' }] },
      field: 'coordinators.0.url',
      value: '"ftp://coordinator-0:25000"',
    },
    {
      name: 'coordinator URL without a scheme',
      input: { ...base, coordinators: [{ url: 'http://coordinator-0:25000' }, { url: 'coordinator-1:25000' }] },
      field: 'coordinators.1.url',
      value: '"coordinator-1:25000"',
    },
    {
      name: 'coordinator URL that is not a URL',
      input: { ...base, coordinators: [{ url: 'not a url' }] },
      field: 'coordinators.0.url',
      value: '"not a url"',
    },
    {
      name: 'coordinator password both from a file and an env var',
      input: { ...base, coordinators: [{ url: 'http://coordinator-0:25000', passwordFile: '/p', passwordEnv: 'P' }] },
      field: 'coordinators.0.passwordEnv',
      message: 'coordinators.0.passwordEnv: set passwordFile or passwordEnv, not both (got "P")',
    },
    {
      name: 'coordinator as a bare string that is not a URL',
      input: { ...base, coordinators: ['coordinator-0:25000'] },
      field: 'coordinators.0.url',
      value: '"coordinator-0:25000"',
    },
    {
      name: 'coordinator neither a URL nor an object',
      input: { ...base, coordinators: [25000] },
      field: 'coordinators.0',
      value: '25000',
      message:
        'coordinators.0: a coordinator must be a URL such as http://coordinator-0:25000, or { url, user, passwordFile or passwordEnv, caFile } (got 25000)',
    },
    {
      name: 'coordinator passwordEnv not a variable name',
      input: { ...base, coordinators: [{ url: 'http://coordinator-0:25000', passwordEnv: '1-PASS' }] },
      field: 'coordinators.0.passwordEnv',
      value: '"1-PASS"',
    },
  ];
  const rows = invalid.flatMap((v) => FORMATS.map((format) => ({ ...v, format })));
  test.each(rows)('$format: $name → names $field', ({ format, input, field, value, message }) => {
    const e = errorOf(() => parseWarehouseSpec(through(format, input), `sales.${format}`));
    expect(e.message.startsWith(`sales.${format}: `)).toBe(true);
    expect(e.message).toContain(field);
    if (value !== undefined) expect(e.message).toContain(value);
    if (message !== undefined) expect(e.issues).toContain(message);
  });

  test.each([
    {
      name: 'YAML 1.2 reads `enabled: yes` as a string',
      text: 'name: sales\nnamespace: impala\nsize: MEDIUM\nnodes: {min: 40, max: 80}\nautoSuspend:\n  enabled: yes\n',
      expected: 'autoSuspend.enabled must be true or false (got "yes")',
    },
    {
      name: 'a quoted number stays a string',
      text: 'name: sales\nnamespace: impala\nsize: MEDIUM\nnodes: {min: 40, max: 80}\nscaleUpDelaySeconds: "20"\n',
      expected: 'scaleUpDelaySeconds must be a number of seconds (got "20")',
    },
    {
      name: 'a typo in a nested key',
      text: 'name: sales\nnamespace: impala\nsize: MEDIUM\nnodes: {min: 40, maxx: 80}\n',
      expected: 'unknown field nodes.maxx',
    },
    { name: 'an empty file', text: '', expected: 'Invalid input: expected object, received null' },
  ])('hand-written YAML: $name', ({ text, expected }) => {
    expect(errorOf(() => parseWarehouseSpec(parseYaml(text), 'sales.yaml')).message).toContain(expected);
  });

  test('a coordinator given as a bare URL is read as { url }', () => {
    const text =
      'name: sales\nnamespace: impala\nsize: MEDIUM\nnodes: {min: 40, max: 80}\ncoordinators:\n  - http://coordinator-0:25000\n  - url: https://coordinator-1:25000\n    user: autoscaler\n';
    expect(parseWarehouseSpec(parseYaml(text), 'sales.yaml').coordinators).toEqual([
      { url: 'http://coordinator-0:25000' },
      { url: 'https://coordinator-1:25000', user: 'autoscaler' },
    ]);
  });

  test('a mistake in one field never hides the checks across others: each is reported', () => {
    // A type error in coordinators (or anywhere) used to stop zod before the checks that span fields.
    const e = errorOf(() =>
      parseWarehouseSpec(
        {
          ...base,
          coordinators: [42, 'coordinator-1:25000', { url: 'http://c:25000', passwordFile: '/p', passwordEnv: 'P' }],
          nodes: { min: 80, max: 35 },
          mode: 'fast',
          executorsPerGroup: 10,
        },
        'sales.yaml',
      ),
    );
    expect(e.issues).toEqual([
      expect.stringMatching(/^coordinators\.0: a coordinator must be a URL/),
      'coordinators.1.url: url must be an http:// or https:// URL such as http://coordinator-0:25000 (got "coordinator-1:25000")',
      'coordinators.2.passwordEnv: set passwordFile or passwordEnv, not both (got "P")',
      'nodes.max must be ≥ nodes.min (got 35 < 80)',
      'mode must be one of conservative, balanced, aggressive (got "fast")',
      'executorsPerGroup 10 contradicts size MEDIUM (20); set one of them',
      'nodes.max must be a multiple of the group size 10 (got 35)',
    ]);
    // A group size that did not parse: the multiples cannot be judged, every other mistake still is.
    const noSize = errorOf(() =>
      parseWarehouseSpec(
        { ...base, size: 'HUGE', coordinators: ['ftp://c'], nodes: { min: 30, max: 20 } },
        'sales.yaml',
      ),
    );
    expect(noSize.issues).toEqual([
      'coordinators.0.url: url must be an http:// or https:// URL such as http://coordinator-0:25000 (got "ftp://c")',
      'size must be one of XSMALL, SMALL, MEDIUM, LARGE (got "HUGE")',
      'nodes.max must be ≥ nodes.min (got 20 < 30)',
    ]);
  });

  test('every problem is reported at once, each naming its field', () => {
    const e = errorOf(() =>
      parseWarehouseSpec({ ...base, mode: 'turbo', scaleUpDelaySeconds: -5, extra: true }, 'sales.yaml'),
    );
    expect(e.issues).toEqual([
      'mode must be one of conservative, balanced, aggressive (got "turbo")',
      'scaleUpDelaySeconds must be ≥ 0 (got -5)',
      'unknown field extra',
    ]);
    expect(e.message).toBe(`sales.yaml: ${e.issues.join('; ')}`);
  });
});

describe('applyResize: merged, revalidated, the original spec untouched', () => {
  function deepFreeze<T>(o: T): T {
    if (o && typeof o === 'object') {
      for (const v of Object.values(o)) deepFreeze(v);
      Object.freeze(o);
    }
    return o;
  }
  const original = deepFreeze(
    parseWarehouseSpec(
      { ...base, coordinators: [{ url: 'http://coordinator-0:25000' }], scaleDownDelaySeconds: 900 },
      'sales.yaml',
    ),
  );
  const snapshot = JSON.stringify(original);

  test.each([
    { name: 'raise max', resize: { nodes: { max: 120 } }, expected: { nodes: { min: 40, max: 120 } } },
    { name: 'min to 0', resize: { nodes: { min: 0 } }, expected: { nodes: { min: 0, max: 80 } } },
    { name: 'min = max', resize: { nodes: { min: 80, max: 80 } }, expected: { nodes: { min: 80, max: 80 } } },
    {
      name: 'mode and delays',
      resize: { mode: 'aggressive', scaleUpDelaySeconds: 0 },
      expected: { mode: 'aggressive', scaleUpDelaySeconds: 0, scaleDownDelaySeconds: 900 },
    },
    {
      name: 'auto-suspend off, timeout kept',
      resize: { autoSuspend: { enabled: false } },
      expected: { autoSuspend: { enabled: false, timeoutSeconds: 300 } },
    },
    {
      name: 'auto-suspend timeout',
      resize: { autoSuspend: { timeoutSeconds: 60 } },
      expected: { autoSuspend: { enabled: true, timeoutSeconds: 60 } },
    },
    { name: 'dry-run on', resize: { dryRun: true }, expected: { dryRun: true } },
    { name: 'nothing', resize: {}, expected: {} },
  ])('accepted: $name', ({ resize, expected }) => {
    const next = applyResize(original, resize);
    expect(next).toEqual({ ...JSON.parse(snapshot), ...expected });
    expect(next).not.toBe(original);
    expect(JSON.stringify(original)).toBe(snapshot);
  });

  test('a spec sized by executorsPerGroup (no size) resizes too', () => {
    const etl = deepFreeze(
      parseWarehouseSpec({ name: 'etl', namespace: 'impala', executorsPerGroup: 3, nodes: { min: 0, max: 9 } }),
    );
    expect(applyResize(etl, { nodes: { max: 12 } })).toMatchObject({
      executorsPerGroup: 3,
      nodes: { min: 0, max: 12 },
    });
    expect(errorOf(() => applyResize(etl, { nodes: { max: 10 } })).message).toBe(
      'resize: nodes.max must be a multiple of the group size 3 (got 10)',
    );
  });

  test.each([
    {
      name: 'min > max after the merge',
      resize: { nodes: { min: 100 } },
      message: 'resize: nodes.max must be ≥ nodes.min (got 80 < 100)',
    },
    {
      name: 'max below the current min',
      resize: { nodes: { max: 20 } },
      message: 'resize: nodes.max must be ≥ nodes.min (got 20 < 40)',
    },
    {
      name: 'min not a multiple of the group size',
      resize: { nodes: { min: 30 } },
      message: 'resize: nodes.min must be a multiple of the group size 20 (got 30)',
    },
    { name: 'negative min', resize: { nodes: { min: -20 } }, message: 'nodes.min', value: '-20' },
    { name: 'non-numeric max', resize: { nodes: { max: 'a lot' } }, message: 'nodes.max', value: '"a lot"' },
    {
      name: 'bad mode',
      resize: { mode: 'turbo' },
      message: 'resize: mode must be one of conservative, balanced, aggressive (got "turbo")',
    },
    {
      name: 'negative delay',
      resize: { scaleDownDelaySeconds: -1 },
      message: 'resize: scaleDownDelaySeconds must be ≥ 0 (got -1)',
    },
    {
      name: 'non-numeric delay',
      resize: { scaleUpDelaySeconds: 'now' },
      message: 'resize: scaleUpDelaySeconds must be a number of seconds (got "now")',
    },
    { name: 'unknown field', resize: { size: 'LARGE' }, message: 'resize: unknown field size' },
    {
      name: 'a field that is not resizable',
      resize: { pollIntervalSeconds: 5 },
      message: 'resize: unknown field pollIntervalSeconds',
    },
    { name: 'unknown nested field', resize: { nodes: { mid: 60 } }, message: 'resize: unknown field nodes.mid' },
    {
      name: 'unknown autoSuspend field',
      resize: { autoSuspend: { timeout: 60 } },
      message: 'resize: unknown field autoSuspend.timeout',
    },
    {
      name: 'auto-suspend flag not a boolean',
      resize: { autoSuspend: { enabled: 'no' } },
      message: 'autoSuspend.enabled',
      value: '"no"',
    },
    {
      name: 'not an object',
      resize: 'bigger',
      message: 'resize: Invalid input: expected object, received string',
      value: '"bigger"',
    },
  ])('rejected: $name', ({ resize, message, value }) => {
    const e = errorOf(() => applyResize(original, resize));
    expect(e.message).toContain(message);
    if (value !== undefined) expect(e.message).toContain(value);
    expect(JSON.stringify(original)).toBe(snapshot);
  });
});
