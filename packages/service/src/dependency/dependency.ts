// A dependency read: fresh from memory, else from Redis, else from the upstream (one call per key
// however many callers wait: single-flight), and when the upstream fails the youngest cached value
// within maxStale (stale-if-error), then the fallback, then a typed error. Entries near the end of
// their freshness are refreshed in the background so hot keys rarely miss.
import type { Guard } from '@holdfast/guard';
import type { Logger } from 'pino';
import { ageOf, freshness, newest, type CacheEntry, type FreshnessPolicy } from '../cache/entry.ts';
import { Lru } from '../cache/lru.ts';
import { ServiceError, errorTable } from '../errors.ts';
import type { RemoteStore } from '../redis/store.ts';
import type { BoundMetrics, Served } from './metrics.ts';
import type { FetchFn, ResolvedDependencyOptions } from './options.ts';
import { RetryBudget } from './retry-budget.ts';
import { SingleFlight } from './single-flight.ts';
import { callUpstream, type UpstreamCaller } from './upstream-call.ts';

/** How a read was served; sent as the `x-holdfast-cache` response header. */
export type ServedBy = Exclude<Served, 'error'>;

export interface DependencyResult<V> {
  value: V;
  /**
   * fresh: a cached value within freshMs; miss: fetched from the upstream now; stale-if-error: the
   * upstream failed, a cached value within maxStale was served; fallback: the default value.
   */
  served: ServedBy;
  /** Age of the value in ms (0 for a miss or a fallback). */
  ageMs: number;
  /** Where a cached value came from. */
  source: 'memory' | 'redis' | 'upstream' | 'fallback';
  /** Why the upstream was not used (stale-if-error, fallback). */
  error?: unknown;
  /** Response headers that tell the client how this was served: x-holdfast-cache and, for cached values, Age. */
  headers: Record<string, string>;
}

export interface DependencyDeps {
  guard: Guard | undefined;
  remote: RemoteStore | undefined;
  metrics: BoundMetrics;
  logger: Logger;
  now?: () => number;
  random?: () => number;
}

/** The upstream failed and there was nothing to serve; answers 503 through the service's recovery handler. */
export class DependencyError extends ServiceError {
  readonly dependency: string;
  readonly statusCode = errorTable.HOLDFAST_E_DEPENDENCY.status;
  constructor(dependency: string, message: string, options?: ErrorOptions) {
    super('HOLDFAST_E_DEPENDENCY', message, undefined, options);
    this.name = 'DependencyError';
    this.dependency = dependency;
  }
}

function result<V>(value: V, served: ServedBy, ageMs: number, source: DependencyResult<V>['source'], error?: unknown): DependencyResult<V> {
  const headers: Record<string, string> = { 'x-holdfast-cache': served };
  if (served === 'fresh' || served === 'stale-if-error') headers.age = String(Math.floor(ageMs / 1000));
  return error === undefined ? { value, served, ageMs, source, headers } : { value, served, ageMs, source, error, headers };
}

export class Dependency<K, V> {
  readonly name: string;
  readonly options: ResolvedDependencyOptions;
  readonly #policy: FreshnessPolicy | undefined;
  /** Age (ms) from which a fresh hit triggers a background refresh; Infinity: never. */
  readonly #refreshFrom: number = Infinity;
  readonly #l1: Lru<CacheEntry<V>> | undefined;
  readonly #remote: RemoteStore | undefined;
  readonly #flight = new SingleFlight<DependencyResult<V>>();
  readonly #caller: UpstreamCaller<K, V>;
  readonly #metrics: BoundMetrics;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #keyOf: (key: K) => string;

  constructor(name: string, options: ResolvedDependencyOptions, deps: DependencyDeps) {
    this.name = name;
    this.options = options;
    this.#now = deps.now ?? Date.now;
    this.#metrics = deps.metrics;
    this.#logger = deps.logger;
    this.#keyOf = (options.key as ((k: K) => string) | undefined) ?? ((k: K) => String(k));
    const cache = options.cache;
    if (cache) {
      this.#policy = { freshMs: cache.freshMs, maxStaleMs: cache.maxStaleMs };
      if (cache.refreshAhead < 1) this.#refreshFrom = cache.freshMs * cache.refreshAhead;
      this.#l1 = new Lru(cache.maxEntries);
      this.#remote = cache.redis ? deps.remote : undefined;
    }
    const retry = options.retry;
    this.#caller = {
      name,
      fetch: options.fetch as FetchFn<K, V>,
      options,
      guard: deps.guard,
      resource: `dependency:${name}`,
      budget: retry ? new RetryBudget(retry.budget, this.#now()) : undefined,
      metrics: deps.metrics,
      now: this.#now,
      random: deps.random ?? Math.random,
    };
  }

