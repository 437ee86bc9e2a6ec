// bench:fallback, the peer: the same service stack, with the read cached the way cache-manager 7
// documents it: a memory store in front of @keyv/redis, cache.wrap(key, fn, ttl). Its defaults
// are used as they are (plus, as a second configuration, its nonBlocking option): how it
// behaves when Redis or the upstream dies is what is measured.
import KeyvRedis from '@keyv/redis';
import { createCache } from 'cache-manager';
import { Keyv } from 'keyv';
import { createService } from '@holdfast/service';

const env = process.env;
const upstream = env.UPSTREAM_URL!;
const ttl = Number(env.FRESH_MS ?? 1000);
const redisStore = new Keyv({ store: new KeyvRedis(env.REDIS_URL!) });
// Logged-and-ignored store errors, as an application would: an unhandled 'error' event would
// crash the process, which is a different failure from the one measured.
redisStore.on('error', () => {});
// NON_BLOCKING=1: cache-manager's own answer to a slow store (reads race the stores, writes are
// not awaited), measured as a second peer configuration.
const cache = createCache({ stores: [new Keyv(), redisStore], nonBlocking: env.NON_BLOCKING === '1' });
const service = createService({
  name: 'bench-cache-manager',
  port: 0,
  host: '127.0.0.1',
  redis: false,
  logger: { level: 'warn', requests: false },
  memory: { enabled: false, signal: false },
  shutdownDelayMs: 0,
});
service.app.get('/dep/:k', async (req) => {
  const k = (req.params as { k: string }).k;
  return cache.wrap(
    k,
    async () => {
      const res = await fetch(`${upstream}/${k}`, { signal: AbortSignal.timeout(500) });
      if (!res.ok) throw new Error(`upstream ${res.status}`);
      return (await res.json()) as unknown;
    },
    ttl,
  );
});
const { port } = await service.start();
console.log(`READY ${port}`);
