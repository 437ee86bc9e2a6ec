// A read-write lock: readers share, a writer is alone. FIFO: a reader arriving while a writer
// waits queues behind it (writers do not starve), and a release wakes the head of the queue and,
// when that is a reader, every reader right behind it.
import { Holders } from './holders.ts';
import { checkPrimitiveOptions } from './semaphore.ts';
import type { AcquireOptions, LockStats, PrimitiveOptions } from './types.ts';
import { WaitQueue } from './waiters.ts';

const READ = 0;
const WRITE = 1;

export class RwLock {
  readonly #readers: Holders;
  readonly #writer: Holders;
  readonly #q = new WaitQueue();
  readonly #timeoutMs: number | undefined;

  constructor(options: PrimitiveOptions = {}) {
    checkPrimitiveOptions(options);
    const name = options.name ?? 'rwLock';
    this.#readers = new Holders('rwLock', 4, true, { ...options, name: `${name}:read` });
    this.#writer = new Holders('rwLock', 1, false, { ...options, name: `${name}:write` });
    this.#timeoutMs = options.timeoutMs;
  }

  get readers(): number {
    return this.#readers.count;
  }
  get writing(): boolean {
    return this.#writer.count === 1;
  }
  get waiting(): number {
    return this.#q.length;
  }
  get stats(): { read: Readonly<LockStats>; write: Readonly<LockStats> } {
    return { read: this.#readers.stats, write: this.#writer.stats };
  }
  holders(): { read: { slot: number; owner: string; heldMs: number }[]; write: { slot: number; owner: string; heldMs: number }[] } {
    return { read: this.#readers.holders(), write: this.#writer.holders() };
  }

  /** A shared hold; resolves with a permit for releaseRead(). */
  read(opts?: AcquireOptions): Promise<number> {
    const r = this.#readers;
    if (this.#q.length === 0 && this.#writer.count === 0) return r.take(opts?.owner, 0);
    r.stats.contended++;
    return this.#q.wait(r.name, READ, opts, this.#timeoutMs, r.stats, r.now());
  }

  /** The exclusive hold; release with releaseWrite(). */
  write(opts?: AcquireOptions): Promise<number> {
    const w = this.#writer;
    if (this.#q.length === 0 && w.count === 0 && this.#readers.count === 0) return w.take(opts?.owner, 0);
    w.stats.contended++;
    return this.#q.wait(w.name, WRITE, opts, this.#timeoutMs, w.stats, w.now());
  }

  releaseRead(permit: number): void {
    this.#readers.give(permit);
    this.#wake();
  }

  releaseWrite(): void {
    this.#writer.give(0);
    this.#wake();
  }

  async withRead<T>(fn: () => T | Promise<T>, opts?: AcquireOptions): Promise<T> {
    const p = await this.read(opts);
    try {
      return await fn();
    } finally {
      this.releaseRead(p);
    }
  }

  async withWrite<T>(fn: () => T | Promise<T>, opts?: AcquireOptions): Promise<T> {
    await this.write(opts);
    try {
      return await fn();
    } finally {
      this.releaseWrite();
    }
  }

  #wake(): void {
    const q = this.#q;
    while (q.head && this.#writer.count === 0) {
      const head = q.head;
      if (head.kind === WRITE) {
        if (this.#readers.count > 0) return;
        q.shift();
        head.resolve(this.#writer.takeSlot(head.owner, this.#writer.now() - head.enqueuedAt));
        return;
      }
      q.shift();
      head.resolve(this.#readers.takeSlot(head.owner, this.#readers.now() - head.enqueuedAt));
    }
  }
}
