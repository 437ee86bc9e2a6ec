// An ioredis client configured so Redis can never become the outage:
// - no offline queue: while disconnected a command fails at once instead of waiting in a queue
//   for a reconnect that may take minutes (the hang of ioredis#285);
// - a short command timeout: a Redis that accepts the connection but does not answer (paused,
//   partitioned) costs one timeout, not a hung request;
// - at most one retry per command, and reconnection forever in the background with capped
//   backoff, so Redis coming back is picked up without restarting anything.
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { redact, type RedisTarget } from './url.ts';

export interface RedisClientOptions {
  target: RedisTarget;
  /** A command not answered within this is rejected (default 200 ms). */
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  /** Upper bound of the reconnect backoff. */
  maxReconnectDelayMs: number;
  logger: Logger;
}

export function createRedisClient(o: RedisClientOptions): Redis {
  const client = new Redis(o.target.url, {
    enableOfflineQueue: false,
    commandTimeout: o.commandTimeoutMs,
    connectTimeout: o.connectTimeoutMs,
    maxRetriesPerRequest: 1,
    autoResendUnfulfilledCommands: false,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(o.maxReconnectDelayMs, 50 * 2 ** Math.min(times, 8)),
    connectionName: 'holdfast',
  });
  // Without an 'error' listener an EventEmitter error crashes the process; with Redis down
  // ioredis emits one per reconnect attempt, so log state changes, not every attempt.
  let down = false;
  client.on('error', (err: Error) => {
    if (down) return;
    down = true;
    o.logger.warn(
      { err: { message: err.message }, redis: redact(o.target.url) },
      'redis unreachable: serving from the in-process cache, reconnecting in the background',
    );
  });
  client.on('ready', () => {
    if (down) o.logger.info({ redis: redact(o.target.url) }, 'redis reconnected: the shared cache is back in use');
    down = false;
  });
  return client;
}
