import type { NormalizedBreakerRule } from './rule.ts';
import type { BreakerStrategy } from './strategy.ts';

/** Opens after `threshold` failures in a row; any success resets the run. No window. */
export class ConsecutiveFailuresStrategy implements BreakerStrategy {
  private run = 0;
  private readonly threshold: number;
  constructor(rule: NormalizedBreakerRule) {
    this.threshold = rule.threshold;
  }
  isFailure(_rt: number, error: boolean): boolean {
    return error;
  }
  record(_now: number, _rt: number, error: boolean): number {
    this.run = error ? this.run + 1 : 0;
    return this.run >= this.threshold ? this.run : NaN;
  }
  reset(): void {
    this.run = 0;
  }
}
