// The `redis` option of createService (or REDIS_URL): where the shared cache level lives and how
// impatient the client is. Resolved at construction: a URL that does not parse is a startup error.
import { z } from 'zod';
import { parseRedisUrl, type RedisTarget } from './url.ts';

const ms = z.number().finite();

export const redisOptionsSchema = z.union([
  z.literal(false),
  z.string(),
  z.strictObject({
    url: z.string(),
    /** A command not answered within this fails (the cache then serves from memory). */
    commandTimeoutMs: ms.min(1).max(60_000).default(200),
    connectTimeoutMs: ms.min(1).max(60_000).default(1000),
    maxReconnectDelayMs: ms.min(10).max(600_000).default(2000),
    keyPrefix: z.string().default('holdfast:'),
    /** The Redis health check (kind 'degraded': failing marks the service DEGRADED, still ready). */
    healthIntervalMs: ms.min(10).default(1000),
    healthFall: z.number().int().min(1).default(2),
    healthRise: z.number().int().min(1).default(1),
  }),
]);

export const redisOptionsShape = {
  /** Redis for the shared cache level: a URL, an object, or false. Default: REDIS_URL when set. */
  redis: redisOptionsSchema.optional(),
};

export interface ResolvedRedisOptions {
  target: RedisTarget;
  /** Configured by REDIS_URL rather than the option. */
  fromEnv: boolean;
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  maxReconnectDelayMs: number;
  keyPrefix: string;
  healthIntervalMs: number;
  healthFall: number;
  healthRise: number;
}

/** The option wins over REDIS_URL; `false` turns Redis off even when REDIS_URL is set. */
export function resolveRedisOptions(
  input: z.output<typeof redisOptionsSchema> | undefined,
  env: NodeJS.ProcessEnv,
): ResolvedRedisOptions | false {
  if (input === false) return false;
  const defaults = redisOptionsSchema.options[2].parse({ url: 'x' });
  if (input === undefined) {
    if (!env.REDIS_URL) return false;
    return { ...defaults, fromEnv: true, target: parseRedisUrl(env.REDIS_URL, 'redis (from the REDIS_URL environment variable)') };
  }
  if (typeof input === 'string') return { ...defaults, fromEnv: false, target: parseRedisUrl(input, 'redis') };
  const { url, ...rest } = input;
  return { ...rest, fromEnv: false, target: parseRedisUrl(url, 'redis.url') };
}
