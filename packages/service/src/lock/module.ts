// The `locks` module: service.lock(name, {ttlMs}) on the provider passed as `locks` (e.g.
// etcdLockProvider from @holdfast/failover/lock). A lost lock is logged and counted; locks still
// held at shutdown are released (the next holder need not wait for the TTL), then the provider
// is closed. Histograms of the local primitives' wait and hold times are offered as an observer.
import { Counter, Histogram } from 'prom-client';
import type { LockObserver } from '../concurrency/types.ts';
import { ServiceError } from '../errors.ts';
import type { ServiceModule } from '../module.ts';
import type { DistributedLock, DistributedLockOptions } from './types.ts';

export interface LocksApi {
  lock(name: string, options: DistributedLockOptions): Promise<DistributedLock>;
  /** Feeds holdfast_lock_wait_seconds / holdfast_lock_held_seconds (by lock name) from a mutex, semaphore... */
  observer: LockObserver;
}

const BUCKETS = [0.0001, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30];

export const locksModule: ServiceModule<'locks'> = {
  name: 'locks',
  dependencies: ['metrics'],
  install(ctx) {
    const provider = ctx.options.locks;
    const registry = ctx.use('metrics').registry;
    const registers = registry ? [registry] : [];
    const wait = new Histogram({
      name: 'holdfast_lock_wait_seconds',
      help: 'Time an acquisition waited for a lock',
      labelNames: ['lock'],
      buckets: BUCKETS,
      registers,
    });
    const held = new Histogram({
      name: 'holdfast_lock_held_seconds',
      help: 'Time a lock was held',
      labelNames: ['lock'],
      buckets: BUCKETS,
      registers,
    });
    const lost = new Counter({
      name: 'holdfast_distributed_lock_lost_total',
      help: 'Distributed locks lost while held (lease expired, coordinator unreachable)',
      labelNames: ['lock'],
      registers,
    });
    const holding = new Set<DistributedLock>();
    const observer: LockObserver = {
      waited: (lock, ms) => wait.labels(lock).observe(ms / 1000),
      held: (lock, ms) => held.labels(lock).observe(ms / 1000),
    };
    const lock = async (name: string, options: DistributedLockOptions): Promise<DistributedLock> => {
      if (!provider) {
        throw new ServiceError(
          'HOLDFAST_E_LOCK_UNAVAILABLE',
          `service.lock('${name}'): no lock provider; pass createService({ locks: etcdLockProvider({ endpoints }) }) ` +
            `from @holdfast/failover/lock`,
        );
      }
      const t0 = performance.now();
      const l = await provider.acquire(name, options);
      observer.waited(`distributed:${name}`, performance.now() - t0);
      const since = performance.now();
      holding.add(l);
      l.signal.addEventListener(
        'abort',
        () => {
          holding.delete(l);
          observer.held(`distributed:${name}`, performance.now() - since);
          const reason = l.signal.reason as Error & { code?: string };
          if (!/released/.test(reason?.message ?? '')) {
            lost.labels(name).inc();
            ctx.logger.warn(
              { lock: name, token: l.token, err: { message: reason?.message, code: reason?.code } },
              `distributed lock '${name}' (token ${l.token}) lost: ${reason?.message}`,
            );
          }
        },
        { once: true },
      );
      return l;
    };
    if (provider) {
      ctx.onShutdown(
        'locks',
        async () => {
          await Promise.all([...holding].map((l) => l.release().catch(() => {})));
          await provider.close();
        },
        { timeoutMs: 2000 },
      );
    }
    return { api: { lock, observer } };
  },
};
