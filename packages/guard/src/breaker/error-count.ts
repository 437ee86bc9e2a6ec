import type { NormalizedBreakerRule } from './rule.ts';
import { RatioWindow } from './ratio.ts';
import type { BreakerStrategy } from './strategy.ts';

/** Opens when the window holds `threshold` errors (and at least minRequestAmount calls). */
export class ErrorCountStrategy implements BreakerStrategy {
  private readonly stats: RatioWindow;
  private readonly count: number;
  constructor(rule: NormalizedBreakerRule) {
    this.stats = new RatioWindow(rule.statIntervalMs, rule.statBuckets, 1, rule.minRequestAmount);
    this.count = rule.threshold;
  }
  isFailure(_rt: number, error: boolean): boolean {
    return error;
  }
  record(now: number, _rt: number, error: boolean): number {
    return this.stats.recordCount(now, error, this.count);
  }
  reset(): void {
    this.stats.reset();
  }
}
