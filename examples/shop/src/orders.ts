// The order service: places orders after reserving stock in inventory.
import { randomUUID } from 'node:crypto';
import { createService } from '@holdfast/service';
import { portFrom, urlFrom } from './ports.ts';

const inventoryUrl = urlFrom('INVENTORY_URL', 'http://127.0.0.1:3002');
const service = createService({ name: 'orders', port: portFrom('ORDERS_PORT', 3001), host: process.env.HOST ?? '127.0.0.1' });
const { app } = service;

interface Order {
  id: string;
  sku: string;
  qty: number;
  createdAt: string;
}
const orders = new Map<string, Order>();

async function inventory(path: string, init: RequestInit = {}, requestId?: string): Promise<{ status: number; body: Record<string, unknown> }> {
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

// Stock as orders sees it: a read through to inventory (issue 6 puts a stale-if-error cache here).
app.get('/orders/stock/:sku', async (req, reply) => {
  const { sku } = req.params as { sku: string };
  const r = await inventory(`/inventory/${encodeURIComponent(sku)}`, {}, req.id);
  return reply.code(r.status).send(r.body);
});

app.post(
  '/orders',
  { schema: { body: { type: 'object', required: ['sku', 'qty'], additionalProperties: false, properties: { sku: { type: 'string', pattern: '^[a-z0-9-]{1,40}$' }, qty: { type: 'integer', minimum: 1, maximum: 1000 } } } } },
  async (req, reply) => {
    const { sku, qty } = req.body as { sku: string; qty: number };
    let r: Awaited<ReturnType<typeof inventory>>;
    try {
      r = await inventory(`/inventory/${encodeURIComponent(sku)}/reserve`, { method: 'POST', body: JSON.stringify({ qty }) }, req.id);
    } catch (err) {
      req.log.warn({ err }, 'inventory unreachable');
      return reply.code(503).header('retry-after', '1').send({ error: 'inventory is unavailable, try again shortly', code: 'SHOP_E_INVENTORY_UNAVAILABLE' });
    }
    if (r.status >= 500) return reply.code(503).header('retry-after', '1').send({ error: 'inventory is unavailable, try again shortly', code: 'SHOP_E_INVENTORY_UNAVAILABLE' });
    if (r.status !== 200) return reply.code(r.status).send(r.body);
    const order: Order = { id: randomUUID(), sku, qty, createdAt: new Date().toISOString() };
    orders.set(order.id, order);
    return reply.code(201).send(order);
  },
);

await service.start();
