// The gateway: the shop's public entry, forwarding /api/* to the order and inventory services
// with the request id propagated.
import { createService, type FastifyReply } from '@holdfast/service';
import { protect } from './protect.ts';
import { adminFrom, portFrom, urlFrom } from './ports.ts';

const upstreams = {
  orders: urlFrom('ORDERS_URL', 'http://127.0.0.1:3001'),
  inventory: urlFrom('INVENTORY_URL', 'http://127.0.0.1:3002'),
};
const service = createService({
  name: 'gateway',
  port: portFrom('GATEWAY_PORT', 3000),
  host: process.env.HOST ?? '127.0.0.1',
  ...adminFrom(),
});
const { app } = service;
await protect(service);

app.get('/', async () => ({
  shop: 'holdfast demo shop',
  try: [
    'GET /api/inventory',
    'GET /api/inventory/tea',
    'GET /api/stock/tea (through orders, cached)',
    'POST /api/orders {"sku":"tea","qty":1}',
    'GET /api/orders',
  ],
}));

async function forward(target: string, req: { method: string; url: string; id: string; body?: unknown }, reply: FastifyReply) {
  try {
    const res = await fetch(target, {
      method: req.method,
      headers: { 'content-type': 'application/json', 'x-request-id': req.id },
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : JSON.stringify(req.body ?? {}),
      signal: AbortSignal.timeout(5000),
    });
    const text = await res.text();
    for (const h of ['retry-after', 'x-holdfast-cache', 'age']) {
      const v = res.headers.get(h);
      if (v) void reply.header(h, v);
    }
    return reply
      .code(res.status)
      .header('content-type', res.headers.get('content-type') ?? 'application/json')
      .send(text);
  } catch (err) {
    const timedOut = (err as Error).name === 'TimeoutError';
    return reply.code(timedOut ? 504 : 502).send({
      error: timedOut ? 'upstream timed out' : 'upstream unreachable',
      code: timedOut ? 'SHOP_E_UPSTREAM_TIMEOUT' : 'SHOP_E_UPSTREAM_DOWN',
    });
  }
}

app.get('/api/inventory', (req, reply) => forward(`${upstreams.inventory}/inventory`, req, reply));
app.get('/api/inventory/:sku', (req, reply) =>
  forward(`${upstreams.inventory}/inventory/${encodeURIComponent((req.params as { sku: string }).sku)}`, req, reply),
);
app.get('/api/stock/:sku', (req, reply) =>
  forward(`${upstreams.orders}/orders/stock/${encodeURIComponent((req.params as { sku: string }).sku)}`, req, reply),
);
app.get('/api/orders', (req, reply) => forward(`${upstreams.orders}/orders`, req, reply));
app.get('/api/orders/:id', (req, reply) =>
  forward(`${upstreams.orders}/orders/${encodeURIComponent((req.params as { id: string }).id)}`, req, reply),
);
app.post('/api/orders', (req, reply) => forward(`${upstreams.orders}/orders`, req, reply));

await service.start();
