// Two tiers (docs/testing.md): `unit` needs no server and no built tool (`npm run test:unit`, seconds of CPU);
// `servers` runs against real ones — the Temporal dev server, the local Kubernetes control plane, Chromium — that
// `npm test` builds or reuses first. `npm test` runs both.
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
  'test/impala/**/*.test.ts',
  'test/sim/**/*.test.ts',
  'test/bad-input/specs.test.ts',
  'test/kubernetes/template.test.ts',
].map((glob) => `<rootDir>/${glob}`);

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 120000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: UNIT },
    {
      ...shared,
      displayName: 'servers',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...UNIT.map(globToPattern)],
    },
  ],
};

/** A UNIT glob as a testPathIgnorePatterns regex. */
function globToPattern(glob) {
  return glob
    .replace('<rootDir>/', '/')
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\/\*\*\//g, '/(.*/)?')
    .replace(/\*/g, '[^/]*');
}
