// docker-compose.yml and the Dockerfile, checked without a Docker engine: the structure of the compose file (services,
// images pinned by tag, ports, environment, the worker's command and build, start order), the Dockerfile (pinned
// base, non-root user, entrypoint), the files they mount, that the PostgreSQL stack (src/devenv/postgres-stack.ts) runs
// the same scripts, environment and dynamic config, and the search-attribute setup script run for real against a
// Temporal dev server. test/devenv/ runs the whole of compose's Temporal setup on a real server on PostgreSQL.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { parse } from 'yaml';
import { parseWarehousesText } from '../../src/config/warehouses-file';
import { addressOverrides, composePlan, PORT_VARIABLES } from '../../src/devenv/postgres-stack';
import { SEARCH_ATTRIBUTES } from '../../src/workflows/messages';
import { REPO, temporalCliPath } from '../support/temporal';

interface Service {
  image?: string;
  build?: string | { context: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string> | string[];
  ports?: (string | { target: number; published?: string | number })[];
  volumes?: string[];
  depends_on?: string[] | Record<string, { condition: string }>;
  healthcheck?: { test: string | string[] };
  restart?: string;
}

const compose = parse(fs.readFileSync(path.join(REPO, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const services = compose.services;
const dockerfile = fs.readFileSync(path.join(REPO, 'Dockerfile'), 'utf8');
/** Dockerfile instructions with continuation lines joined and comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

const env = (s: Service): Record<string, string> =>
  Array.isArray(s.environment)
    ? Object.fromEntries(s.environment.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]))
    : { ...(s.environment ?? {}) };
const dependsOn = (s: Service): Record<string, string> =>
  Array.isArray(s.depends_on)
    ? Object.fromEntries(s.depends_on.map((d) => [d, 'service_started']))
    : Object.fromEntries(Object.entries(s.depends_on ?? {}).map(([k, v]) => [k, v.condition]));
const published = (s: Service): string[] =>
  (s.ports ?? []).map((p) => (typeof p === 'string' ? p : `${p.published}:${p.target}`));
const argv = (c: string | string[] | undefined): string[] => (Array.isArray(c) ? c : c ? c.split(/\s+/) : []);
/** A short-syntax volume `SOURCE:TARGET[:ro|rw]`; SOURCE may hold `${VAR:-default}`. */
const mount = (v: string): { source: string; target: string } => {
  const parts = v.split(':');
  if (parts[parts.length - 1] === 'ro' || parts[parts.length - 1] === 'rw') parts.pop();
  return { target: parts.pop()!, source: parts.join(':') };
};
const mountOf = (s: Service, target: string) => (s.volumes ?? []).map(mount).find((m) => m.target === target);
/** Host paths the service mounts (bind mounts only; named volumes excluded). */
const bindSources = (s: Service): string[] =>
  (s.volumes ?? []).map((v) => mount(v).source).filter((src) => /^[./$~]/.test(src));

describe('docker-compose.yml', () => {
  test('has the Temporal server on PostgreSQL, its setup one-shots, the UI, the worker and the coordinator simulator', () => {
    expect(Object.keys(services).sort()).toEqual([
      'impala-coordinator',
      'postgresql',
      'temporal',
      'temporal-schema',
      'temporal-setup',
      'temporal-ui',
      'worker',
    ]);
    expect(services.postgresql.image).toMatch(/^postgres:16\.\d+/);
    expect(services.temporal.image).toMatch(/^temporalio\/server:1\.29\.\d+$/);
    expect(services['temporal-schema'].image).toMatch(/^temporalio\/admin-tools:1\.29\.\d+$/);
    expect(services['temporal-setup'].image).toBe(services['temporal-schema'].image);
    expect(services['temporal-ui'].image).toMatch(/^temporalio\/ui:2\.42\.\d+$/);
    // The server and its tools are the same release.
    expect(services.temporal.image!.split(':')[1]).toBe(services['temporal-schema'].image!.split(':')[1]);
  });

  test('every image is pinned by an explicit version tag (no latest, no bare name, no variable)', () => {
    for (const [name, s] of Object.entries(services)) {
      expect({ name, image: s.image }).toEqual({
        name,
        image: expect.stringMatching(/^[a-z0-9./-]+:\d+(\.\d+)+(-[a-z0-9.]+)?$/),
      });
      expect(s.image).not.toMatch(/:latest$|\$\{/);
    }
  });

  test('the Temporal server uses PostgreSQL, starts after its schema and answers on 7233; the UI points at it on 8080', () => {
    const db = env(services.temporal);
    expect(db).toMatchObject({
      DB: 'postgres12',
      POSTGRES_SEEDS: 'postgresql',
      DB_PORT: '5432',
      BIND_ON_IP: '0.0.0.0',
    });
    expect(env(services['temporal-schema'])).toMatchObject({
      DB: 'postgres12',
      POSTGRES_SEEDS: 'postgresql',
      POSTGRES_USER: db.POSTGRES_USER,
    });
    expect(env(services.postgresql).POSTGRES_USER).toBe(db.POSTGRES_USER);
    expect(env(services.postgresql).POSTGRES_PASSWORD).toBe(db.POSTGRES_PWD);
    expect(dependsOn(services['temporal-schema'])).toEqual({ postgresql: 'service_healthy' });
    expect(dependsOn(services.temporal)).toEqual({ 'temporal-schema': 'service_completed_successfully' });
    expect(published(services.temporal)).toEqual(['7233:7233']);
    expect(services.temporal.healthcheck?.test).toBeDefined();
    expect(services.postgresql.healthcheck?.test).toBeDefined();

    expect(env(services['temporal-ui'])).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233' });
    expect(dependsOn(services['temporal-ui'])).toEqual({ temporal: 'service_healthy' });
    expect(published(services['temporal-ui'])).toEqual(['8080:8080']);

    // The dynamic config file the server is told to read is the one mounted.
    const dynamic = env(services.temporal).DYNAMIC_CONFIG_FILE_PATH;
    const dir = mountOf(services.temporal, '/etc/temporal/config/dynamicconfig')!.source;
    expect(fs.existsSync(path.join(REPO, dir, path.basename(dynamic)))).toBe(true);
    expect(dynamic).toBe(`config/dynamicconfig/${path.basename(dynamic)}`);
  });

  test('a one-shot admin-tools service registers the warehouse search attributes after the server is healthy', () => {
    const setup = services['temporal-setup'];
    expect(env(setup)).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'default' });
    expect(dependsOn(setup)).toEqual({ temporal: 'service_healthy' });
    expect(setup.restart).toMatch(/^on-failure/);
    const script = argv(setup.entrypoint).find((a) => a.startsWith('/scripts/'))!;
    expect(script).toBe('/scripts/setup-temporal.sh');
    const hostDir = mountOf(setup, '/scripts')!.source;
    const text = fs.readFileSync(path.join(REPO, hostDir, path.basename(script)), 'utf8');
    expect(text).toContain('temporal operator search-attribute create');
    for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) expect(text).toContain(`${name}:${type}`);
    // The schema one-shot runs its script from the same mount.
    const schema = argv(services['temporal-schema'].entrypoint).find((a) => a.startsWith('/scripts/'))!;
    expect(fs.existsSync(path.join(REPO, hostDir, path.basename(schema)))).toBe(true);
  });

  test('the worker: built from the Dockerfile, `worker --config` on the mounted warehouses file, Temporal at the temporal service, port 9464', () => {
    const w = services.worker;
    expect(w.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
    const cmd = argv(w.command);
    expect(cmd.slice(0, 3)).toEqual(['worker', '--config', '/etc/impala-autoscaler/warehouses.yaml']);
    expect(cmd).toContain('--start');
    expect(env(w)).toMatchObject({
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_NAMESPACE: env(services['temporal-setup']).TEMPORAL_NAMESPACE,
    });
    // TEMPORAL_ADDRESS names a service of this file and the port it serves.
    const [host, port] = env(w).TEMPORAL_ADDRESS.split(':');
    expect(Object.keys(services)).toContain(host);
    expect(published(services[host]).map((p) => p.split(':')[1])).toContain(port);
    expect(published(w)).toEqual(['9464:9464']);
    expect(dependsOn(w)).toEqual({
      'temporal-setup': 'service_completed_successfully',
      'impala-coordinator': 'service_started',
    });
    expect(JSON.stringify(w.healthcheck?.test)).toContain('9464/readyz');

    // The warehouses file is mounted from examples/, is valid, and reads its load from the compose simulator.
    const configSource = mountOf(w, '/etc/impala-autoscaler/warehouses.yaml')!.source;
    expect(configSource).toMatch(/^\.\/examples\//);
    const specs = parseWarehousesText(fs.readFileSync(path.join(REPO, configSource), 'utf8'), configSource);
    expect(specs.length).toBeGreaterThan(0);
    const sim = services['impala-coordinator'];
    const simPort = argv(sim.command)[argv(sim.command).indexOf('--port') + 1];
    for (const s of specs) expect(s.coordinators.map((c) => c.url)).toEqual([`http://impala-coordinator:${simPort}`]);
    // A kubeconfig for the executor groups, where KUBECONFIG says.
    expect(mountOf(w, env(w).KUBECONFIG)?.source).toMatch(/^\$\{IMPALA_AUTOSCALER_KUBECONFIG:-.+\}$/);
  });

  test('the coordinator simulator: the same image, `sim coordinator` on 0.0.0.0:25000 with fixed groups', () => {
    const sim = services['impala-coordinator'];
    expect(sim.image).toBe(services.worker.image);
    expect(sim.build).toEqual(services.worker.build);
    const cmd = argv(sim.command);
    expect(cmd.slice(0, 2)).toEqual(['sim', 'coordinator']);
    expect(cmd[cmd.indexOf('--host') + 1]).toBe('0.0.0.0');
    expect(cmd[cmd.indexOf('--port') + 1]).toBe('25000');
    expect(Number(cmd[cmd.indexOf('--groups') + 1])).toBeGreaterThan(0);
    expect(published(sim)).toEqual(['25000:25000']);
  });

  test('the sim coordinator command it runs exists and parses those flags', () => {
    const cmd = argv(services['impala-coordinator'].command);
    const help = execFileSync(
      process.execPath,
      [path.join(REPO, 'bin/impala-autoscaler.js'), ...cmd.slice(0, 2), '--help'],
      { encoding: 'utf8' },
    );
    for (const flag of cmd.filter((a) => a.startsWith('--'))) expect(help).toContain(flag);
  });

  test('every file or directory it bind-mounts from the repository exists', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const src of bindSources(s).filter((p) => p.startsWith('./')))
        expect({ name, src, exists: fs.existsSync(path.join(REPO, src)) }).toEqual({ name, src, exists: true });
    }
  });
});

describe('the stack (npm run stack:up, the stack tests, demo and bench:scale --server postgres) runs what compose runs', () => {
  const plan = composePlan();
  const scriptOf = (name: string) => {
    const inside = argv(services[name].entrypoint).find((a) => a.startsWith('/scripts/'))!;
    return path.join(REPO, mountOf(services[name], '/scripts')!.source, path.basename(inside));
  };

  test("the same one-shot scripts from deploy/compose/, with the services' environment", () => {
    expect(plan.schema).toEqual({
      service: 'temporal-schema',
      script: scriptOf('temporal-schema'),
      env: env(services['temporal-schema']),
    });
    expect(plan.setup).toEqual({
      service: 'temporal-setup',
      script: scriptOf('temporal-setup'),
      env: env(services['temporal-setup']),
    });
    expect(plan.schema.script).toBe(path.join(REPO, 'deploy/compose/setup-postgres.sh'));
    expect(plan.setup.script).toBe(path.join(REPO, 'deploy/compose/setup-temporal.sh'));
  });

  test("the server's environment and dynamic config file, and the database's user and password, are compose's", () => {
    expect(plan.serverEnv).toEqual(env(services.temporal));
    const mounted = mountOf(services.temporal, '/etc/temporal/config/dynamicconfig')!.source;
    expect(plan.dynamicConfigFile).toBe(
      path.join(REPO, mounted, path.basename(env(services.temporal).DYNAMIC_CONFIG_FILE_PATH)),
    );
    expect(fs.existsSync(plan.dynamicConfigFile)).toBe(true);
    expect(plan.postgres).toEqual({
      user: env(services.postgresql).POSTGRES_USER,
      password: env(services.postgresql).POSTGRES_PASSWORD,
      database: env(services.postgresql).POSTGRES_USER,
    });
  });

  test('it overrides only addresses: service names, ports and the mounted path become loopback, free ports and repository paths', () => {
    const schema = env(services['temporal-schema']);
    const server = env(services.temporal);
    expect(Object.keys(services)).toContain(schema.POSTGRES_SEEDS);
    expect(server.POSTGRES_SEEDS).toBe(schema.POSTGRES_SEEDS);
    expect(server.DB_PORT).toBe(schema.DB_PORT);
    expect(server.BIND_ON_IP).toBe('0.0.0.0');
    expect(server.DYNAMIC_CONFIG_FILE_PATH).toMatch(/^config\/dynamicconfig\//);
    const [host, port] = env(services['temporal-setup']).TEMPORAL_ADDRESS.split(':');
    expect(Object.keys(services)).toContain(host);
    expect(published(services[host]).map((p) => p.split(':')[1])).toContain(port);
    const overrides = addressOverrides({
      pgPort: 15432,
      frontend: '127.0.0.1:17233',
      dynamicConfigFile: plan.dynamicConfigFile,
    });
    expect(overrides).toEqual({
      schema: { POSTGRES_SEEDS: '127.0.0.1', DB_PORT: '15432' },
      server: {
        POSTGRES_SEEDS: '127.0.0.1',
        DB_PORT: '15432',
        BIND_ON_IP: '127.0.0.1',
        DYNAMIC_CONFIG_FILE_PATH: plan.dynamicConfigFile,
      },
      setup: { TEMPORAL_ADDRESS: '127.0.0.1:17233' },
    });
    // Each overrides a variable compose sets.
    for (const [name, vars] of Object.entries({
      'temporal-schema': overrides.schema,
      temporal: overrides.server,
      'temporal-setup': overrides.setup,
    })) {
      for (const v of Object.keys(vars))
        expect({ name, v, inCompose: v in env(services[name]) }).toEqual({ name, v, inCompose: true });
    }
    // The config template's port variables: none of them is set by compose (the image's fixed defaults apply there).
    for (const name of PORT_VARIABLES) expect(server[name]).toBeUndefined();
  });

  test('npm run stack:up/stack:down and npm test build what the stack needs, at the server release compose pins', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts['stack:up']).toBe('tsx scripts/stack.ts up');
    expect(pkg.scripts['stack:down']).toBe('tsx scripts/stack.ts down');
    expect(fs.readFileSync(path.join(REPO, 'scripts/test.sh'), 'utf8')).toContain(
      'bash scripts/ensure-temporal-server.sh',
    );
    const ensure = fs.readFileSync(path.join(REPO, 'scripts/ensure-temporal-server.sh'), 'utf8');
    expect(`VERSION=${services.temporal.image!.split(':')[1]}`).toBe(/^VERSION=\S+$/m.exec(ensure)![0]);
  });
});

