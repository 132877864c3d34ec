// A tiny HTTP proxy that requires basic auth in front of the coordinator simulator (which has none): 401 without the
// right `Authorization: Basic user:password`, else the simulator's answer. Counts both, so a test knows the password
// was really used.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AuthProxy {
  url: string;
  authorized: number;
  refused: number;
  close(): Promise<void>;
}

export async function startAuthProxy(upstream: string, user: string, password: string): Promise<AuthProxy> {
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const target = new URL(upstream);
  const proxy: AuthProxy = { url: '', authorized: 0, refused: 0, close: async () => undefined };
  const server = http.createServer((req, res) => {
    if (req.headers.authorization !== expected) {
      proxy.refused += 1;
      res.writeHead(401, { 'www-authenticate': 'Basic realm="impala"', 'content-type': 'text/plain' });
      res.end('401 Unauthorized\n');
      return;
    }
    proxy.authorized += 1;
    const { authorization: _drop, ...headers } = req.headers;
    const up = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        headers: { ...headers, host: target.host },
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', (err) => {
      res.writeHead(502);
      res.end(err.message);
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () => new Promise((r) => server.close(() => r()));
  return proxy;
}
