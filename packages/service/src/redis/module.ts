// The `redis` module (the `redis` option, or REDIS_URL): one fail-fast client, a health check of
// kind 'degraded' (Redis down marks the service DEGRADED and keeps it in rotation: it is a shared
// dependency, and taking every instance out because the cache is down would turn a cache outage
// into a full outage), an up/down gauge, and a clean QUIT at shutdown. Without Redis configured
// its API is undefined.
import type { Redis } from 'ioredis';
import { Gauge } from 'prom-client';
import type { ServiceModule } from '../module.ts';
import { createRedisClient } from './client.ts';
import { RedisStore } from './store.ts';

export interface RedisIntegration {
  client: Redis;
  store: RedisStore;
}

export const redisModule: ServiceModule<'redis'> = {
  name: 'redis',
  dependencies: ['metrics', 'health'],
  install(ctx) {
    const o = ctx.options.redis;
    if (!o) return { api: undefined };
    const client = createRedisClient({
      target: o.target,
      commandTimeoutMs: o.commandTimeoutMs,
      connectTimeoutMs: o.connectTimeoutMs,
      maxReconnectDelayMs: o.maxReconnectDelayMs,
      logger: ctx.logger,
    });
    const registry = ctx.use('metrics').registry;
    if (registry) {
      new Gauge({
        name: 'holdfast_redis_up',
        help: 'Whether the Redis connection is ready (1) or not (0)',
        registers: [registry],
        collect() {
          this.set(client.status === 'ready' ? 1 : 0);
        },
      });
    }
    const checks = ctx.use('health').checks;
    checks.register(
      'redis',
      async () => {
        if (client.status !== 'ready') throw new Error(`redis connection is ${client.status}`);
        await client.ping();
      },
      {
        kind: 'degraded',
        intervalMs: o.healthIntervalMs,
        timeoutMs: Math.max(o.commandTimeoutMs * 2, 100),
        fall: o.healthFall,
        rise: o.healthRise,
      },
      `by holdfast, for ` +
        `the ${o.fromEnv ? 'REDIS_URL environment ' + 'variable' : 'redis option'}: it pings service.redis; ` +
        `name your own check differently, or set redis: false to manage Redis yourself`,
    );
    // Checks (this one, and the application's that use service.redis) wait for the first connect
    // attempt: run before it, they fail for nothing, warn, and delay READY by their rise count.
    checks.holdUntil(firstConnect(client), o.connectTimeoutMs + 1000);
    ctx.onShutdown(
      'redis',
      async () => {
        try {
          await client.quit();
        } catch {
          client.disconnect();
        }
      },
      { timeoutMs: 1000 },
    );
    return { api: { client, store: new RedisStore(client, `${o.keyPrefix}dep:`) } };
  },
};

/** Settles when the client is ready or its first connection attempt has failed. */
function firstConnect(client: Redis): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const settled = () => {
      client.off('ready', settled);
      client.off('error', settled);
      resolve();
    };
    client.on('ready', settled);
    client.on('error', settled);
  });
}
