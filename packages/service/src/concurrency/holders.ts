// The holders of a primitive: numbered slots with an owner and a start time each, a free list,
// and one already-resolved promise per slot. acquire() on a free primitive takes a slot and
// returns that slot's cached promise, so the uncontended path allocates nothing; release(slot)
// gives it back. A hold past holdWarnMs is found by one timer per period, not one per hold.
import { ServiceError } from '../errors.ts';
import { type LockStats, type PrimitiveOptions, newStats } from './types.ts';

const ANONYMOUS = 'anonymous';

export class Holders {
  readonly name: string;
  readonly stats: LockStats = newStats();
  readonly now: () => number;
  readonly #o: PrimitiveOptions;
  #owners: string[] = [];
  #since: Float64Array;
  /** Slots not in use, as a stack. */
  #free: Int32Array;
  #freeCount: number;
  #resolved: Promise<number>[] = [];
  #count = 0;
  #capacity: number;
  readonly #growable: boolean;
  #watch: NodeJS.Timeout | undefined;

  constructor(kind: string, capacity: number, growable: boolean, o: PrimitiveOptions) {
    this.name = o.name ?? kind;
    this.#o = o;
    this.now = o.now ?? performance.now.bind(performance);
    this.#growable = growable;
    this.#capacity = capacity;
    this.#since = new Float64Array(capacity);
    this.#free = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.#free[i] = capacity - 1 - i;
    this.#freeCount = capacity;
  }

  /** Slots in use. */
  get count(): number {
    return this.#count;
  }
  get hasFree(): boolean {
    return this.#freeCount > 0 || this.#growable;
  }

  /** Takes a slot (the caller checked there is one) and returns its resolved promise. */
  take(owner: string | undefined, waitedMs: number): Promise<number> {
    const slot = this.takeSlot(owner, waitedMs);
    return (this.#resolved[slot] ??= Promise.resolve(slot));
  }

  /** Takes a slot (the caller checked there is one). */
  takeSlot(owner: string | undefined, waitedMs: number): number {
    if (this.#freeCount === 0) this.#grow();
    const slot = this.#free[--this.#freeCount]!;
    this.#count++;
    this.#owners[slot] = owner ?? ANONYMOUS;
    const t = this.now();
    this.#since[slot] = t;
    const s = this.stats;
    s.acquired++;
    if (waitedMs > 0) {
      s.waitedMsTotal += waitedMs;
      if (waitedMs > s.maxWaitedMs) s.maxWaitedMs = waitedMs;
    }
    this.#o.observer?.waited(this.name, waitedMs);
    if (this.#o.holdWarnMs !== undefined && this.#watch === undefined) this.#arm(this.#o.holdWarnMs);
    return slot;
  }

  /** Gives a slot back; refuses a slot that is not held (a double release is a bug worth an error). */
  give(slot: number): void {
    const since = this.#since[slot];
    if (!Number.isInteger(slot) || since === undefined || Number.isNaN(since) || this.#owners[slot] === undefined) {
      throw new ServiceError(
        'HOLDFAST_E_LOCK_STATE',
        `${this.name}: release of permit ${slot}, which is not held (released twice, or never acquired)`,
      );
    }
    const held = this.now() - since;
    this.#owners[slot] = undefined as unknown as string;
    this.#since[slot] = NaN;
    this.#free[this.#freeCount++] = slot;
    this.#count--;
    const s = this.stats;
    s.heldMsTotal += held;
    if (held > s.maxHeldMs) s.maxHeldMs = held;
    this.#o.observer?.held(this.name, held);
  }

  /** The holds in progress, oldest first: for the warning and for debugging. */
  holders(): { slot: number; owner: string; heldMs: number }[] {
    const now = this.now();
    const out: { slot: number; owner: string; heldMs: number }[] = [];
    for (let i = 0; i < this.#capacity; i++) {
      const owner = this.#owners[i];
      if (owner !== undefined) out.push({ slot: i, owner, heldMs: now - this.#since[i]! });
    }
    return out.sort((a, b) => b.heldMs - a.heldMs);
  }

  #grow(): void {
    const cap = this.#capacity;
    const next = Math.max(4, cap * 2);
    const since = new Float64Array(next).fill(NaN);
    since.set(this.#since);
    this.#since = since;
    const free = new Int32Array(next);
    for (let i = 0; i < next - cap; i++) free[i] = next - 1 - i;
    this.#free = free;
    this.#freeCount = next - cap;
    this.#capacity = next;
  }

  #arm(ms: number): void {
    this.#watch = setTimeout(() => this.#check(), ms);
    this.#watch.unref();
  }

  #check(): void {
    this.#watch = undefined;
    const limit = this.#o.holdWarnMs!;
    const list = this.holders();
    if (list.length === 0) return;
    const late = list.filter((h) => h.heldMs >= limit);
    if (late.length > 0) {
      const who = late.map((h) => `${h.owner} (${Math.round(h.heldMs)} ms)`).join(', ');
      this.#o.logger?.warn(
        { lock: this.name, holders: late.map((h) => ({ owner: h.owner, heldMs: Math.round(h.heldMs) })), holdWarnMs: limit },
        `lock '${this.name}' held past ${limit} ms by ${who}`,
      );
    }
    // Next look: when the oldest hold not yet reported reaches the limit, or a period from now.
    const pending = list.filter((h) => h.heldMs < limit);
    this.#arm(pending.length ? limit - pending[0]!.heldMs : limit);
  }
}
