// Warm-up: after a cold period the allowed rate starts at threshold/coldFactor and climbs to
// the full threshold over warmUpPeriodSec, on the "smooth warming up" curve of Guava's
// RateLimiter as Sentinel applies it to QPS.
//
// A bucket of stored tokens stands for coldness. It fills while traffic is light and drains by
// the passes of each second. Above `warningToken` the process counts as cold and the allowed
// QPS follows 1 / (aboveToken * slope + 1 / threshold), which is threshold/coldFactor at a full
// bucket and the threshold at the warning line. The bucket's size is chosen so that a full
// bucket drains to the warning line in warmUpPeriodSec when traffic runs at the allowed rate.
import type { TokenCalculator } from './calculator.ts';

export interface WarmUpShape {
  /** Passes per second at full warmth. */
  qps: number;
  warmUpPeriodSec: number;
  coldFactor: number;
}

export class WarmUpCalculator implements TokenCalculator {
  readonly warningToken: number;
  readonly maxToken: number;
  readonly slope: number;
  /** Stored tokens: the coldness. Starts full (cold). */
  storedTokens = 0;
  private lastFilledSec = -Infinity;
  private readonly qps: number;
  private readonly coldFactor: number;
  /** Converts QPS to the rule's units (passes per statIntervalMs). */
  private readonly perInterval: number;
  /** Recent passes per second of the measured resource (read once per second). */
  private readonly passQps: (now: number) => number;

  constructor(shape: WarmUpShape, statIntervalMs: number, passQps: (now: number) => number) {
    const { qps, warmUpPeriodSec, coldFactor } = shape;
    this.qps = qps;
    this.coldFactor = coldFactor;
    this.perInterval = statIntervalMs / 1000;
    this.passQps = passQps;
    this.warningToken = Math.floor((warmUpPeriodSec * qps) / (coldFactor - 1));
    this.maxToken = this.warningToken + Math.floor((2 * warmUpPeriodSec * qps) / (1 + coldFactor));
    this.slope = (coldFactor - 1) / qps / Math.max(1, this.maxToken - this.warningToken);
  }

  threshold(now: number): number {
    this.sync(now);
    return this.allowedQps() * this.perInterval;
  }

  /** Allowed passes per second for the current stored tokens. */
  allowedQps(): number {
    const rest = Math.max(0, this.storedTokens);
    if (rest < this.warningToken) return this.qps;
    const above = rest - this.warningToken;
    return 1 / (above * this.slope + 1 / this.qps);
  }

  /** Once per wall second: refill by elapsed time (when cool enough), then drain by last second's passes. */
  private sync(now: number): void {
    const sec = Math.floor(now / 1000);
    if (sec <= this.lastFilledSec) return;
    const passQps = this.passQps(now);
    const old = this.storedTokens;
    let next = old;
    const refill = Number.isFinite(this.lastFilledSec) ? (sec - this.lastFilledSec) * this.qps : Infinity;
    // Below the warning line tokens always refill; above it only while traffic is light, so a
    // busy process keeps warming instead of being pushed back to cold. (Sentinel refills only
    // strictly below the line, which stalls a bucket that lands exactly on it: whole-second
    // refills of an integer rate do.)
    if (old <= this.warningToken || passQps < this.qps / this.coldFactor) next = old + refill;
    next = Math.min(next, this.maxToken);
    this.storedTokens = Math.max(0, next - passQps);
    this.lastFilledSec = sec;
  }
}