describe('Dockerfile', () => {
  test('a Node 20 slim base pinned by its full version, a non-root user, the CLI as entrypoint and the worker as command', () => {
    const from = instructions.filter((l) => /^FROM\s/i.test(l));
    expect(from).toHaveLength(1);
    expect(from[0]).toMatch(/^FROM node:20\.\d+\.\d+-[a-z]+-slim$/);
    expect(instructions.some((l) => /^RUN npm ci --omit=dev\b/.test(l))).toBe(true);
    const users = instructions.filter((l) => /^USER\s/i.test(l)).map((l) => l.split(/\s+/)[1]);
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/^(root|0)(:|$)/);
    // Nothing runs as root after the last USER.
    expect(
      instructions
        .slice(instructions.findIndex((l) => l === `USER ${users[users.length - 1]}`))
        .some((l) => /^RUN\s/.test(l)),
    ).toBe(false);
    // The same user as deploy/deployment.yaml's securityContext, and the command name it runs.
    const deployment = fs.readFileSync(path.join(REPO, 'deploy/deployment.yaml'), 'utf8');
    const uid = /runAsUser:\s*(\d+)/.exec(deployment)![1];
    const gid = /runAsGroup:\s*(\d+)/.exec(deployment)![1];
    expect(users[users.length - 1]).toBe(`${uid}:${gid}`);
    expect(deployment).toContain('command: ["impala-autoscaler", "worker"');
    expect(instructions.join('\n')).toContain('ln -s /app/bin/impala-autoscaler.js /usr/local/bin/impala-autoscaler');
    expect(instructions).toContain('EXPOSE 9464');
    expect(instructions).toContain('ENTRYPOINT ["node", "bin/impala-autoscaler.js"]');
    expect(instructions).toContain('CMD ["worker", "--config", "/etc/impala-autoscaler/warehouses.yaml"]');
  });

  test('what it runs is in the image: tsx is a runtime dependency, the copied paths exist, .dockerignore keeps them', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(pkg.dependencies.tsx).toBeDefined();
    expect(fs.readFileSync(path.join(REPO, 'bin/impala-autoscaler.js'), 'utf8')).toContain("require('tsx/cjs')");
    const copied = instructions.filter((l) => /^COPY\s/.test(l)).flatMap((l) => l.split(/\s+/).slice(1, -1));
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'bin', 'src']));
    for (const p of copied) expect(fs.existsSync(path.join(REPO, p))).toBe(true);
    const ignored = fs
      .readFileSync(path.join(REPO, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.git', 'test']));
    for (const p of copied) expect(ignored).not.toContain(p);
  });
});