  /** Entries held in memory. */
  get cachedEntries(): number {
    return this.#l1?.size ?? 0;
  }

  /** Reads `key`; rejects only when the upstream failed and there was neither a cached value nor a fallback. */
  async get(key: K): Promise<DependencyResult<V>> {
    const k = this.#keyOf(key);
    const policy = this.#policy;
    if (policy) {
      const local = this.#l1!.get(k);
      if (local) {
        const now = this.#now();
        const age = ageOf(local, now);
        if (age < policy.freshMs) {
          if (age >= this.#refreshFrom) this.#refreshAhead(key, k);
          this.#metrics.served.fresh.inc();
          return result(local.value, 'fresh', age, 'memory');
        }
      }
    }
    const { promise, shared } = this.#flight.run(k, () => this.#load(key, k, false));
    if (shared) this.#metrics.coalesced.inc();
    try {
      const r = await promise;
      this.#metrics.served[r.served].inc();
      if (r.served === 'stale-if-error') this.#metrics.staleAge.observe(r.ageMs / 1000);
      return r;
    } catch (err) {
      this.#metrics.served.error.inc();
      throw err;
    }
  }

  /** Reads and returns only the value. */
  async value(key: K): Promise<V> {
    return (await this.get(key)).value;
  }

  /** Forgets a key in memory and in Redis (e.g. after a write to the upstream). */
  async invalidate(key: K): Promise<void> {
    const k = this.#keyOf(key);
    this.#l1?.delete(k);
    await this.#remote?.delete(`${this.name}:${k}`).catch(() => this.#metrics.remoteSetError.inc());
  }

  #refreshAhead(key: K, k: string): void {
    if (this.#flight.has(k)) return;
    const { promise } = this.#flight.run(k, () => this.#load(key, k, true));
    promise.then(
      (r) => (r.served === 'miss' ? this.#metrics.refreshOk : this.#metrics.refreshFailed).inc(),
      () => this.#metrics.refreshFailed.inc(),
    );
  }

  async #remoteGet(k: string): Promise<CacheEntry<V> | undefined> {
    if (!this.#remote) return undefined;
    try {
      return await this.#remote.get<V>(`${this.name}:${k}`);
    } catch {
      // Redis down or slow: a miss at this level. The client fails fast (no offline queue).
      this.#metrics.remoteGetError.inc();
      return undefined;
    }
  }

  #store(k: string, entry: CacheEntry<V>): void {
    const policy = this.#policy;
    if (!policy) return;
    this.#l1!.set(k, entry);
    // Not awaited: a slow or dead Redis must not delay the answer.
    this.#remote?.set(`${this.name}:${k}`, entry, policy.freshMs + policy.maxStaleMs).catch(() => this.#metrics.remoteSetError.inc());
  }

  async #load(key: K, k: string, refreshing: boolean): Promise<DependencyResult<V>> {
    const policy = this.#policy;
    let local = this.#l1?.peek(k);
    let remote: CacheEntry<V> | undefined;
    if (policy && !refreshing) {
      remote = await this.#remoteGet(k);
      // Another instance fetched it recently: serve that and keep it in memory.
      if (remote && freshness(remote, policy, this.#now()) === 'fresh') {
        if (!local || remote.storedAt > local.storedAt) this.#l1!.set(k, remote);
        return result(remote.value, 'fresh', ageOf(remote, this.#now()), 'redis');
      }
    }
    try {
      const value = await callUpstream(this.#caller, key);
      this.#store(k, { value, storedAt: this.#now() });
      return result(value, 'miss', 0, 'upstream');
    } catch (err) {
      local = this.#l1?.peek(k);
      const candidate = newest(local, remote);
      const now = this.#now();
      if (candidate && policy && freshness(candidate, policy, now) !== 'expired') {
        return result(candidate.value, 'stale-if-error', ageOf(candidate, now), candidate === local ? 'memory' : 'redis', err);
      }
      if (this.options.fallback !== undefined) {
        const fb = this.options.fallback;
        const value = typeof fb === 'function' ? await (fb as (key: K, e: unknown) => V | Promise<V>)(key, err) : (fb as V);
        return result(value, 'fallback', 0, 'fallback', err);
      }
      this.#logger.debug({ dependency: this.name, err }, 'dependency failed with nothing to serve');
      throw new DependencyError(
        this.name,
        `dependency ` +
          `'${this.name}' failed and had no cached value within maxStale and no ` +
          `fallback: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
  }
}
