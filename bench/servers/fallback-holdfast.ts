// bench:fallback, holdfast side: GET /direct/:k calls the upstream on every request; GET /dep/:k
// reads through service.dependency() (memory + Redis, stale-if-error, fallback).
import { createService } from '@holdfast/service';

const env = process.env;
const upstream = env.UPSTREAM_URL!;
const service = createService({
  name: 'bench-fallback',
  port: 0,
  host: '127.0.0.1',
  logger: { level: 'warn', requests: false },
  redis: env.REDIS_URL ?? false,
  memory: { enabled: false, signal: false },
  handleSignals: true,
  shutdownDelayMs: 0,
});
const getJson = async (k: string, signal?: AbortSignal) => {
  const res = await fetch(`${upstream}/${k}`, { signal });
  if (!res.ok) throw new Error(`upstream ${res.status}`);
  return (await res.json()) as unknown;
};
const dep = service.dependency<string, unknown>('upstream', {
  timeoutMs: 500,
  fetch: (k, { signal }) => getJson(k, signal),
  cache: { freshMs: Number(env.FRESH_MS ?? 1000), maxStaleMs: Number(env.MAX_STALE_MS ?? 600_000) },
  fallback: { fallback: true },
});
service.app.get('/direct/:k', async (req, reply) => {
  try {
    return await getJson((req.params as { k: string }).k, AbortSignal.timeout(500));
  } catch {
    return reply.code(502).send({ error: 'upstream failed' });
  }
});
service.app.get('/dep/:k', async (req, reply) => {
  const r = await dep.get((req.params as { k: string }).k);
  return reply.headers(r.headers).send(r.value);
});
const { port } = await service.start();
console.log(`READY ${port}`);
