// One mutex per key, created on first use and freed as soon as nobody holds or waits for it, so
// a keyed mutex over millions of ids holds only the keys in use. Entries are recycled from a
// small pool: the uncontended path allocates nothing once warm (Map growth aside).
import { ServiceError } from '../errors.ts';
import { Holders } from './holders.ts';
import { checkPrimitiveOptions } from './semaphore.ts';
import type { AcquireOptions, LockStats, PrimitiveOptions } from './types.ts';
import { WaitQueue } from './waiters.ts';

interface Entry {
  slot: number;
  queue: WaitQueue | undefined;
}

const RESOLVED: Promise<void> = Promise.resolve();
const POOL_MAX = 64;

export class KeyedMutex<K = string> {
  readonly #h: Holders;
  readonly #entries = new Map<K, Entry>();
  readonly #pool: Entry[] = [];
  readonly #timeoutMs: number | undefined;

  constructor(options: PrimitiveOptions = {}) {
    checkPrimitiveOptions(options);
    this.#h = new Holders('keyedMutex', 4, true, options);
    this.#timeoutMs = options.timeoutMs;
  }

  get name(): string {
    return this.#h.name;
  }
  /** Keys held or waited for: an idle key is not counted (its entry is gone). */
  get size(): number {
    return this.#entries.size;
  }
  get stats(): Readonly<LockStats> {
    return this.#h.stats;
  }
  isLocked(key: K): boolean {
    return this.#entries.has(key);
  }

  acquire(key: K, opts?: AcquireOptions): Promise<void> {
    const h = this.#h;
    const e = this.#entries.get(key);
    if (e === undefined) {
      const entry = this.#pool.pop() ?? { slot: -1, queue: undefined };
      entry.slot = h.takeSlot(ownerOf(key, opts), 0);
      this.#entries.set(key, entry);
      return RESOLVED;
    }
    h.stats.contended++;
    const q = (e.queue ??= new WaitQueue());
    // release() hands the key over (and sets the entry's slot) before this resolves.
    return q.wait(`${h.name}[${String(key)}]`, 0, opts, this.#timeoutMs, h.stats, h.now()).then(() => undefined);
  }

  tryAcquire(key: K, owner?: string): boolean {
    if (this.#entries.has(key)) return false;
    const entry = this.#pool.pop() ?? { slot: -1, queue: undefined };
    entry.slot = this.#h.takeSlot(owner === undefined ? String(key) : `${owner} [${String(key)}]`, 0);
    this.#entries.set(key, entry);
    return true;
  }

  release(key: K): void {
    const h = this.#h;
    const e2 = this.#entries.get(key);
    if (e2 === undefined)
      throw new ServiceError(
        'HOLDFAST_E_LOCK_STATE',
        `${h.name}: release of key '${String(key)}', which is not held (released twice, or never acquired)`,
      );
    h.give(e2.slot);
    const w = e2.queue?.shift();
    if (w) {
      // The slot is set when the waiter's continuation runs; until then the key stays held.
      const slot = h.takeSlot(w.owner, h.now() - w.enqueuedAt);
      e2.slot = slot;
      w.resolve(slot);
      return;
    }
    this.#entries.delete(key);
    e2.slot = -1;
    e2.queue = undefined;
    if (this.#pool.length < POOL_MAX) this.#pool.push(e2);
  }

  async run<T>(key: K, fn: () => T | Promise<T>, opts?: AcquireOptions): Promise<T> {
    await this.acquire(key, opts);
    try {
      return await fn();
    } finally {
      this.release(key);
    }
  }
}

function ownerOf<K>(key: K, opts: AcquireOptions | undefined): string {
  return opts?.owner === undefined ? String(key) : `${opts.owner} [${String(key)}]`;
}
