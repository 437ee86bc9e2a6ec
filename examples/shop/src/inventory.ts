// The inventory service: stock per SKU, reservations, and the fault switch.
import { createService } from '@holdfast/service';
import { installChaos } from './chaos.ts';
import { protect } from './protect.ts';
import { adminFrom, portFrom } from './ports.ts';

const service = createService({
  name: 'inventory',
  port: portFrom('INVENTORY_PORT', 3002),
  host: process.env.HOST ?? '127.0.0.1',
  ...adminFrom(),
});
const { app } = service;
await protect(service, (req) => (req.params as { sku?: string }).sku);
const probes = new Set(Object.values(service.options.probes));
installChaos(app, (url) => probes.has(url.split('?')[0]!));

const stock = new Map<string, number>([
  ['tea', 120],
  ['coffee', 80],
  ['mug', 25],
  ['kettle', 5],
]);

const skuParams = { type: 'object', required: ['sku'], properties: { sku: { type: 'string', pattern: '^[a-z0-9-]{1,40}$' } } } as const;

app.get('/inventory', async () => ({ items: [...stock].map(([sku, available]) => ({ sku, available })) }));

app.get('/inventory/:sku', { schema: { params: skuParams } }, async (req, reply) => {
  const { sku } = req.params as { sku: string };
  const available = stock.get(sku);
  if (available === undefined) return reply.code(404).send({ error: `unknown sku '${sku}'`, code: 'SHOP_E_UNKNOWN_SKU' });
  return { sku, available };
});

app.post(
  '/inventory/:sku/reserve',
  {
    schema: {
      params: skuParams,
      body: {
        type: 'object',
        required: ['qty'],
        additionalProperties: false,
        properties: { qty: { type: 'integer', minimum: 1, maximum: 1000 } },
      },
    },
  },
  async (req, reply) => {
    const { sku } = req.params as { sku: string };
    const { qty } = req.body as { qty: number };
    const available = stock.get(sku);
    if (available === undefined) return reply.code(404).send({ error: `unknown sku '${sku}'`, code: 'SHOP_E_UNKNOWN_SKU' });
    if (available < qty) return reply.code(409).send({ error: `only ${available} '${sku}' left`, code: 'SHOP_E_OUT_OF_STOCK' });
    stock.set(sku, available - qty);
    return { sku, reserved: qty, available: available - qty };
  },
);

await service.start();
