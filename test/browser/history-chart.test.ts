/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// `warehouse history NAME --chart FILE.svg` on a real run: a warehouse on a dev server scales up for a queue, back
// down and suspends, continuing as new every few ticks; the command line reads the workflow histories across the runs
// and draws them. The figure is opened in headless Chromium: it renders, each series is drawn in its colour, and read
// back through the chart's axes its steps are exactly the ticks the workflow observed. `--since` drops the earlier ticks.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { chromium } from 'playwright-core';
import { readWarehouseTimeline, samplesOf, timelinePoints, type TickSample } from '../../src/client/history-timeline';
import { cli } from '../client/support';
import { CHROMIUM, CHROMIUM_ARGS, requireChromium } from '../support/chromium';
import { eventually, REPO, useTemporalServer } from '../support/temporal';
import { Harness, InProcessExecutorGroups, testSpec, knownLoad } from '../support/warehouse-harness';

const env = useTemporalServer();
const ARTIFACTS = path.join(REPO, 'test/artifacts');

type Seen = Pick<TickSample, 'queued' | 'running' | 'groups'>;

/** Consecutive repeats dropped: the levels a step line passes through. */
const steps = (values: number[]) => values.filter((v, i) => i === 0 || v !== values[i - 1]);

test("a recorded history's observations are read as ticks: load and groups, in order", () => {
  const history = historyFromJSON(
    JSON.parse(fs.readFileSync(path.join(REPO, 'test/fixtures/histories/release-3-seed-scenario.json'), 'utf8')),
  );
  const samples = samplesOf(history);
  // The seed scenario: 4 large queries at one group (1 running, 3 queued), groups added, the queue drained.
  expect(samples[0]).toMatchObject({ queued: 3, running: 1, groups: 1, ready: 1, prewarmed: 0 });
  expect(Math.max(...samples.map((s) => s.groups))).toBe(3);
  expect(samples.at(-1)).toMatchObject({ queued: 0 });
  expect(samples.every((s, i) => i === 0 || s.atMs >= samples[i - 1].atMs)).toBe(true);
  expect(samplesOf(history, samples[2].atMs + 1)).toEqual(samples.slice(3));
});

test('a long history is bucketed to at most 1000 points, each the maxima of its bucket', () => {
  // Ten ticks a bucket: each bucket's running peaks at 6.
  const samples: TickSample[] = Array.from({ length: 10_000 }, (_, i) => ({
    atMs: 1_000_000 + i * 20_000,
    queued: i === 5001 ? 40 : 0,
    running: i % 7,
    groups: i < 5000 ? 1 : 2,
    ready: 1,
    prewarmed: i === 8000 ? 1 : 0,
  }));
  const points = timelinePoints(samples);
  expect(points.length).toBeLessThanOrEqual(1000);
  expect(Math.max(...points.map((p) => p.queued))).toBe(40);
  expect(points.reduce((n, p) => n + p.prewarmed, 0)).toBe(1);
  expect(steps(points.map((p) => p.groups))).toEqual([1, 2]);
  expect(points.every((p) => p.running === 6)).toBe(true);
});

