// `npm run lint` (eslint.config.mjs) must catch what the architecture forbids, or it passes only because nothing
// was checked: each probe below is a file the rules must reject (or accept), linted where such a file would live, in
// one run of the CLI (a type-aware run loads the whole program once: tens of seconds, so not in the unit tier).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '../..');

const PROBES: Record<string, { dir: string; code: string[] }> = {
  workflowFloatingPromiseBuiltinActivity: {
    dir: 'src/workflows',
    code: [
      "import { readFileSync } from 'node:fs';",
      "import { sleep } from '@temporalio/workflow';",
      "import { createActivities } from '../activities';",
      'export async function probe(): Promise<void> {',
      '  sleep(1000);',
      '  void readFileSync;',
      '  void createActivities;',
      '}',
    ],
  },
  workflowActivityTypes: {
    dir: 'src/workflows',
    code: ["import type { Activities } from '../activities';", 'export type Probe = Activities;'],
  },
  policyUpwardImport: {
    dir: 'src/policy',
    code: [
      "import type { Activities } from '../activities';",
      "import { groupName } from './names';",
      'export type Probe = Activities;',
      'export const probe = groupName;',
    ],
  },
  activitiesImportSimulator: {
    dir: 'src/activities',
    code: ["import type { Membership } from '../sim/membership';", 'export type Probe = Membership;'],
  },
};

let messages: Record<string, string[]>;

beforeAll(async () => {
  const files = Object.entries(PROBES).map(
    ([name, p]) => [name, path.join(ROOT, p.dir, `lint-probe-${name}-${process.pid}.ts`)] as const,
  );
  try {
    for (const [name, file] of files) fs.writeFileSync(file, PROBES[name].code.join('\n') + '\n');
    // The CLI, as `npm run lint` runs it (ESLint's API cannot load its ESM config inside Jest's module sandbox).
    const eslint = path.join(ROOT, 'node_modules/.bin/eslint');
    const run = promisify(execFile)(eslint, ['--format', 'json', ...files.map(([, f]) => f)], {
      cwd: ROOT,
      maxBuffer: 1 << 24,
    });
    const { stdout } = await run.catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '[]' }));
    const results = JSON.parse(stdout) as { filePath: string; messages: { ruleId: string; message: string }[] }[];
    messages = Object.fromEntries(
      files.map(([name, file]) => [
        name,
        (results.find((r) => r.filePath === file)?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`),
      ]),
    );
  } finally {
    for (const [, file] of files) fs.rmSync(file, { force: true });
  }
}, 300000);

test('workflow code: a floating promise, a Node built-in and an activity implementation are rejected', () => {
  expect(messages.workflowFloatingPromiseBuiltinActivity).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^no-restricted-imports: 'node:fs'.*no Node built-ins/),
      expect.stringMatching(/^@typescript-eslint\/no-restricted-imports: '\.\.\/activities'.*only as types/),
      expect.stringMatching(/^@typescript-eslint\/no-floating-promises: /),
    ]),
  );
});

test('workflow code may import activities as types', () => {
  expect(messages.workflowActivityTypes).toEqual([]);
});

test('the policy imports nothing outside src/policy', () => {
  expect(messages.policyUpwardImport).toEqual([
    expect.stringMatching(/^no-restricted-imports: '\.\.\/activities'.*pure core/),
  ]);
});

test('activities never import the simulator', () => {
  expect(messages.activitiesImportSimulator).toEqual([
    expect.stringMatching(/^no-restricted-imports: '\.\.\/sim\/membership'.*never import the simulator/),
  ]);
});
