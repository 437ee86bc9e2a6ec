// Shared by the two ratio strategies: failures/total over a sliding window, once the window
// holds minRequestAmount calls.
import { SlidingWindow } from '../stat/sliding-window.ts';

const TOTAL = 0;
const FAILED = 1;

export class RatioWindow {
  private readonly window: SlidingWindow;
  private readonly threshold: number;
  private readonly minRequestAmount: number;

  constructor(statIntervalMs: number, buckets: number, threshold: number, minRequestAmount: number) {
    this.window = new SlidingWindow(statIntervalMs, buckets, 2);
    this.threshold = threshold;
    this.minRequestAmount = minRequestAmount;
  }

  record(now: number, failed: boolean): void {
    this.window.add(now, TOTAL, 1);
    if (failed) this.window.add(now, FAILED, 1);
  }

  /** The failure ratio when it reaches the threshold with enough calls, else NaN. */
  tripRatio(now: number): number {
    const total = this.window.sum(now, TOTAL);
    if (total === 0 || total < this.minRequestAmount) return NaN;
    const ratio = this.window.sum(now, FAILED) / total;
    return ratio >= this.threshold ? ratio : NaN;
  }

  /** Failures in the window when they reach `count` with enough calls, else NaN. */
  tripCount(now: number, count: number): number {
    if (this.window.sum(now, TOTAL) < this.minRequestAmount) return NaN;
    const failed = this.window.sum(now, FAILED);
    return failed >= count ? failed : NaN;
  }

  reset(): void {
    this.window.reset();
  }
}
