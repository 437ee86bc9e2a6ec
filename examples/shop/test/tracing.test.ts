// One trace spans gateway -> orders -> inventory: the three services run with the tracing
// preload and export OTLP/HTTP JSON to a receiver in this test; W3C trace context carries the
// trace across the hops, and the log lines of each hop carry its ids.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { cleanup, waitFor } from '@holdfast/testkit';
import { startRedis } from './redis.ts';
import { startShop } from './start-shop.ts';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}
interface Collected extends OtlpSpan {
  service: string;
  scope: string;
}

async function startReceiver(t: Parameters<typeof cleanup>[0]): Promise<{ url: string; spans: Collected[] }> {
  const spans: Collected[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const doc = JSON.parse(body) as {
          resourceSpans: {
            resource: { attributes: { key: string; value: { stringValue?: string } }[] };
            scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[];
          }[];
        };
        for (const rs of doc.resourceSpans) {
          const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
          for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, service, scope: ss.scope.name });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup(t, () => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, spans };
}

const SERVER = 2;
const CLIENT = 3;

test(
  'one trace spans gateway -> orders (and its Redis lookup) -> inventory, exported over OTLP, with trace ids in ' + "every hop's logs",
  async (t) => {
    const receiver = await startReceiver(t);
    const redis = await startRedis(t);
    const shop = await startShop(
      t,
      { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100', REDIS_URL: redis.url },
      { tracing: true },
    );
    for (const c of Object.values(shop.children)) await c.waitForLine('"tracing":{"exporter"');

    const traceId = 'a3ce929d0e0e47364bf92f3577b34da6';
    const res = await fetch(`${shop.gateway}/api/stock/tea`, { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } });
    assert.equal(res.status, 200);
    const trace = () => receiver.spans.filter((s) => s.traceId === traceId);
    await waitFor(
      'spans of all three services',
      () =>
        new Set(
          trace()
            .filter((s) => s.kind === SERVER)
            .map((s) => s.service),
        ).size === 3,
      { timeoutMs: 10_000 },
    );

    const spans = trace();
    const server = (svc: string) =>
      spans.find((s) => s.service === svc && s.kind === SERVER && s.scope === '@opentelemetry/instrumentation-http')!;
    const client = (svc: string) =>
      spans.find((s) => s.service === svc && s.kind === CLIENT && s.scope === '@opentelemetry/instrumentation-undici')!;
    assert.equal(server('gateway').parentSpanId, 'b7ad6b7169203331', "the gateway continues the caller's trace");
    assert.ok(client('gateway'), "the gateway's fetch to orders is a client span");
    assert.equal(server('orders').parentSpanId, client('gateway').spanId, "orders continues the gateway's client span (W3C traceparent)");
    assert.equal(server('inventory').parentSpanId, client('orders').spanId, "inventory continues orders' client span");
    assert.ok(
      spans.some((s) => s.service === 'orders' && s.scope === '@fastify/otel'),
      'Fastify route spans are there too',
    );
    await waitFor(
      'the Redis lookup of the stock cache in the same trace',
      () => trace().some((s) => s.service === 'orders' && s.scope === '@opentelemetry/instrumentation-ioredis'),
      { timeoutMs: 5000 },
    );

    // Each hop's request log line carries the same trace id.
    for (const name of ['gateway', 'orders', 'inventory'] as const) {
      const line = await shop.children[name].waitForLine(traceId, 5000);
      assert.match(line, /"span_id":"[0-9a-f]{16}"/, `${name}: ${line}`);
    }
  },
);
