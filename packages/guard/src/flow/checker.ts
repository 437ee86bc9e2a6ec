// The hot-path side of a flow rule: a token calculator (how much is allowed now) composed with
// a control behaviour (reject over the threshold, or pace with a wait). A cluster rule spends
// permits leased from the cluster store instead, or, while the store is down, enforces this
// replica's share of the threshold on its own window.
import { REASON_FLOW } from '../block-reason.ts';
import { LeaseTable } from '../cluster/leases.ts';
import type { ClusterLink } from '../cluster/link.ts';
import { EV_PASS, type ResourceNode } from '../stat/resource-node.ts';
import { SlidingWindow } from '../stat/sliding-window.ts';
import type { SystemSignals } from '../signals/signals.ts';
import { BLOCKED } from '../verdict.ts';
import { AdaptiveCalculator } from './adaptive.ts';
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
  /** Cluster rules: the leased permits and the link to the store. */
  readonly leases: LeaseTable | null;
  private readonly link: ClusterLink | null;
  /** Adaptive rules: the limit learned from completions. */
  readonly adaptive: AdaptiveCalculator | null;
  private lastFallbackPass = -Infinity;
  private inFallback = false;
  /**
   * The common rule (qps, direct, reject, this resource's window, not clustered): checked in one
   * comparison against `plainThreshold`, and nothing to commit. The hot path tests this flag
   * first, so check() and commit() stay small enough for V8 to inline into the guard's entry,
   * and the other kinds' calls (the calculators, the throttler, the leases) stay out of it.
   */
  private readonly plain: boolean;
  private readonly plainThreshold: number;

  constructor(rule: NormalizedFlowRule, measured: ResourceNode, signals: SystemSignals, link: ClusterLink | null = null) {
    this.rule = rule;
    this.dryRun = rule.dryRun;
    this.measured = measured;
    this.concurrency = rule.metric === 'concurrency';
    const sameAsNode = rule.statIntervalMs === DEFAULT_STAT_INTERVAL_MS && rule.statBuckets === DEFAULT_STAT_BUCKETS;
    this.ownWindow = sameAsNode || rule.relation === 'associated' ? null : new SlidingWindow(rule.statIntervalMs, rule.statBuckets, 1);
    this.window = this.ownWindow ?? measured.window;
    this.throttler = rule.behavior === 'throttling' ? new Throttler(rule.statIntervalMs, rule.maxQueueingTimeMs) : null;
    this.link = rule.clusterMode ? link : null;
    this.leases = this.link !== null ? new LeaseTable(rule.id, rule.statIntervalMs, 1, this.link) : null;
    this.adaptive = null;
    const window = this.window;
    const intervalMs = window.intervalMs;
    switch (rule.strategy) {
      case 'adaptive':
        this.calc = this.adaptive = new AdaptiveCalculator({
          initialLimit: rule.threshold,
          minLimit: rule.minLimit!,
          maxLimit: rule.maxLimit!,
          rttTolerance: rule.rttTolerance!,
          windowMs: 100,
        });
        break;
      case 'warmUp':
        this.calc = new WarmUpCalculator(
          { qps: (rule.threshold * 1000) / rule.statIntervalMs, warmUpPeriodSec: rule.warmUpPeriodSec!, coldFactor: rule.coldFactor },
          rule.statIntervalMs,
          (now) => (window.sum(now, EV_PASS) * 1000) / intervalMs,
        );
        break;
      case 'memoryAdaptive':
        this.calc = new MemoryAdaptiveCalculator(
          rule.threshold,
          rule.highMemThreshold!,
          rule.memLowWatermark!,
          rule.memHighWatermark!,
          signals,
        );
        break;
      default:
        this.calc = new DirectCalculator(rule.threshold);
    }
    this.plain =
      rule.strategy === 'direct' && !this.concurrency && this.throttler === null && this.leases === null && this.ownWindow === null;
    this.plainThreshold = rule.threshold;
  }

  /** Verdict for `batch` passes: the wait in ms (0 = now), or BLOCKED. Changes nothing. */
  check(now: number, batch: number): number {
    if (this.plain) return this.window.sum(now, EV_PASS) + batch > this.plainThreshold ? BLOCKED : 0;
    return this.checkOther(now, batch);
  }

  private checkOther(now: number, batch: number): number {
    if (this.leases !== null) return this.clusterCheck(now, batch);
    const threshold = this.calc.threshold(now);
    if (this.concurrency) return this.measured.inflight + 1 > threshold ? BLOCKED : 0;
    if (this.throttler !== null) return this.throttler.check(now, batch, threshold);
    return this.window.sum(now, EV_PASS) + batch > threshold ? BLOCKED : 0;
  }

  /** Records an admitted pass (after every rule has said yes). */
  commit(now: number, batch: number): void {
    if (!this.plain) this.commitOther(now, batch);
  }

  private commitOther(now: number, batch: number): void {
    if (this.leases !== null) {
      if (this.link!.up) this.leases.commit(0, now, batch);
      else this.lastFallbackPass = now;
    }
    if (this.throttler !== null) this.throttler.commit();
    if (this.ownWindow !== null) this.ownWindow.add(now, EV_PASS, batch);
  }

  /** An adaptive rule learns from every completion of its resource. */
  onComplete(now: number, rt: number, error: boolean, inflight: number): void {
    this.adaptive?.onComplete(now, rt, error, inflight);
  }

  private clusterCheck(now: number, batch: number): number {
    if (this.link!.up) {
      if (this.inFallback) {
        this.inFallback = false;
        this.leases!.resume(0, now, this.window.sum(now, EV_PASS));
      }
      return this.leases!.check(0, now, batch, this.rule.threshold);
    }
    this.inFallback = true;
    const limit = this.fallbackThreshold();
    if (limit >= 1) return this.window.sum(now, EV_PASS) + batch > limit ? BLOCKED : 0;
    // A share below one pass per window: single passes, spaced out.
    return batch <= 1 && now - this.lastFallbackPass >= this.rule.statIntervalMs / limit ? 0 : BLOCKED;
  }

  /**
   * This replica's part of the threshold while the store is down: its share of the admitted
   * traffic over the last windows (threshold ÷ live replicas when the load is even or the share
   * unknown), rescaled when the live count changed since, and never below a quarter of an even
   * share, so a replica that was idle can still serve. Equal shares alone would strand the part
   * of a quiet replica while a busy one rejects.
   */
  fallbackThreshold(): number {
    const link = this.link!;
    const live = link.liveReplicas();
    const s = this.leases!.shareOf(0);
    const share = Number.isNaN(s) ? 1 / live : Math.max((s * link.storeLiveReplicas()) / live, 0.25 / live);
    return this.rule.threshold * Math.min(1, share);
  }

  /** A hint for Retry-After when this rule blocks. */
  retryAfterMs(now: number): number {
    if (this.leases !== null && this.link!.up) return this.leases.retryAfterMs(0, now);
    if (this.concurrency) return 1000;
    if (this.throttler !== null) return this.throttler.retryAfterMs(now);
    return this.window.msToNextBucket(now);
  }

  /** The threshold in force now, for RateLimit headers and snapshots. */
  currentThreshold(now: number): number {
    if (this.leases !== null && !this.link!.up) return this.fallbackThreshold();
    if (this.adaptive !== null) return this.adaptive.limit; // the learned limit, also while a probe holds it lower
    return this.calc.threshold(now);
  }

  /** Passes counted against the threshold right now. */
  currentCount(now: number): number {
    return this.concurrency ? this.measured.inflight : this.window.sum(now, EV_PASS);
  }
}
