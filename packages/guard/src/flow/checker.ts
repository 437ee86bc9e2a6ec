// The hot-path side of a flow rule: a token calculator (how much is allowed now) composed with
// a control behaviour (reject over the threshold, or pace with a wait).
import { REASON_FLOW } from '../block-reason.ts';
import { EV_PASS, type ResourceNode } from '../stat/resource-node.ts';
import { SlidingWindow } from '../stat/sliding-window.ts';
import type { SystemSignals } from '../signals/signals.ts';
import { BLOCKED } from '../verdict.ts';
import type { TokenCalculator } from './calculator.ts';
import { DirectCalculator } from './direct.ts';
import { MemoryAdaptiveCalculator } from './memory-adaptive.ts';
import { DEFAULT_STAT_BUCKETS, DEFAULT_STAT_INTERVAL_MS, type NormalizedFlowRule } from './rule.ts';
import { Throttler } from './throttling.ts';
import { WarmUpCalculator } from './warm-up.ts';

export class FlowChecker {
  readonly rule: NormalizedFlowRule;
  readonly reason = REASON_FLOW;
  readonly dryRun: boolean;
  private readonly calc: TokenCalculator;
  /** The node whose traffic is measured: this resource, or refResource for 'associated'. */
  private readonly measured: ResourceNode;
  private readonly window: SlidingWindow;
  /** A window of this rule's own (a non-default statIntervalMs), fed by commit(). */
  private readonly ownWindow: SlidingWindow | null;
  private readonly concurrency: boolean;
  private readonly throttler: Throttler | null;

  constructor(rule: NormalizedFlowRule, measured: ResourceNode, signals: SystemSignals) {
    this.rule = rule;
    this.dryRun = rule.dryRun;
    this.measured = measured;
    this.concurrency = rule.metric === 'concurrency';
    const sameAsNode = rule.statIntervalMs === DEFAULT_STAT_INTERVAL_MS && rule.statBuckets === DEFAULT_STAT_BUCKETS;
    this.ownWindow = sameAsNode || rule.relation === 'associated' ? null : new SlidingWindow(rule.statIntervalMs, rule.statBuckets, 1);
    this.window = this.ownWindow ?? measured.window;
    this.throttler = rule.behavior === 'throttling' ? new Throttler(rule.statIntervalMs, rule.maxQueueingTimeMs) : null;
    const window = this.window;
    const intervalMs = window.intervalMs;
    switch (rule.strategy) {
      case 'warmUp':
        this.calc = new WarmUpCalculator(
          { qps: (rule.threshold * 1000) / rule.statIntervalMs, warmUpPeriodSec: rule.warmUpPeriodSec!, coldFactor: rule.coldFactor },
          rule.statIntervalMs,
          (now) => (window.sum(now, EV_PASS) * 1000) / intervalMs,
        );
        break;
      case 'memoryAdaptive':
        this.calc = new MemoryAdaptiveCalculator(rule.threshold, rule.highMemThreshold!, rule.memLowWatermark!, rule.memHighWatermark!, signals);
        break;
      default:
        this.calc = new DirectCalculator(rule.threshold);
    }
  }

  /** Verdict for `batch` passes: the wait in ms (0 = now), or BLOCKED. Changes nothing. */
  check(now: number, batch: number): number {
    const threshold = this.calc.threshold(now);
    if (this.concurrency) return this.measured.inflight + 1 > threshold ? BLOCKED : 0;
    if (this.throttler !== null) return this.throttler.check(now, batch, threshold);
    return this.window.sum(now, EV_PASS) + batch > threshold ? BLOCKED : 0;
  }

  /** Records an admitted pass (after every rule has said yes). */
  commit(now: number, batch: number): void {
    if (this.throttler !== null) this.throttler.commit();
    if (this.ownWindow !== null) this.ownWindow.add(now, EV_PASS, batch);
  }

  /** A hint for Retry-After when this rule blocks. */
  retryAfterMs(now: number): number {
    if (this.concurrency) return 1000;
    if (this.throttler !== null) return this.throttler.retryAfterMs(now);
    return this.window.msToNextBucket(now);
  }

  /** The threshold in force now, for RateLimit headers and snapshots. */
  currentThreshold(now: number): number {
    return this.calc.threshold(now);
  }

  /** Passes counted against the threshold right now. */
  currentCount(now: number): number {
    return this.concurrency ? this.measured.inflight : this.window.sum(now, EV_PASS);
  }
}
