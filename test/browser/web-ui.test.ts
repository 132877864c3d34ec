// The Temporal Web UI, checked in a real headless browser: a dev server with its embedded UI (CLI 1.5.1, UI 2.42.1),
// a warehouse that scales up, drains, scales down and suspends, then Debian's Chromium driven by playwright-core
// (no browser download ever) opens the workflow list, finds the warehouse, opens it and reads its scaling history:
// the activity summaries in the Event History timeline, the "Events with Metadata" list, the current details and the
// search attributes. Screenshots go to test/artifacts/ (ignored by git).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { MIB } from '../../src/policy/capacity';
import { freePorts } from '../../src/util/ports';
import { SA_FROZEN, SA_GROUPS, SA_STATE, SA_TARGET, SA_WAREHOUSE } from '../../src/workflows/messages';
import { CHROMIUM, CHROMIUM_ARGS, requireChromium } from '../support/chromium';
import { SeedWorld } from '../support/seed-world';
import { eventually, REPO, temporalCliPath } from '../support/temporal';
import { Harness, InProcessExecutorGroups, reasonLines, testSpec } from '../support/warehouse-harness';

const ARTIFACTS = path.join(REPO, 'test/artifacts');
const UI_TIMEOUT_MS = 30000;

let env: TestWorkflowEnvironment | undefined;
let uiUrl: string;

beforeAll(async () => {
  requireChromium();
  const [port, uiPort] = await freePorts(2);
  env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      ip: '127.0.0.1',
      port,
      ui: true,
      uiPort,
      searchAttributes: [SA_WAREHOUSE, SA_STATE, SA_GROUPS, SA_TARGET, SA_FROZEN],
    },
  });
  uiUrl = `http://127.0.0.1:${uiPort}`;
}, 120000);

afterAll(async () => {
  await env?.teardown();
});

