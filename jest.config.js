// Tiers (docs/testing.md): `unit` needs no server and no built tool (`npm run test:unit`, seconds of CPU);
// `servers` runs against real ones — the Temporal dev server, PostgreSQL, Chromium — and `kubernetes` also on the
// local Kubernetes control plane. `npm test` (scripts/test.sh) builds what they need and runs all three, `kubernetes`
// last: on a new machine its control plane is still building while the others run.
const fs = require('node:fs');
const path = require('node:path');

const shared = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }],
    // @kubernetes/client-node 1.x and its openid-client dependency ship only ES modules, which Jest's CommonJS
    // runtime cannot require on Node < 24.9: compile just those packages to CommonJS.
    '^.+\\.m?js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(@kubernetes/client-node|openid-client|oauth4webapi|jose)/)'],
};

/** Test files that start no Temporal server, control plane or browser (in-process HTTP servers are fine). */
const UNIT = [
  'test/policy/**/*.test.ts',
  'test/config/**/*.test.ts',
  'test/whatif/**/*.test.ts',
  'test/activities/impala/**/*.test.ts',
  'test/sim/**/*.test.ts',
  'test/bad-input/specs.test.ts',
  'test/activities/kubernetes/template.test.ts',
  'test/workflows/decision-data.test.ts',
  'test/workflows/scale-events.test.ts',
].map((glob) => `<rootDir>/${glob}`);

/** Test files that start the local control plane: every one goes through one of these two. */
const KUBERNETES = testFiles('test').filter((file) =>
  /\b(useLocalCluster|chaosServers)\(/.test(fs.readFileSync(file, 'utf8')),
);

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 120000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: UNIT },
    {
      ...shared,
      displayName: 'servers',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...UNIT.map(globToPattern), ...KUBERNETES.map(fileToPattern)],
    },
    { ...shared, displayName: 'kubernetes', testMatch: KUBERNETES.map((file) => `<rootDir>/${file}`) },
  ],
};

function testFiles(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? testFiles(path.join(dir, e.name)) : e.name.endsWith('.test.ts') ? [path.join(dir, e.name)] : [],
    );
}

function fileToPattern(file) {
  return `/${file.replace(/[.+^${}()|[\]\\]/g, '\\$&')}$`;
}

/** A UNIT glob as a testPathIgnorePatterns regex. */
function globToPattern(glob) {
  return glob
    .replace('<rootDir>/', '/')
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\/\*\*\//g, '/(.*/)?')
    .replace(/\*/g, '[^/]*');
}
