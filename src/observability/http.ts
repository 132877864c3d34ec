// The worker's HTTP endpoint for Kubernetes and Prometheus, on one port: /metrics (the one registry: ours and the
// Temporal SDK's), /healthz (the process answers: liveness) and /readyz (the worker runs and the Temporal server
// answers: readiness). Plain node:http — three routes need no framework.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface Readiness {
  ok: boolean;
  /** Why not ready (or what is fine): shown in the response body. */
  detail: string;
}

export interface ObservabilityServerOptions {
  registry: Registry;
  /** Called before each scrape: e.g. drain the SDK's metric buffer into the registry. */
  beforeScrape?: () => void;
  ready: () => Promise<Readiness>;
  host?: string;
  port: number;
}

export interface ObservabilityServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startObservabilityServer(o: ObservabilityServerOptions): Promise<ObservabilityServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'GET only\n');
    if (path === '/healthz') return send(200, 'ok\n');
    if (path === '/readyz') {
      o.ready().then(
        (r) => send(r.ok ? 200 : 503, `${r.ok ? 'ready' : 'not ready'}: ${r.detail}\n`),
        (err: unknown) => send(503, `not ready: ${(err as Error).message}\n`),
      );
      return;
    }
    if (path === '/metrics') {
      o.beforeScrape?.();
      o.registry.metrics().then(
        (text) => send(200, text, o.registry.contentType),
        (err: unknown) => send(500, `collecting metrics failed: ${(err as Error).message}\n`),
      );
      return;
    }
    send(404, 'not found: try /metrics, /healthz or /readyz\n');
  });
  const host = o.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `cannot listen for metrics on ${host}:${o.port}: ${err.code === 'EADDRINUSE' ? 'the port is in use' : err.message} (choose another with --metrics-port)`,
        ),
      ),
    );
    server.listen(o.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
