import type { NormalizedBreakerRule } from './rule.ts';
import { RatioWindow } from './ratio.ts';
import type { BreakerStrategy } from './strategy.ts';

/** Opens when errors/calls in the window reach the threshold. */
export class ErrorRatioStrategy implements BreakerStrategy {
  private readonly stats: RatioWindow;
  constructor(rule: NormalizedBreakerRule) {
    this.stats = new RatioWindow(rule.statIntervalMs, rule.statBuckets, rule.threshold, rule.minRequestAmount);
  }
  isFailure(_rt: number, error: boolean): boolean {
    return error;
  }
  record(now: number, _rt: number, error: boolean): number {
    return this.stats.recordRatio(now, error);
  }
  reset(): void {
    this.stats.reset();
  }
}
