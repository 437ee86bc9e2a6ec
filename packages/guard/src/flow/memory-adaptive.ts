// The threshold follows heap use: `threshold` while heap use is at or below the low watermark,
// `highMemThreshold` at or above the high one, linear in between (sentinel's
// MemoryAdaptive, on heap use as a fraction of V8's heap limit rather than raw bytes, so one
// rule fits any --max-old-space-size).
import type { SystemSignals } from '../signals/signals.ts';
import type { TokenCalculator } from './calculator.ts';

export class MemoryAdaptiveCalculator implements TokenCalculator {
  private readonly low: number;
  private readonly high: number;
  private readonly lowMark: number;
  private readonly highMark: number;
  private readonly signals: SystemSignals;

  constructor(threshold: number, highMemThreshold: number, lowMark: number, highMark: number, signals: SystemSignals) {
    this.low = threshold;
    this.high = highMemThreshold;
    this.lowMark = lowMark;
    this.highMark = highMark;
    this.signals = signals;
  }

  threshold(_now: number): number {
    const use = this.signals.heapUsedRatio;
    // Not sampled yet: assume no memory pressure rather than throttle a healthy process.
    if (!(use > this.lowMark)) return this.low;
    if (use >= this.highMark) return this.high;
    return this.low + ((use - this.lowMark) / (this.highMark - this.lowMark)) * (this.high - this.low);
  }
}
