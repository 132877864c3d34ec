// `npm run lint`: the architecture's rules that the compiler cannot see (docs/design.md, "Shape of the code"), and
// promises nobody awaits. Imports flow one way — policy ← workflows ← worker/client — and workflow code, which the
// Temporal SDK replays in a sandbox, may not reach Node's built-ins or any activity's implementation.
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = [
  'node:*',
  'fs',
  'fs/*',
  'path',
  'os',
  'child_process',
  'http',
  'https',
  'net',
  'crypto',
  'util',
  'stream',
  'events',
  'timers',
  'worker_threads',
  'process',
];

/** `no-restricted-imports` patterns, each with the reason a reader is shown. */
const banned = (groups) => ({ patterns: groups.map(([group, message]) => ({ group, message })) });

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'test/artifacts/**', '.demo/**', 'bin/**', '**/*.js', '**/*.mjs'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  {
    files: ['src/policy/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\./)',
              message: 'src/policy is the pure core: it imports only other files of src/policy (no package, no I/O).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: NODE_BUILTINS.filter((m) => !m.includes('*')).map((name) => ({
            name,
            message: 'Workflow code runs in the Temporal sandbox and replays: no Node built-ins.',
          })),
          ...banned([
            [['node:*'], 'Workflow code runs in the Temporal sandbox and replays: no Node built-ins.'],
            [
              [
                '../client/*',
                '../client',
                '../worker',
                '../sim/*',
                '../whatif/*',
                '../demo/*',
                '../devenv/*',
                '../observability/*',
              ],
              'Workflows import only the policy, the config types and activity types.',
            ],
            [
              [
                '@temporalio/worker',
                '@temporalio/client',
                '@temporalio/activity',
                '@temporalio/testing',
                '@kubernetes/*',
                'pino*',
                'prom-client',
                'zod',
              ],
              'Workflow code runs in the Temporal sandbox: only @temporalio/workflow and @temporalio/common.',
            ],
          ]),
        },
      ],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../activities', '../activities/*'],
              allowTypeImports: true,
              message: 'Workflows import activities only as types (they run on the worker).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/client/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '/workflows(/warehouse|/index)?$',
              allowTypeImports: true,
              message:
                "The command line imports messages from src/workflows/messages.ts: the workflow's own module would load workflow code into the CLI.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/activities/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        banned([
          [
            ['**/sim/*', '**/sim', '**/whatif/*', '**/demo/*', '**/devenv/*', '**/workflows/*', '**/client/*'],
            'Activities are adapters to Impala and Kubernetes: they never import the simulator, what-if, demo, development environments, workflows or the client.',
          ],
        ]),
      ],
    },
  },
);
