// A mutex: one holder, FIFO hand-over. The hot path (free mutex, no options) takes the slot and
// returns a cached resolved promise: no allocation. release() needs no argument.
import { Holders } from './holders.ts';
import { checkPrimitiveOptions } from './semaphore.ts';
import type { AcquireOptions, LockStats, PrimitiveOptions } from './types.ts';
import { WaitQueue } from './waiters.ts';

export class Mutex {
  readonly #h: Holders;
  readonly #q = new WaitQueue();
  readonly #timeoutMs: number | undefined;

  constructor(options: PrimitiveOptions = {}) {
    checkPrimitiveOptions(options);
    this.#h = new Holders('mutex', 1, false, options);
    this.#timeoutMs = options.timeoutMs;
  }

  get name(): string {
    return this.#h.name;
  }
  get locked(): boolean {
    return this.#h.count === 1;
  }
  get waiting(): number {
    return this.#q.length;
  }
  get stats(): Readonly<LockStats> {
    return this.#h.stats;
  }
  /** Who holds it and for how long (empty when free). */
  holders(): { slot: number; owner: string; heldMs: number }[] {
    return this.#h.holders();
  }

  acquire(opts?: AcquireOptions): Promise<number> {
    const h = this.#h;
    if (h.count === 0) return h.take(opts?.owner, 0);
    h.stats.contended++;
    return this.#q.wait(h.name, 0, opts, this.#timeoutMs, h.stats, h.now());
  }

  /** Takes it if free; true when taken. */
  tryAcquire(owner?: string): boolean {
    if (this.#h.count !== 0) return false;
    this.#h.takeSlot(owner, 0);
    return true;
  }

  release(): void {
    const h = this.#h;
    h.give(0);
    const w = this.#q.shift();
    if (w) w.resolve(h.takeSlot(w.owner, h.now() - w.enqueuedAt));
  }

  async run<T>(fn: () => T | Promise<T>, opts?: AcquireOptions): Promise<T> {
    await this.acquire(opts);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}
