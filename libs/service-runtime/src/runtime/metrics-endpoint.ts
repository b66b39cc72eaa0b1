import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/** A running `/metrics` HTTP endpoint. */
export interface MetricsEndpoint {
  readonly port: number;
  close(): Promise<void>;
}

/** Serves `registry` in the Prometheus text format at `GET /metrics` on `host:port` (0 picks a port). */
export async function startMetricsEndpoint(registry: Registry, port: number, host = '127.0.0.1'): Promise<MetricsEndpoint> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found; metrics are at GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
