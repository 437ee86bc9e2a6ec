// A counting semaphore with FIFO fairness: a released permit goes straight to the oldest waiter
// (no barging), so nobody starves. acquire() resolves with a permit number to give back to
// release(); on a free semaphore it returns a cached resolved promise and allocates nothing.
import { ServiceError } from '../errors.ts';
import { Holders } from './holders.ts';
import type { AcquireOptions, LockStats, PrimitiveOptions } from './types.ts';
import { WaitQueue } from './waiters.ts';

export class Semaphore {
  readonly permits: number;
  readonly #h: Holders;
  readonly #q = new WaitQueue();
  readonly #timeoutMs: number | undefined;

  constructor(permits: number, options: PrimitiveOptions = {}) {
    if (!Number.isInteger(permits) || permits < 1) {
      throw new ServiceError(
        'HOLDFAST_E_OPTIONS',
        `semaphore${options.name ? ` '${options.name}'` : ''}: permits must be an integer of at least 1, got ${permits}`,
      );
    }
    checkPrimitiveOptions(options);
    this.permits = permits;
    this.#h = new Holders('semaphore', permits, false, options);
    this.#timeoutMs = options.timeoutMs;
  }

  get name(): string {
    return this.#h.name;
  }
  /** Permits in use. */
  get inUse(): number {
    return this.#h.count;
  }
  get waiting(): number {
    return this.#q.length;
  }
  get stats(): Readonly<LockStats> {
    return this.#h.stats;
  }
  holders(): { slot: number; owner: string; heldMs: number }[] {
    return this.#h.holders();
  }

  acquire(opts?: AcquireOptions): Promise<number> {
    const h = this.#h;
    if (this.#q.length === 0 && h.count < this.permits) return h.take(opts?.owner, 0);
    h.stats.contended++;
    return this.#q.wait(h.name, 0, opts, this.#timeoutMs, h.stats, h.now());
  }

  /** A permit now, or -1 when none is free (or others are already waiting: they come first). */
  tryAcquire(owner?: string): number {
    const h = this.#h;
    return this.#q.length === 0 && h.count < this.permits ? h.takeSlot(owner, 0) : -1;
  }

  release(permit: number): void {
    const h = this.#h;
    h.give(permit);
    const w = this.#q.shift();
    if (w) w.resolve(h.takeSlot(w.owner, h.now() - w.enqueuedAt));
  }

  /** Runs `fn` holding a permit; the permit is given back however `fn` ends. */
  async run<T>(fn: () => T | Promise<T>, opts?: AcquireOptions): Promise<T> {
    const permit = await this.acquire(opts);
    try {
      return await fn();
    } finally {
      this.release(permit);
    }
  }
}

export function checkPrimitiveOptions(o: PrimitiveOptions): void {
  const bad = (field: string, v: unknown) => {
    throw new ServiceError(
      'HOLDFAST_E_OPTIONS',
      `${o.name ?? 'lock'}: ${field} must be a finite number of milliseconds above 0, got ${String(v)}`,
    );
  };
  if (o.timeoutMs !== undefined && !(Number.isFinite(o.timeoutMs) && o.timeoutMs >= 0)) bad('timeoutMs', o.timeoutMs);
  if (o.holdWarnMs !== undefined && !(Number.isFinite(o.holdWarnMs) && o.holdWarnMs > 0)) bad('holdWarnMs', o.holdWarnMs);
}
