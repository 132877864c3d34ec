// Serves a fixture directory as a coordinator's debug pages over real HTTP(S): /admission?json → admission.json, and
// so on, byte for byte (a truncated fixture stays truncated). Knobs for the failure cases: delay, status, auth.
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export const FIXTURES = path.join(__dirname, '../../../fixtures/impala');

export interface FixtureServerOptions {
  delayMs?: number;
  status?: number;
  /** `user:password` required as basic auth. */
  basicAuth?: string;
  tls?: { cert: Buffer; key: Buffer };
}

export interface FixtureServer {
  url: string;
  requests: { path: string; authorization?: string }[];
  close(): Promise<void>;
}

const PAGES: Record<string, string> = {
  '/admission': 'admission.json',
  '/metrics': 'metrics.json',
  '/backends': 'backends.json',
};

export async function serveFixture(dir: string, opts: FixtureServerOptions = {}): Promise<FixtureServer> {
  const requests: FixtureServer['requests'] = [];
  const handler: http.RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push({ path: req.url ?? '', authorization: req.headers.authorization });
    const reply = (): void => {
      if (opts.basicAuth && req.headers.authorization !== `Basic ${Buffer.from(opts.basicAuth).toString('base64')}`) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="impala"' }).end('Authentication required');
        return;
      }
      const file = PAGES[url.pathname];
      // A page the fixture lacks is one the process does not serve (a coordinator behind an admission service).
      if (!file || !url.searchParams.has('json') || !existsSync(path.join(FIXTURES, dir, file))) {
        res.writeHead(404).end('not found');
        return;
      }
      if (opts.status && opts.status !== 200) {
        res.writeHead(opts.status).end('<html>Internal error</html>');
        return;
      }
      const body = readFileSync(path.join(FIXTURES, dir, file));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
    };
    if (opts.delayMs) setTimeout(reply, opts.delayMs).unref();
    else reply();
  };
  const server = opts.tls ? https.createServer({ ...opts.tls }, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A URL nothing listens on: bind a free port, then release it. */
export async function deadUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
