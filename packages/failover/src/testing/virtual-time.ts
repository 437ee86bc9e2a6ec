// Deterministic time for tests of the leadership loop: one global "true" timeline, and per-node
// clocks that run at their own rate (clock-rate drift) and can be frozen (a SIGSTOPped process).
// Nothing here touches real timers; advance() runs due callbacks in order and lets the promise
// continuations they cause settle before the next one.
import type { Clock, Timer } from '../clock.ts';

interface Entry {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

export class VirtualTime {
  #now = 0;
  #seq = 0;
  #queue: Entry[] = [];

  /** True time in ms since the simulation began. */
  get now(): number {
    return this.#now;
  }

  /** Runs `fn` at true time `at` (not before now). */
  at(at: number, fn: () => void): Timer {
    const entry: Entry = { at: Math.max(at, this.#now), seq: this.#seq++, fn, cancelled: false };
    // Keep the queue sorted by (at, seq); insertion from the back is cheap for near-future events.
    let i = this.#queue.length;
    while (i > 0 && (this.#queue[i - 1]!.at > entry.at || (this.#queue[i - 1]!.at === entry.at && this.#queue[i - 1]!.seq > entry.seq)))
      i--;
    this.#queue.splice(i, 0, entry);
    return { cancel: () => void (entry.cancelled = true) };
  }

  /** Advances true time by `ms`, running everything due on the way. */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    await settle();
    for (;;) {
      const next = this.#queue[0];
      if (!next || next.at > end) break;
      this.#queue.shift();
      if (next.cancelled) continue;
      this.#now = next.at;
      next.fn();
      await settle();
    }
    this.#now = end;
    await settle();
  }
}

/**
 * A node's view of time: monotonic ms = offset + rate × true time. While frozen, nothing of the
 * node runs; what fell due meanwhile runs, in order, when it thaws — as after SIGCONT.
 */
export class NodeClock implements Clock {
  readonly #vt: VirtualTime;
  readonly rate: number;
  readonly offset: number;
  #frozenUntil = -Infinity;

  constructor(vt: VirtualTime, { rate = 1, offset = 1_000_000 }: { rate?: number; offset?: number } = {}) {
    this.#vt = vt;
    this.rate = rate;
    this.offset = offset;
  }

  now(): number {
    return this.offset + this.rate * this.#vt.now;
  }

  /** True time at which this clock reads `local`. */
  toTrue(local: number): number {
    return (local - this.offset) / this.rate;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    return this.#vt.at(this.#vt.now + Math.max(0, ms) / this.rate, () => this.run(fn));
  }

  /** Runs `fn` as this node's code: now, or when the node thaws. */
  run(fn: () => void): void {
    if (this.#vt.now < this.#frozenUntil) {
      this.#vt.at(this.#frozenUntil, () => this.run(fn));
      return;
    }
    fn();
  }

  /** Freezes the node for `ms` of true time (SIGSTOP … SIGCONT). */
  freeze(ms: number): void {
    this.#frozenUntil = Math.max(this.#frozenUntil, this.#vt.now + ms);
  }

  get frozen(): boolean {
    return this.#vt.now < this.#frozenUntil;
  }
}
