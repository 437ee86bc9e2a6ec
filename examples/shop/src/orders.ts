// The order service: places orders after reserving stock in inventory. Stock reads go through
// service.dependency('inventory'): timeout, retry budget, breaker, single-flight, and a
// stale-if-error cache (in memory, plus Redis when REDIS_URL is set), so with inventory down
// orders keeps answering stock from cache, marked `x-holdfast-cache: stale-if-error`.
import { randomUUID } from 'node:crypto';
import { createService } from '@holdfast/service';
import { protect } from './protect.ts';
import { adminFrom, portFrom, urlFrom } from './ports.ts';

const inventoryUrl = urlFrom('INVENTORY_URL', 'http://127.0.0.1:3002');
const service = createService({
  name: 'orders',
  port: portFrom('ORDERS_PORT', 3001),
  host: process.env.HOST ?? '127.0.0.1',
  ...adminFrom(),
});
const { app } = service;
await protect(service);
const ms = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);

/** Stock as inventory reports it; null for an unknown SKU (cached too: a 404 is an answer, not a failure). */
interface Stock {
  sku: string;
  available: number | null;
  /** Set on the fallback: inventory was unreachable and nothing was cached. */
  unknown?: true;
}

const stock = service.dependency<string, Stock | null>('inventory', {
  timeoutMs: ms('SHOP_STOCK_TIMEOUT_MS', 500),
  fetch: async (sku, { signal }) => {
    const res = await fetch(`${inventoryUrl}/inventory/${encodeURIComponent(sku)}`, { signal });
    if (res.status === 404) return null;
    if (!res.ok) throw new Error(`inventory answered ${res.status}`);
    return (await res.json()) as Stock;
  },
  cache: { freshMs: ms('SHOP_STOCK_FRESH_MS', 2000), maxStaleMs: ms('SHOP_STOCK_MAX_STALE_MS', 10 * 60_000) },
  retry: { attempts: 2, backoffMs: 25 },
  fallback: (sku) => ({ sku, available: null, unknown: true }),
});

interface Order {
  id: string;
  sku: string;
  qty: number;
  createdAt: string;
}
const orders = new Map<string, Order>();

/** A write to inventory (reservations are never cached or retried). */
async function inventory(
  path: string,
  init: RequestInit = {},
  requestId?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(inventoryUrl + path, {
    ...init,
    headers: { 'content-type': 'application/json', ...(requestId ? { 'x-request-id': requestId } : {}) },
    signal: AbortSignal.timeout(2000),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

app.get('/orders', async () => ({ orders: [...orders.values()] }));

app.get('/orders/:id', async (req, reply) => {
  const order = orders.get((req.params as { id: string }).id);
  if (!order) return reply.code(404).send({ error: 'no such order', code: 'SHOP_E_NO_ORDER' });
  return order;
});

const skuParams = { type: 'object', required: ['sku'], properties: { sku: { type: 'string', pattern: '^[a-z0-9-]{1,40}$' } } } as const;

// Stock as orders sees it, through the dependency: the headers say how it was served.
app.get('/orders/stock/:sku', { schema: { params: skuParams } }, async (req, reply) => {
  const { sku } = req.params as { sku: string };
  const r = await stock.get(sku);
  void reply.headers(r.headers);
  if (r.value === null) return reply.code(404).send({ error: `unknown sku '${sku}'`, code: 'SHOP_E_UNKNOWN_SKU' });
  return r.value;
});

app.post(
  '/orders',
  {
    schema: {
      body: {
        type: 'object',
        required: ['sku', 'qty'],
        additionalProperties: false,
        properties: { sku: { type: 'string', pattern: '^[a-z0-9-]{1,40}$' }, qty: { type: 'integer', minimum: 1, maximum: 1000 } },
      },
    },
  },
  async (req, reply) => {
    const { sku, qty } = req.body as { sku: string; qty: number };
    // Check stock first, from the cache when it is fresh: an order that cannot be met is
    // refused without a write to inventory. Unknown stock (fallback) lets the reservation decide.
    const known = await stock.get(sku);
    if (known.value === null) return reply.code(404).send({ error: `unknown sku '${sku}'`, code: 'SHOP_E_UNKNOWN_SKU' });
    if (known.value.available !== null && known.value.available < qty) {
      return reply
        .code(409)
        .headers(known.headers)
        .send({ error: `only ${known.value.available} '${sku}' left`, code: 'SHOP_E_OUT_OF_STOCK' });
    }
    let r: Awaited<ReturnType<typeof inventory>>;
    try {
      r = await inventory(`/inventory/${encodeURIComponent(sku)}/reserve`, { method: 'POST', body: JSON.stringify({ qty }) }, req.id);
    } catch (err) {
      req.log.warn({ err }, 'inventory unreachable');
      return reply
        .code(503)
        .header('retry-after', '1')
        .send({ error: 'inventory is unavailable, try again shortly', code: 'SHOP_E_INVENTORY_UNAVAILABLE' });
    }
    if (r.status >= 500)
      return reply
        .code(503)
        .header('retry-after', '1')
        .send({ error: 'inventory is unavailable, try again shortly', code: 'SHOP_E_INVENTORY_UNAVAILABLE' });
    if (r.status !== 200) return reply.code(r.status).send(r.body);
    // The reservation changed the stock: the next read asks inventory.
    await stock.invalidate(sku);
    const order: Order = { id: randomUUID(), sku, qty, createdAt: new Date().toISOString() };
    orders.set(order.id, order);
    return reply.code(201).send(order);
  },
);

await service.start();
