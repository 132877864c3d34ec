// Connection concerns over real HTTP(S): auth, CA file, timeout, HTTP errors, coordinators down.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ImpalaLoadReader } from '../../../src/activities/impala/load-reader';
import type { CoordinatorSpec } from '../../../src/policy/types';
import { deadUrl, FIXTURES, serveFixture, type FixtureServer } from './support/fixture-server';

const servers: FixtureServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function serve(...args: Parameters<typeof serveFixture>): Promise<FixtureServer> {
  const s = await serveFixture(...args);
  servers.push(s);
  return s;
}
const target = (coordinators: CoordinatorSpec[]) => ({ coordinators, groupSet: 'root.default', executorsPerGroup: 2 });
const tmp = mkdtempSync(path.join(tmpdir(), 'impala-reader-'));

describe('ImpalaLoadReader over HTTP', () => {
  test('basic auth with the password from a file (trailing newline dropped)', async () => {
    const s = await serve('queued', { basicAuth: 'autoscaler:s3cret' });
    const file = path.join(tmp, 'password');
    writeFileSync(file, 's3cret\n');
    const r = await new ImpalaLoadReader().readDetailed(
      target([{ url: s.url, user: 'autoscaler', passwordFile: file }]),
    );
    expect(r.ok).toBe(true);
    expect(s.requests.map((q) => q.authorization)).toEqual(
      Array(3).fill(`Basic ${Buffer.from('autoscaler:s3cret').toString('base64')}`),
    );
  });

  test('basic auth with the password from an env var; a wrong one is load unknown with a hint', async () => {
    const s = await serve('queued', { basicAuth: 'autoscaler:s3cret' });
    const ok = await new ImpalaLoadReader({ env: { IMPALA_PW: 's3cret' } }).readDetailed(
      target([{ url: s.url, user: 'autoscaler', passwordEnv: 'IMPALA_PW' }]),
    );
    expect(ok.ok).toBe(true);
    const bad = await new ImpalaLoadReader({ env: { IMPALA_PW: 'nope' } }).readDetailed(
      target([{ url: s.url, user: 'autoscaler', passwordEnv: 'IMPALA_PW' }]),
    );
    expect(bad).toMatchObject({
      ok: false,
      reason: expect.stringContaining(`${s.url}/admission?json: HTTP 401 — check the coordinator's user and password`),
    });
  });

  test('a missing password source is load unknown naming it', async () => {
    const s = await serve('idle');
    const r1 = await new ImpalaLoadReader({ env: {} }).readDetailed(
      target([{ url: s.url, user: 'u', passwordEnv: 'NOPE' }]),
    );
    expect(r1).toMatchObject({
      ok: false,
      reason: `load unknown: coordinator ${s.url}: environment variable NOPE (the password for user u) is not set`,
    });
    const r2 = await new ImpalaLoadReader().readDetailed(
      target([{ url: s.url, user: 'u', passwordFile: path.join(tmp, 'absent') }]),
    );
    expect(r2).toMatchObject({
      ok: false,
      reason: expect.stringContaining(`cannot read password file ${path.join(tmp, 'absent')}`),
    });
  });

  test('HTTPS with a CA file; without it the certificate is refused', async () => {
    const tls = {
      cert: readFileSync(path.join(FIXTURES, 'tls', 'server.pem')),
      key: readFileSync(path.join(FIXTURES, 'tls', 'server-key.pem')),
    };
    const s = await serve('queued', { tls });
    const ok = await new ImpalaLoadReader().readDetailed(
      target([{ url: s.url, caFile: path.join(FIXTURES, 'tls', 'ca.pem') }]),
    );
    expect(ok).toMatchObject({ ok: true, view: { load: { queued: 3 } } });
    const bad = await new ImpalaLoadReader().readDetailed(target([{ url: s.url }]));
    expect(bad).toMatchObject({
      ok: false,
      reason: expect.stringMatching(
        /no coordinator answered: .*\/admission\?json: .*(certificate|SELF_SIGNED|UNABLE_TO_VERIFY)/i,
      ),
    });
  });

  test('slower than the timeout: load unknown, saying so, in about the timeout', async () => {
    const s = await serve('queued', { delayMs: 2000 });
    const t0 = Date.now();
    const r = await new ImpalaLoadReader({ timeoutMs: 200 }).readDetailed(target([{ url: s.url }]));
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(r).toMatchObject({
      ok: false,
      reason: expect.stringContaining(`${s.url}/admission?json: no answer within 200 ms`),
    });
  });

  test('HTTP 500: load unknown with the status and the body', async () => {
    const s = await serve('queued', { status: 500 });
    const r = await new ImpalaLoadReader().readDetailed(target([{ url: s.url }]));
    expect(r).toMatchObject({
      ok: false,
      reason: expect.stringContaining(
        `${s.url}/admission?json: HTTP 500 Internal Server Error — body starts: "<html>Internal error</html>"`,
      ),
    });
  });

  test('connection refused: load unknown naming the URL', async () => {
    const url = await deadUrl();
    const r = await new ImpalaLoadReader().readDetailed(target([{ url }]));
    expect(r).toMatchObject({
      ok: false,
      reason: expect.stringContaining(`load unknown: no coordinator answered: ${url}/admission?json: ECONNREFUSED`),
    });
  });

  test('one of two coordinators down: a warning, the load comes from the other', async () => {
    const url = await deadUrl();
    const s = await serve('queued');
    const r = await new ImpalaLoadReader().readDetailed(target([{ url }, { url: s.url }]));
    if (!r.ok) throw new Error(r.reason);
    expect(r.view.load.queued).toBe(3);
    expect(r.view.load.warnings).toEqual([
      expect.stringMatching(new RegExp(`^coordinator down, using the others: ${url}/admission\\?json: ECONNREFUSED`)),
    ]);
    expect(r.coordinators).toEqual([
      { url, ok: false, error: expect.stringContaining('ECONNREFUSED') },
      { url: s.url, ok: true },
    ]);
  });

  test('one coordinator answering garbage makes the load unknown even when the other is fine', async () => {
    const good = await serve('queued');
    const bad = await serve('truncated');
    const r = await new ImpalaLoadReader().readDetailed(target([{ url: good.url }, { url: bad.url }]));
    expect(r).toMatchObject({
      ok: false,
      reason: expect.stringContaining(`${bad.url}/admission?json: malformed JSON`),
    });
  });

  test('configuration mistakes are reported, not thrown', async () => {
    expect(await new ImpalaLoadReader().readDetailed(target([]))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('lists no coordinators'),
    });
    expect(await new ImpalaLoadReader().readDetailed(target([{ url: 'coordinator-0:25000' }]))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('only http and https URLs are supported'),
    });
    expect(() => new ImpalaLoadReader({ timeoutMs: 0 })).toThrow(
      'timeoutMs must be a positive number of milliseconds (got 0)',
    );
  });
});
