import type { NormalizedBreakerRule } from './rule.ts';
import { RatioWindow } from './ratio.ts';
import type { BreakerStrategy } from './strategy.ts';

/** Opens when calls slower than maxAllowedRtMs make up `threshold` of the window. */
export class SlowRequestRatioStrategy implements BreakerStrategy {
  private readonly stats: RatioWindow;
  private readonly maxAllowedRtMs: number;
  constructor(rule: NormalizedBreakerRule) {
    this.stats = new RatioWindow(rule.statIntervalMs, rule.statBuckets, rule.threshold, rule.minRequestAmount);
    this.maxAllowedRtMs = rule.maxAllowedRtMs!;
  }
  isFailure(rt: number, _error: boolean): boolean {
    return rt > this.maxAllowedRtMs;
  }
  record(now: number, rt: number, _error: boolean): number {
    return this.stats.recordRatio(now, rt > this.maxAllowedRtMs);
  }
  reset(): void {
    this.stats.reset();
  }
}
