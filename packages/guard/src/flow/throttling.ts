// Throttling (paced queue, a leaky bucket): passes are spaced statIntervalMs/threshold apart.
// A request that arrives early is told how long to wait for its slot; if that wait would exceed
// maxQueueingTimeMs it is rejected instead. Single-threaded, so the check and the reservation
// cannot race; the reservation is only made in commit(), after every other rule has passed, so
// a request blocked by a later rule does not burn a slot.
import { BLOCKED } from '../verdict.ts';

export class Throttler {
  private readonly intervalMs: number;
  private readonly maxQueueingTimeMs: number;
  /** Time the latest reserved slot starts. */
  private lastPassedAt = -Infinity;
  private pendingAt = 0;

  constructor(statIntervalMs: number, maxQueueingTimeMs: number) {
    this.intervalMs = statIntervalMs;
    this.maxQueueingTimeMs = maxQueueingTimeMs;
  }

  /** Verdict for `batch` passes at `threshold` per interval: the wait in ms, or BLOCKED. */
  check(now: number, batch: number, threshold: number): number {
    if (!(threshold > 0) || batch > threshold) return BLOCKED;
    const expected = this.lastPassedAt + (batch * this.intervalMs) / threshold;
    if (expected <= now) {
      this.pendingAt = now;
      return 0;
    }
    const wait = expected - now;
    if (wait > this.maxQueueingTimeMs) return BLOCKED;
    this.pendingAt = expected;
    return wait;
  }

  /** Reserves the slot the last check() found. */
  commit(): void {
    this.lastPassedAt = this.pendingAt;
  }

  /** When a rejected request could expect a slot again. */
  retryAfterMs(now: number): number {
    return Math.max(0, this.lastPassedAt - this.maxQueueingTimeMs - now);
  }
}
