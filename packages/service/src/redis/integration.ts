// Redis inside a service: one fail-fast client, a health check of kind 'degraded' (Redis down
// marks the service DEGRADED and keeps it in rotation: it is a shared dependency, and taking
// every instance out because the cache is down would turn a cache outage into a full outage),
// an up/down gauge, and a clean QUIT at shutdown.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import type { CheckFn, CheckOptions } from '../health/checks.ts';
import { createRedisClient } from './client.ts';
import type { ResolvedRedisOptions } from './options.ts';
import { RedisStore } from './store.ts';

export interface RedisIntegration {
  client: Redis;
  store: RedisStore;
}

export function installRedis(
  o: ResolvedRedisOptions,
  ctx: {
    logger: Logger;
    registry: Registry | undefined;
    register: (name: string, fn: CheckFn, options: CheckOptions) => void;
    onShutdown: (name: string, fn: () => Promise<void>, options: { timeoutMs: number }) => void;
  },
): RedisIntegration {
  const client = createRedisClient({ target: o.target, commandTimeoutMs: o.commandTimeoutMs, connectTimeoutMs: o.connectTimeoutMs, maxReconnectDelayMs: o.maxReconnectDelayMs, logger: ctx.logger });
  if (ctx.registry) {
    const up = new Gauge({ name: 'holdfast_redis_up', help: 'Whether the Redis connection is ready (1) or not (0)', registers: [ctx.registry] });
    (up as unknown as { collect: () => void }).collect = () => up.set(client.status === 'ready' ? 1 : 0);
  }
  ctx.register('redis', async () => {
    if (client.status !== 'ready') throw new Error(`redis connection is ${client.status}`);
    await client.ping();
  }, { kind: 'degraded', intervalMs: o.healthIntervalMs, timeoutMs: Math.max(o.commandTimeoutMs * 2, 100), fall: o.healthFall, rise: o.healthRise });
  ctx.onShutdown('redis', async () => {
    try {
      await client.quit();
    } catch {
      client.disconnect();
    }
  }, { timeoutMs: 1000 });
  return { client, store: new RedisStore(client, `${o.keyPrefix}dep:`) };
}
