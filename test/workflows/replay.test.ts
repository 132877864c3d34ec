// Determinism guard: histories recorded from real runs (test/fixtures/histories, written by the workflow tests
// with RECORD_HISTORIES=1) must replay on the current workflow code. A change that breaks determinism fails here.
// `release-N-*` were recorded by the N-th release: runs like them are still running somewhere, so they must replay
// for as long as the workflow's RELEASE_N_PATCH gates exist (never re-record them). The unprefixed ones are the current release's, re-recorded when its decisions change.
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../support/temporal';

const dir = path.resolve(__dirname, '../fixtures/histories');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));

test('recorded histories are present', () => {
  expect(files.length).toBeGreaterThan(0);
});

test.each(files)(
  '%s replays without nondeterminism',
  async (file) => {
    const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
    const results = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, [
      { workflowId: file, history },
    ]))
      results.push(r);
    expect(results).toHaveLength(1);
    expect(results[0].error).toBeUndefined();
    expect(history.events?.length).toBeGreaterThan(5);
  },
  60000,
);
