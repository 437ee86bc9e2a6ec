// Shared by the dependency tests: a real upstream HTTP server with a fault switch and a call
// counter, and a real service that reads it through service.dependency().
import { createServer } from 'node:http';
import type { TestContext } from 'node:test';
import { cleanup } from '@holdfast/testkit';
import { createService, type DependencyOptions, type Service, type ServiceOptions } from '../src/index.ts';

export interface Upstream {
  url: string;
  calls: number;
  /** down: answer 503; latencyMs: delay every answer. */
  fault: { down: boolean; latencyMs: number };
}

export async function startUpstream(t: Pick<TestContext, 'after'>): Promise<Upstream> {
  const up: Upstream = { url: '', calls: 0, fault: { down: false, latencyMs: 0 } };
  const server = createServer((req, res) => {
    up.calls++;
    const answer = () => {
      if (up.fault.down) {
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"down"}');
        return;
      }
      const sku = decodeURIComponent((req.url ?? '').split('/').pop() ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sku, available: 10, servedAt: Date.now() }));
    };
    if (up.fault.latencyMs > 0) setTimeout(answer, up.fault.latencyMs);
    else answer();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  up.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  cleanup(
    t,
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return up;
}

export interface Stock {
  sku: string;
  available: number;
  servedAt?: number;
  fallback?: boolean;
}

/** A service with GET /stock/:sku read through dependency('inventory'). */
export async function startReader(
  t: Pick<TestContext, 'after'>,
  up: Upstream,
  dep: Partial<DependencyOptions<string, Stock>>,
  options: ServiceOptions = {},
): Promise<Service> {
  const service = createService({
    port: 0,
    host: '127.0.0.1',
    handleSignals: false,
    handleProcessErrors: false,
    logger: { level: 'silent' },
    memory: { enabled: false, signal: false },
    ...options,
  });
  const stock = service.dependency<string, Stock>('inventory', {
    timeoutMs: 500,
    fetch: async (sku, { signal }) => {
      const res = await fetch(`${up.url}/stock/${encodeURIComponent(sku)}`, { signal });
      if (!res.ok) throw new Error(`inventory answered ${res.status}`);
      return (await res.json()) as Stock;
    },
    ...dep,
  });
  service.app.get('/stock/:sku', async (req, reply) => {
    const r = await stock.get((req.params as { sku: string }).sku);
    return reply.headers(r.headers).send(r.value);
  });
  cleanup(t, () => service.stop('test over'));
  await service.start();
  return service;
}

/** GET that never throws; returns status, marker header and body. */
export async function read(
  url: string,
): Promise<{ status: number; cache: string | null; age: string | null; body: Stock & { code?: string }; ms: number }> {
  const t0 = performance.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    return {
      status: res.status,
      cache: res.headers.get('x-holdfast-cache'),
      age: res.headers.get('age'),
      body: (await res.json()) as Stock,
      ms: performance.now() - t0,
    };
  } catch (err) {
    return {
      status: 0,
      cache: null,
      age: null,
      body: { sku: '', available: -1, code: (err as Error).message },
      ms: performance.now() - t0,
    };
  }
}

/** The value of one sample in Prometheus text, or 0 when absent. */
export function metric(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{')) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(' ').pop());
  }
  return 0;
}