test('the Web UI lists the warehouse and shows its scaling history: activity summaries, current details, search attributes', async () => {
  const spec = testSpec({ name: 'webui' });
  const groups = new InProcessExecutorGroups({ readyAfterMs: 1000, drainMs: 300 });
  groups.preexisting(spec.name, [0]);
  const world = new SeedWorld(groups, 10 * 1024 * MIB);
  const h = new Harness(env!, groups, (s) => world.read(s));
  await h.startWorker();
  world.submit(4, 3000);
  const handle = await h.start(spec);
  let browser: BrowserContext | undefined;
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'impala-autoscaler-chromium-'));
  const t0 = Date.now();
  const marks: string[] = [];
  const mark = (what: string) => marks.push(`${what} ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  try {
    // Up to 3 groups, drained, back down and suspended: the whole story is in the history when the browser looks.
    await eventually(
      'the warehouse to scale up, drain and suspend',
      async () => (await h.status(handle)).state.state === 'Suspended',
      60000,
    );
    expect(reasonLines(await h.status(handle))).toContain('Adding new executor group: impala-executor-001');
    const workflowId = handle.workflowId;
    expect(workflowId).toBe('warehouse-webui');

    mark('suspended');
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1600, height: 1300 },
      timezoneId: 'UTC',
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(UI_TIMEOUT_MS);

    mark('browser');
    // 1. The workflow list: the warehouse is there, running; open it from its link.
    await page.goto(`${uiUrl}/namespaces/default/workflows`, { waitUntil: 'domcontentloaded' });
    const link = page.getByRole('link', { name: workflowId, exact: true }).first();
    await link.waitFor({ state: 'visible' });
    await shot(page, 'web-ui-workflows.png');
    const row = page.locator('tr', { has: link }).first();
    expect(await row.innerText()).toMatch(/Running[\s\S]*warehouseWorkflow/);
    await link.click();
    await page.waitForURL(new RegExp(`/namespaces/default/workflows/${workflowId}/[^/]+/history`));

    mark('list');
    // 2. Event History, oldest first and frozen (the live timeline re-renders while the worker ticks): the first
    //    scale-up's activity summary in the timeline, next to its activity type.
    await page.getByText(workflowId, { exact: true }).first().waitFor({ state: 'visible' });
    await page.getByRole('button', { name: /Freeze/ }).click();
    await page.getByRole('button', { name: /Descending/ }).click();
    await page.getByRole('button', { name: /Ascending/ }).waitFor({ state: 'visible' });
    const summary = page.getByText('add executor group impala-executor-001').first();
    await summary.waitFor({ state: 'visible' });
    await summary.scrollIntoViewIfNeeded();
    const historyText = await page.locator('body').innerText();
    expect(historyText).toContain('addExecutorGroup • add executor group impala-executor-001');
    expect(historyText).toContain('addExecutorGroup • add executor group impala-executor-002');
    await shot(page, 'web-ui-history.png');

    mark('history');
    // 3. User Metadata: every scaling action by its summary, and the workflow's current details (markdown).
    await page
      .getByRole('tab', { name: /User Metadata/ })
      .first()
      .click();
    await page.getByText('Events with Metadata').waitFor({ state: 'visible' });
    await page.getByText('Current Details').waitFor({ state: 'visible' });
    await page.getByText('remove executor group impala-executor-000').first().waitFor({ state: 'visible' });
    const metadataText = await page.locator('body').innerText();
    for (const action of [
      'add executor group impala-executor-001',
      'add executor group impala-executor-002',
      'remove executor group impala-executor-001',
      'remove executor group impala-executor-002',
      'remove executor group impala-executor-000',
    ]) {
      expect(metadataText).toContain(action);
    }
    // The UI renders the markdown in a sandboxed frame of its own (/render?content=…).
    const details = page.frameLocator('iframe[title="output"]').locator('body');
    await details.getByText('Suspended').first().waitFor({ state: 'visible' });
    const detailsText = await details.innerText();
    expect(detailsText).toMatch(/webui\s*\(impala\)\s*—\s*Suspended/);
    expect(detailsText).toMatch(/executor groups\s+target\s+load\s+mode\s+nodes/);
    expect(detailsText).toMatch(/0\s+0\s+0 queued, 0 running\s+conservative\s+2–6 × 2\/group/);
    await shot(page, 'web-ui-user-metadata.png');

    mark('metadata');
    // 4. Search Attributes: what `warehouse list` reads, as the server indexed it.
    await page
      .getByRole('tab', { name: /Search Attributes/ })
      .first()
      .click();
    await page.getByText('"ImpalaWarehouseState"').first().waitFor({ state: 'visible' });
    const attributesText = await page.locator('body').innerText();
    expect(attributesText).toContain('"ImpalaWarehouse": "webui"');
    expect(attributesText).toContain('"ImpalaWarehouseState": "Suspended"');
    expect(attributesText).toContain('"ImpalaExecutorGroups": 0');
    expect(attributesText).toContain('"ImpalaTargetExecutorGroups": 0');
    await shot(page, 'web-ui-search-attributes.png');

    mark('attributes');
    // 5. The list filtered by a search attribute, as an operator would look for one warehouse.
    await page.goto(
      `${uiUrl}/namespaces/default/workflows?query=${encodeURIComponent('ImpalaWarehouseState="Suspended"')}`,
      { waitUntil: 'domcontentloaded' },
    );
    await page.getByRole('link', { name: workflowId, exact: true }).first().waitFor({ state: 'visible' });
    mark('done');
    console.log(`web-ui: steps done at ${marks.join(', ')}`);
  } catch (err) {
    console.error(`web-ui: steps done at ${marks.join(', ')}`);
    // What the page showed when a check failed, for whoever reads the CI log.
    const page = browser?.pages()[0];
    if (page)
      await page.screenshot({ path: path.join(ARTIFACTS, 'web-ui-failure.png') }).then(
        () =>
          console.error(`web-ui: the page at failure: ${path.join(ARTIFACTS, 'web-ui-failure.png')} (${page.url()})`),
        () => undefined,
      );
    throw err;
  } finally {
    await browser?.close().catch(() => undefined);
    fs.rmSync(userDataDir, { recursive: true, force: true });
    await h.close([handle]);
  }
}, 150000);

async function shot(page: Page, name: string): Promise<void> {
  const file = path.join(ARTIFACTS, name);
  await page.screenshot({ path: file });
  expect(fs.statSync(file).size).toBeGreaterThan(10000);
}
