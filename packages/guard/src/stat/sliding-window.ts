// A sliding window of time buckets on preallocated typed arrays (sentinel's LeapArray, minus
// the allocations). Each bucket holds `width` event counters. Running totals are kept beside
// the buckets, so adding and summing are O(1); rolling forward clears the buckets that fell
// out of the window and subtracts them from the totals, amortised O(1) per bucket of time.
//
// The window covers the current (partial) bucket and the `bucketCount - 1` before it. Buckets
// are aligned to multiples of bucketMs, so two windows of the same shape agree on boundaries.
// Time must be >= 0 and should not go backwards; a reading older than the head bucket is
// counted into the head bucket rather than lost.

export class SlidingWindow {
  readonly intervalMs: number;
  readonly bucketCount: number;
  readonly bucketMs: number;
  readonly width: number;
  private readonly data: Float64Array;
  private readonly totals: Float64Array;
  /** Bucket number (floor(now / bucketMs)) of the head bucket; -1 before the first roll. */
  private headBn = -1;
  /** The last time rolled to: the cached clock repeats readings, and then there is nothing to do. */
  private lastNow = -1;
  /** Offset of the head bucket in `data` (saves a modulo per add). */
  private headBase = 0;

  constructor(intervalMs: number, bucketCount: number, width: number) {
    if (!Number.isInteger(bucketCount) || bucketCount < 1)
      throw new RangeError(`bucketCount must be a positive integer, got ${bucketCount}`);
    if (!(intervalMs > 0) || intervalMs % bucketCount !== 0) {
      throw new RangeError(`intervalMs (${intervalMs}) must be a positive multiple of bucketCount (${bucketCount})`);
    }
    this.intervalMs = intervalMs;
    this.bucketCount = bucketCount;
    this.bucketMs = intervalMs / bucketCount;
    this.width = width;
    this.data = new Float64Array(bucketCount * width);
    this.totals = new Float64Array(width);
  }

  /** Moves the head to the bucket holding `now`, clearing every bucket that left the window. */
  roll(now: number): void {
    // The hot path: the cached clock repeats its reading for a whole millisecond, so most calls
    // stop here. Kept this small so that V8 inlines it into every caller (add, sum, the
    // checkers); the work of moving the head is a call of its own, made about once per ms.
    if (now !== this.lastNow) this.advance(now);
  }

  private advance(now: number): void {
    this.lastNow = now;
    const bn = Math.floor(now / this.bucketMs);
    const head = this.headBn;
    if (bn <= head) return;
    const steps = bn - head;
    const width = this.width;
    if (head < 0 || steps >= this.bucketCount) {
      this.data.fill(0);
      this.totals.fill(0);
    } else {
      const data = this.data;
      const totals = this.totals;
      for (let k = 1; k <= steps; k++) {
        const base = ((head + k) % this.bucketCount) * width;
        for (let e = 0; e < width; e++) {
          const v = data[base + e]!;
          if (v !== 0) {
            totals[e]! -= v;
            data[base + e] = 0;
          }
        }
      }
    }
    this.headBn = bn;
    this.headBase = (bn % this.bucketCount) * width;
  }

  add(now: number, event: number, n: number): void {
    this.roll(now);
    this.data[this.headBase + event]! += n;
    this.totals[event]! += n;
  }

  /** Two adds with one roll (the hot path records pairs: outcome + RT, total + failure). */
  add2(now: number, e1: number, n1: number, e2: number, n2: number): void {
    this.roll(now);
    const data = this.data;
    const totals = this.totals;
    const base = this.headBase;
    data[base + e1]! += n1;
    totals[e1]! += n1;
    data[base + e2]! += n2;
    totals[e2]! += n2;
  }

  /** Running total of `event` as of the last roll (call after add/roll at the same `now`). */
  total(event: number): number {
    return this.totals[event]!;
  }

  /** Sum of `event` over the whole window at `now`. */
  sum(now: number, event: number): number {
    this.roll(now);
    return this.totals[event]!;
  }

  /** Sum of `event` over the window without the current, still-filling bucket. */
  sumCompleted(now: number, event: number): number {
    this.roll(now);
    return this.totals[event]! - this.data[this.headBase + event]!;
  }

  /** `event` in the current bucket. */
  head(now: number, event: number): number {
    this.roll(now);
    return this.data[this.headBase + event]!;
  }

  /** Milliseconds from `now` until the head bucket ends (when the oldest bucket frees up). */
  msToNextBucket(now: number): number {
    return this.bucketMs - (now % this.bucketMs);
  }

  /** Largest per-bucket value of `event` over completed buckets (0 when none). */
  maxCompleted(now: number, event: number): number {
    this.roll(now);
    const headIdx = this.headBn % this.bucketCount;
    let max = 0;
    for (let i = 0; i < this.bucketCount; i++) {
      if (i === headIdx) continue;
      const v = this.data[i * this.width + event]!;
      if (v > max) max = v;
    }
    return max;
  }

  /**
   * Smallest per-bucket ratio num/den over completed buckets with den > 0 (e.g. the lowest
   * average RT of any bucket); Infinity when no completed bucket has samples.
   */
  minRatioCompleted(now: number, num: number, den: number): number {
    this.roll(now);
    const headIdx = this.headBn % this.bucketCount;
    let min = Infinity;
    for (let i = 0; i < this.bucketCount; i++) {
      if (i === headIdx) continue;
      const d = this.data[i * this.width + den]!;
      if (d <= 0) continue;
      const r = this.data[i * this.width + num]! / d;
      if (r < min) min = r;
    }
    return min;
  }

  /** Forgets everything (a breaker that closes starts its statistics afresh). */
  reset(): void {
    this.data.fill(0);
    this.totals.fill(0);
    this.lastNow = -1;
  }
}
