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

  /** Records a call; returns the failure ratio when it reaches the threshold with enough calls, else NaN. */
  recordRatio(now: number, failed: boolean): number {
    const w = this.window;
    if (failed) w.add2(now, TOTAL, 1, FAILED, 1);
    else w.add(now, TOTAL, 1);
    const total = w.total(TOTAL);
    if (total < this.minRequestAmount || total === 0) return NaN;
    // Ratio thresholds are above 0 (validated), so a window without failures never trips: the
    // usual case on every exit, answered without a division.
    const failures = w.total(FAILED);
    if (failures === 0) return NaN;
    const ratio = failures / total;
    return ratio >= this.threshold ? ratio : NaN;
  }

  /** Records a call; returns the failures in the window when they reach `count` with enough calls, else NaN. */
  recordCount(now: number, failed: boolean, count: number): number {
    const w = this.window;
    if (failed) w.add2(now, TOTAL, 1, FAILED, 1);
    else w.add(now, TOTAL, 1);
    if (w.total(TOTAL) < this.minRequestAmount) return NaN;
    const n = w.total(FAILED);
    return n >= count ? n : NaN;
  }

  reset(): void {
    this.window.reset();
  }
}