describe('deploy/compose/setup-temporal.sh', () => {
  let server: TestWorkflowEnvironment | undefined;
  afterAll(async () => {
    await server?.teardown();
  });

  test('registers the namespace and the four search attributes on a real server, and is idempotent', async () => {
    server = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: temporalCliPath() }, ip: '127.0.0.1' },
    });
    // The admin-tools image has `temporal` on PATH; here it is the CLI the tests use.
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-bin-'));
    fs.symlinkSync(temporalCliPath(), path.join(bin, 'temporal'));
    const run = () =>
      execFileSync('sh', [path.join(REPO, 'deploy/compose/setup-temporal.sh')], {
        encoding: 'utf8',
        env: {
          ...process.env,
          PATH: `${bin}:${process.env.PATH}`,
          TEMPORAL_ADDRESS: server!.address,
          TEMPORAL_NAMESPACE: 'compose',
        },
      });
    try {
      expect(run()).toContain('namespace compose and the warehouse search attributes are ready');
      expect(run()).toContain('search attribute ImpalaWarehouse exists');
      const list = execFileSync(
        temporalCliPath(),
        [
          'operator',
          'search-attribute',
          'list',
          '--address',
          server.address,
          '--namespace',
          'compose',
          '--output',
          'json',
        ],
        { encoding: 'utf8' },
      );
      const custom = (JSON.parse(list) as { customAttributes: Record<string, string> }).customAttributes;
      const want = Object.fromEntries(
        Object.entries(SEARCH_ATTRIBUTES).map(([name, type]) => [
          name,
          `INDEXED_VALUE_TYPE_${type.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`,
        ]),
      );
      expect(Object.fromEntries(Object.entries(custom).filter(([k]) => k.startsWith('Impala')))).toEqual(want);
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  }, 60000);
});
