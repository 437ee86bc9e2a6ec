// The fault switch: POST /_chaos {latencyMs, errorRate, down} makes this service slow, flaky or
// down, so the demo and the tests can watch the rest of the shop cope. GET /_chaos shows it.
// Anyone who reaches the port could take the service down with it, so it exists only when
// SHOP_CHAOS=1 (npm start sets it, in holdfast.yaml); otherwise /_chaos answers 403 and says how
// to turn it on.
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

const OFF = { error: 'the fault switch is off: start this service with SHOP_CHAOS=1 to use it (npm start does)', code: 'SHOP_E_CHAOS_OFF' };

/** Installs the switch when `enabled`; returns its state, or undefined when it is off. */
export function installChaos(
  app: FastifyInstance,
  exempt: (url: string) => boolean,
  enabled = process.env.SHOP_CHAOS === '1',
): Chaos | undefined {
  if (!enabled) {
    app.log.info('fault switch /_chaos is off (SHOP_CHAOS=1 turns it on)');
    app.all('/_chaos', async (_req, reply) => reply.code(403).send(OFF));
    return undefined;
  }
  app.log.warn('fault switch /_chaos is ON (SHOP_CHAOS=1): whoever reaches this port can make the service slow, flaky or down');
  const chaos: Chaos = { latencyMs: 0, errorRate: 0, down: false };
  app.get('/_chaos', async () => chaos);
  app.post('/_chaos', { schema: { body: chaosBody } }, async (req) => {
    Object.assign(chaos, req.body as Partial<Chaos>);
    req.log.warn({ chaos }, 'chaos switch changed');
    return chaos;
  });
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.startsWith('/_chaos') || exempt(req.url)) return;
    if (chaos.down)
      return reply.code(503).header('retry-after', '1').send({ error: 'inventory is down (chaos switch)', code: 'SHOP_E_DOWN' });
    if (chaos.latencyMs > 0) await new Promise((r) => setTimeout(r, chaos.latencyMs));
    if (chaos.errorRate > 0 && Math.random() < chaos.errorRate)
      return reply.code(500).send({ error: 'injected failure (chaos switch)', code: 'SHOP_E_CHAOS' });
  });
  return chaos;
}
