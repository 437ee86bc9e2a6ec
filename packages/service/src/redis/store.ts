// The Redis level of the dependency cache. Every operation is bounded by the client's command
// timeout and fails fast while disconnected (no offline queue); the caller treats a failure as a
// miss, so the in-process level keeps serving.
import type { Redis } from 'ioredis';
import type { CacheEntry } from '../cache/entry.ts';

export interface RemoteStore {
  get<V>(key: string): Promise<CacheEntry<V> | undefined>;
  set<V>(key: string, entry: CacheEntry<V>, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
}

export class RedisStore implements RemoteStore {
  readonly #client: Redis;
  readonly #prefix: string;

  constructor(client: Redis, prefix: string) {
    this.#client = client;
    this.#prefix = prefix;
  }

  async get<V>(key: string): Promise<CacheEntry<V> | undefined> {
    const raw = await this.#client.get(this.#prefix + key);
    if (raw === null) return undefined;
    const parsed = JSON.parse(raw) as { v: V; t: number };
    // A foreign or corrupt value is a miss, never a crash.
    if (typeof parsed !== 'object' || parsed === null || typeof parsed.t !== 'number') return undefined;
    return { value: parsed.v, storedAt: parsed.t };
  }

  async set<V>(key: string, entry: CacheEntry<V>, ttlMs: number): Promise<void> {
    await this.#client.set(this.#prefix + key, JSON.stringify({ v: entry.value, t: entry.storedAt }), 'PX', Math.max(1, Math.ceil(ttlMs)));
  }

  async delete(key: string): Promise<void> {
    await this.#client.del(this.#prefix + key);
  }
}
