// What an application sees of a service: `createService()` returns a Service.
import type { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Dependency } from './dependency/dependency.ts';
import type { DependencyOptions } from './dependency/options.ts';
import type { FastifyInstance } from './fastify.ts';
import type { HealthApi } from './health/module.ts';
import type { LifecycleState } from './lifecycle.ts';
import type { DistributedLock, DistributedLockOptions } from './lock/types.ts';
import type { LockObserver } from './concurrency/types.ts';
import type { MemoryApi } from './memory/forensics.ts';
import type { ResolvedOptions } from './options.ts';
import type { ReloadHook, ReloadReport } from './reload.ts';
import type { StopReport } from './shutdown/drain.ts';
import type { ShutdownHook } from './shutdown/hooks.ts';

export interface ServiceEvents {
  state: [state: LifecycleState, previous: LifecycleState];
  stopped: [report: StopReport];
}

export interface Service extends EventEmitter<ServiceEvents> {
  /** The Fastify instance: add routes and plugins here before start(). */
  readonly app: FastifyInstance;
  readonly state: LifecycleState;
  readonly health: HealthApi;
  readonly logger: Logger;
  /** The Prometheus registry served at /metrics; register your own metrics on it. */
  readonly registry: Registry | undefined;
  readonly options: ResolvedOptions;
  /** Where the main server listens (after start()). */
  readonly url: string;
  readonly port: number;
  readonly adminUrl: string | undefined;
  start(): Promise<{ url: string; port: number }>;
  /** Drains gracefully; resolves with the per-phase report. Never exits the process itself. */
  stop(reason?: string): Promise<StopReport>;
  /** Registers cleanup to run during shutdown, in reverse registration order. */
  onShutdown(name: string, fn: ShutdownHook, options?: { timeoutMs?: number }): void;
  /** Registers work for SIGHUP (re-read a rules or config file), run in registration order after the log file is reopened. */
  onReload(name: string, fn: ReloadHook, options?: { timeoutMs?: number }): void;
  /** What SIGHUP does: reopen the log file, run the onReload hooks. Never stops the service. */
  reload(reason?: string): Promise<ReloadReport>;
  /** Declares an outbound dependency: timeout, retry budget, breaker, single-flight, stale-if-error cache, fallback. */
  dependency<K, V>(name: string, options: DependencyOptions<K, V>): Dependency<K, V>;
  /** The fail-fast Redis client (when `redis` or REDIS_URL is set). */
  readonly redis: Redis | undefined;
  /**
   * A distributed lock with a fencing token, on the `locks` provider (etcdLockProvider from
   * @holdfast/failover/lock). Check `assertHeld()` before acting and pass `token` to a resource
   * that checks it (fencedRedisSet); `signal` aborts when the lock is lost.
   */
  lock(name: string, options: DistributedLockOptions): Promise<DistributedLock>;
  /** Feeds the lock wait/hold histograms from mutex(), semaphore(), rwLock(), keyedMutex() (`observer` option). */
  readonly lockObserver: LockObserver;
  /** Heap-growth detection (`leak_suspected`) and safe heap captures. */
  readonly memory: MemoryApi;
}