test('warehouse history --chart draws the ticks of every run, as the workflow observed them; --since bounds it', async () => {
  requireChromium();
  // Auto-suspend after 4 s, once the queue is gone. The queue is there from the first tick: a first tick that came
  // 4 s after the start (a loaded machine: the run's validation and template capture come first) suspended at once.
  const spec = testSpec({ name: 'chart', autoSuspend: { enabled: true, timeoutSeconds: 4 } });
  const groups = new InProcessExecutorGroups({ readyAfterMs: 0, drainMs: 0 });
  groups.preexisting(spec.name, [0]);
  let burst = true;
  const seen: Seen[] = [];
  const h = new Harness(env(), groups, async (s) => {
    const live = (await groups.list(s)).groups.filter((g) => !g.deleting).length;
    const load = { queued: burst ? 30 : 0, running: burst ? 12 : 0 };
    seen.push({ ...load, groups: live });
    return knownLoad({ ...load, healthyGroups: live });
  });
  await h.startWorker();
  const handle = await h.start(spec, { continueAsNewAfterTicks: 5 });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'history-chart-'));
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    await eventually('three groups', () => seen.some((s) => s.groups === 3), 60_000, 100);
    burst = false;
    // Scaled back down and suspended; then two more ticks, so that the tick that saw no group left is in the history.
    await eventually(
      'two ticks after the suspend',
      () => {
        const zero = seen.findIndex((s, i) => s.groups === 0 && seen.slice(0, i).some((p) => p.groups === 3));
        return zero >= 0 && zero < seen.length - 2;
      },
      60_000,
      100,
    );
    await h.stopWorker();

    const connect = { TEMPORAL_ADDRESS: env().address, TEMPORAL_NAMESPACE: 'default' };
    const file = path.join(tmp, 'chart.svg');
    const r = await cli(['warehouse', 'history', spec.name, '--chart', file, '--json'], connect);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const drawn = JSON.parse(r.stdout) as { ticks: number; runs: number; from: string; to: string };
    // Every tick observed is drawn, from every run (an observation the stopped worker made but did not record may
    // be missing at the very end).
    expect(drawn.runs).toBeGreaterThanOrEqual(Math.floor((seen.length - 1) / 5));
    expect(drawn.runs).toBeGreaterThanOrEqual(3);
    expect(drawn.ticks).toBeGreaterThanOrEqual(seen.length - 1);
    expect(drawn.ticks).toBeLessThanOrEqual(seen.length);
    const drawnSeen = seen.slice(0, drawn.ticks);
    const svg = fs.readFileSync(file, 'utf8');
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.copyFileSync(file, path.join(ARTIFACTS, 'history-chart.svg'));

    const page = await browser.newPage({ viewport: { width: 1000, height: 400 } });
    await page.setContent(`<html><body style="margin:0">${svg}</body></html>`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'history-chart.png') });
    const figure = await page.evaluate(async (source) => {
      const svgEl = document.querySelector('svg')!;
      const series = Object.fromEntries(
        [...svgEl.querySelectorAll('polyline[data-series]')].map((p) => [
          p.getAttribute('data-series')!,
          p
            .getAttribute('points')!
            .split(' ')
            .map((xy: string) => Number(xy.split(',')[1])),
        ]),
      );
      // The figure as pixels: how many are drawn in each series' colour.
      const img = new Image();
      img.src = `data:image/svg+xml;base64,${btoa(source)}`;
      await img.decode();
      const canvas = Object.assign(document.createElement('canvas'), { width: 960, height: 360 });
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const px = ctx.getImageData(0, 0, 960, 360).data;
      // By hue, as a 1 px line is anti-aliased into the white around it.
      const count = (is: (r: number, g: number, b: number) => boolean) => {
        let n = 0;
        for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 0 && is(px[i], px[i + 1], px[i + 2])) n++;
        return n;
      };
      const box = svgEl.getBoundingClientRect();
      return {
        series,
        size: [box.width, box.height],
        pixels: {
          groups: count((r, g, b) => r < 90 && g < 90 && b < 90),
          queued: count((r, g, b) => r > g + 50 && r > b + 50),
          running: count((r, g, b) => b > r + 25 && g > r + 15),
        },
        text: svgEl.textContent,
      };
    }, svg);
    expect(figure.size).toEqual([960, 360]);
    // Each series is drawn: a line of hundreds of pixels in its colour (the legend alone is 18 px).
    for (const [series, n] of Object.entries(figure.pixels))
      expect({ series, drawn: n > 200 }).toEqual({ series, drawn: true });
    expect(figure.text).toContain('time (UTC)');
    expect(figure.text).toContain(`warehouse chart, ${drawn.from.slice(0, 10)}`);

    // Read back through the axes (plot 36 px from the top, 284 px high; left axis up to the most queries, right axis
    // up to the most groups): the levels each line steps through are the observed ones.
    const maxQ = Math.max(...drawnSeen.map((s) => Math.max(s.queued, s.running)));
    const maxG = Math.max(...drawnSeen.map((s) => s.groups));
    const read = (ys: number[], max: number) => steps(ys.map((y) => Math.round(((320 - y) / 284) * max)));
    expect({
      groups: read(figure.series.groups, maxG),
      queued: read(figure.series.queued, maxQ),
      running: read(figure.series.running, maxQ),
    }).toEqual({
      groups: steps(drawnSeen.map((s) => s.groups)),
      queued: steps(drawnSeen.map((s) => s.queued)),
      running: steps(drawnSeen.map((s) => s.running)),
    });
    expect(steps(drawnSeen.map((s) => s.groups))).toEqual([1, 2, 3, 2, 1, 0]);

    // --since: only the ticks after the fourth last (the latest run may not have ticked yet).
    const { runId } = await handle.describe();
    const { samples } = await readWarehouseTimeline(env().client, handle.workflowId, runId);
    expect(samples.length).toBe(drawn.ticks);
    const cut = new Date(samples[samples.length - 4].atMs + 1).toISOString();
    const bounded = await cli(['warehouse', 'history', spec.name, '--chart', file, '--since', cut, '--json'], connect);
    expect({ code: bounded.code, stderr: bounded.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(bounded.stdout)).toMatchObject({ ticks: 3 });
    const nothing = await cli(
      ['warehouse', 'history', spec.name, '--chart', file, '--since', '2099-01-01T00:00:00Z'],
      connect,
    );
    expect(nothing.code).not.toBe(0);
    expect(nothing.stderr).toContain('warehouse chart has no tick with a known load since 2099-01-01T00:00:00.000Z');
  } finally {
    await browser.close();
    await h.close([handle]);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}, 300_000);
