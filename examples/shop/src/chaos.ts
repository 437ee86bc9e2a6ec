// The fault switch: POST /_chaos {latencyMs, errorRate, down} makes this service slow, flaky or
// down, so the demo and the tests can watch the rest of the shop cope. GET /_chaos shows it.
import type { FastifyInstance } from '@holdfast/service';

export interface Chaos {
  latencyMs: number;
  errorRate: number;
  down: boolean;
}

const chaosBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    latencyMs: { type: 'integer', minimum: 0, maximum: 60_000 },
    errorRate: { type: 'number', minimum: 0, maximum: 1 },
    down: { type: 'boolean' },
  },
} as const;

export function installChaos(app: FastifyInstance, exempt: (url: string) => boolean): Chaos {
  const chaos: Chaos = { latencyMs: 0, errorRate: 0, down: false };
  app.get('/_chaos', async () => chaos);
  app.post('/_chaos', { schema: { body: chaosBody } }, async (req) => {
    Object.assign(chaos, req.body as Partial<Chaos>);
    req.log.warn({ chaos }, 'chaos switch changed');
    return chaos;
  });
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.startsWith('/_chaos') || exempt(req.url)) return;
    if (chaos.down) return reply.code(503).header('retry-after', '1').send({ error: 'inventory is down (chaos switch)', code: 'SHOP_E_DOWN' });
    if (chaos.latencyMs > 0) await new Promise((r) => setTimeout(r, chaos.latencyMs));
    if (chaos.errorRate > 0 && Math.random() < chaos.errorRate) return reply.code(500).send({ error: 'injected failure (chaos switch)', code: 'SHOP_E_CHAOS' });
  });
  return chaos;
}
