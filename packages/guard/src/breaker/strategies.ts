// The strategy a breaker rule names, built for its checker.
import { ConsecutiveFailuresStrategy } from './consecutive-failures.ts';
import { ErrorCountStrategy } from './error-count.ts';
import { ErrorRatioStrategy } from './error-ratio.ts';
import type { NormalizedBreakerRule } from './rule.ts';
import { SlowRequestRatioStrategy } from './slow-request-ratio.ts';
import type { BreakerStrategy } from './strategy.ts';

export function createStrategy(rule: NormalizedBreakerRule): BreakerStrategy {
  switch (rule.strategy) {
    case 'slowRequestRatio':
      return new SlowRequestRatioStrategy(rule);
    case 'errorRatio':
      return new ErrorRatioStrategy(rule);
    case 'errorCount':
      return new ErrorCountStrategy(rule);
    case 'consecutiveFailures':
      return new ConsecutiveFailuresStrategy(rule);
  }
}
