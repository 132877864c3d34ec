// The warehouses file (every problem named with file, warehouse and field; nothing accepted when any is wrong) and
// the connection settings (flags over TEMPORAL_* variables, TLS files read, the API key never described).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveTarget } from '../../src/client/connection';
import { ConfigError, loadWarehousesFile, parseWarehousesText } from '../../src/config/warehouses-file';
import { setSpecs } from '../../src/policy/group-sets';

const REPO = path.resolve(__dirname, '../..');

function problemsOf(text: string): string[] {
  try {
    parseWarehousesText(text, 'wh.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('warehouses file', () => {
  test('the examples parse, with defaults filled in', () => {
    const full = loadWarehousesFile(path.join(REPO, 'examples/warehouses.yaml'));
    expect(full.map((s) => [s.name, s.executorsPerGroup, s.nodes, s.mode, s.autoSuspend])).toEqual([
      ['sales', 20, { min: 40, max: 80 }, 'balanced', { enabled: true, timeoutSeconds: 300 }],
      // Two group sets: the warehouse's nodes are their bounds summed, its group size the first set's.
      ['mixed', 2, { min: 0, max: 56 }, 'balanced', { enabled: true, timeoutSeconds: 300 }],
      ['adhoc', 10, { min: 0, max: 30 }, 'aggressive', { enabled: true, timeoutSeconds: 300 }],
    ]);
    expect(
      setSpecs(full[1]).map((s) => [s.groupSet, s.groupPrefix, s.executorsPerGroup, s.nodes, s.mode, s.maxQueryMemMb]),
    ).toEqual([
      ['root.bi', 'impala-executor-root-bi-', 2, { min: 0, max: 16 }, 'aggressive', 4096],
      ['root.etl', 'impala-executor-root-etl-', 10, { min: 0, max: 40 }, 'balanced', undefined],
    ]);
    const [minimal] = loadWarehousesFile(path.join(REPO, 'examples/minimal.yaml'));
    expect(minimal).toMatchObject({
      name: 'analytics',
      executorsPerGroup: 2,
      pollIntervalSeconds: 20,
      queriesPerGroup: 12,
      groupSet: 'root.default',
      dryRun: false,
    });
  });

  test('a relative executor template manifest is resolved against the warehouses file, not the working directory', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wh-'));
    try {
      const file = path.join(dir, 'warehouses.yaml');
      const entry = (name: string, t: string) =>
        `  - {name: ${name}, namespace: n, size: XSMALL, nodes: {min: 2, max: 4}, executorTemplate: ${t}}`;
      fs.writeFileSync(
        file,
        [
          'warehouses:',
          entry('rel', 'templates/executor.yaml'),
          entry('abs', '/etc/executor.yaml'),
          entry('sts', 'impala-executor-000'),
        ].join('\n'),
      );
      expect(loadWarehousesFile(file).map((s) => s.executorTemplate)).toEqual([
        path.join(dir, 'templates/executor.yaml'),
        '/etc/executor.yaml',
        'impala-executor-000',
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('JSON is read too', () => {
    const specs = parseWarehousesText(
      JSON.stringify({ warehouses: [{ name: 'a', namespace: 'n', size: 'XSMALL', nodes: { min: 2, max: 4 } }] }),
      'wh.json',
    );
    expect(specs[0]).toMatchObject({ name: 'a', executorsPerGroup: 2 });
  });

  test('every bad warehouse is reported with file, line, name or position, and field', () => {
    const text = [
      'warehouses:',
      '  - name: good',
      '    namespace: impala',
      '    size: SMALL',
      '    nodes: { min: 10, max: 20 }',
      '  - name: sales',
      '    namespace: impala',
      '    size: MEDIUM',
      '    nodes: { min: 40, max: 30 }',
      '  - namespace: impala',
      '    size: HUGE',
      '    nodes: { min: 0, max: 2 }',
    ].join('\n');
    const problems = problemsOf(text);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      /^wh\.yaml:6: warehouse "sales" \(#2\): .*nodes\.max must be ≥ nodes\.min \(got 30 < 40\).*nodes\.max must be a multiple of the group size 20 \(got 30\)/,
    );
    expect(problems[1]).toMatch(
      /^wh\.yaml:10: warehouse #3: .*name.*size must be one of XSMALL, SMALL, MEDIUM, LARGE \(got "HUGE"\)/,
    );
  });

  test('duplicate names, unknown fields, bad YAML and a missing list are rejected', () => {
    const one = '  - { name: a, namespace: n, size: XSMALL, nodes: { min: 2, max: 4 } }';
    expect(problemsOf(`warehouses:\n${one}\n${one}\n`)).toEqual([
      expect.stringMatching(/wh\.yaml:3: warehouse "a" \(#2\): duplicate name "a" \(also warehouse #1\)/),
    ]);
    expect(
      problemsOf('warehouses:\n  - { name: a, namespace: n, size: XSMALL, nodes: { min: 2, max: 4 }, maxNodes: 3 }\n'),
    ).toEqual([expect.stringContaining('unknown field maxNodes')]);
    expect(problemsOf('warehouses:\n  - name: a\n   namespace: b\n')[0]).toMatch(/^wh\.yaml:3: not valid YAML or JSON/);
    expect(problemsOf('name: a\n')[0]).toBe(
      'wh.yaml: expected a mapping with a "warehouses:" list at the top (see examples/warehouses.yaml)',
    );
    expect(problemsOf('warehouses: []\n')[0]).toContain('"warehouses:" must be a non-empty list');
    expect(problemsOf('warehouses: [ ]\nextra: 1\n')[0]).toContain('unknown top-level field extra');
    expect(() => loadWarehousesFile('/nonexistent/wh.yaml')).toThrow(
      '/nonexistent/wh.yaml: cannot read the warehouses file (no such file)',
    );
  });
});

describe('connection settings', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'conn-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const pem = (name: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, `-----BEGIN ${name}-----\n`);
    return f;
  };

  test('defaults, then TEMPORAL_* variables, then flags', () => {
    expect(resolveTarget({}, {})).toMatchObject({
      address: 'localhost:7233',
      namespace: 'default',
      tls: false,
      apiKey: undefined,
    });
    const env = { TEMPORAL_ADDRESS: 'temporal.example.com:7233', TEMPORAL_NAMESPACE: 'prod' };
    expect(resolveTarget({}, env)).toMatchObject({ address: 'temporal.example.com:7233', namespace: 'prod' });
    expect(resolveTarget({ address: '127.0.0.1:7999', namespace: 'dev' }, env)).toMatchObject({
      address: '127.0.0.1:7999',
      namespace: 'dev',
    });
  });

  test('TLS files from the variables the temporal CLI reads; the API key turns TLS on and is never described', () => {
    const env = {
      TEMPORAL_TLS_CA: pem('CA'),
      TEMPORAL_TLS_CERT: pem('CERT'),
      TEMPORAL_TLS_KEY: pem('KEY'),
      TEMPORAL_API_KEY: 'sekrit-key-123',
    };
    const t = resolveTarget({}, env);
    const tls = t.tls || {};
    expect(Buffer.from(tls.serverRootCACertificate!).toString()).toContain('BEGIN CA');
    expect(Buffer.from(tls.clientCertPair!.crt).toString()).toContain('BEGIN CERT');
    expect(t.apiKey).toBe('sekrit-key-123');
    expect(t.describe).toBe('localhost:7233 (namespace default, mTLS, API key set)');
    expect(JSON.stringify({ ...t, apiKey: undefined })).not.toContain('sekrit');
    // The newer environment-configuration names work as well.
    const t2 = resolveTarget(
      {},
      {
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: pem('CA2'),
        TEMPORAL_TLS_CLIENT_CERT_PATH: pem('C2'),
        TEMPORAL_TLS_CLIENT_KEY_PATH: pem('K2'),
      },
    );
    expect(Buffer.from((t2.tls || {}).clientCertPair!.key).toString()).toContain('BEGIN K2');
    expect(resolveTarget({ tls: true }, {}).tls).toEqual({});
    // Off means `false`, not undefined: given an API key and no TLS setting, the SDK would switch TLS on by itself.
    expect(resolveTarget({}, { TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' }).tls).toBe(false);
  });

  test('errors name the flag or variable to fix', () => {
    expect(() => resolveTarget({ address: 'http://x:7233' }, {})).toThrow(
      'Temporal address "http://x:7233" is not host:port (set --address or TEMPORAL_ADDRESS',
    );
    expect(() => resolveTarget({ tlsCertPath: pem('ONLY') }, {})).toThrow('set --tls-cert-path and --tls-key-path');
    expect(() => resolveTarget({ tlsCaPath: path.join(dir, 'missing.pem') }, {})).toThrow(
      `cannot read ${path.join(dir, 'missing.pem')} (--tls-ca-path / TEMPORAL_TLS_CA): ENOENT`,
    );
  });
});
