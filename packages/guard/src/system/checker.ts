// Adaptive system protection, the pure part: it reads smoothed signals, keeps inbound
// statistics, and decides per request whether to shed. No timers and no I/O: the sampler
// (sampler.ts) feeds it readings; tests feed it by hand.
//
// Two conditions must hold to shed, as in sentinel's system rule and kratos' BBR:
//  1. a signal is over its trigger (the process is hurting), and
//  2. more inbound requests are in flight than the BBR estimate, max pass rate x min RT: the
//     number in flight the process has proven it can complete without queueing.
// A busy but healthy process (CPU high, no queue) therefore keeps serving everything.
//
// Unlike those, shedding is gradual: `level` (the probability of shedding a request just over
// the estimate; certain at twice the estimate) climbs by riseStep per sample while a trigger is
// exceeded, holds inside the hysteresis band and for coolDownMs after the last excess, then
// halves per sample. Health and metrics
// (priority 'critical') are never shed; 'low' sheds at twice the level.
import { SlidingWindow } from '../stat/sliding-window.ts';
import { PRIORITY_CRITICAL, PRIORITY_HIGH, PRIORITY_LOW } from './priority.ts';
import type { NormalizedSystemRule } from './rule.ts';
import { TRIGGERS } from './rule.ts';
import type { SystemSignals } from '../signals/signals.ts';

const COMPLETE = 0;
const RT_SUM = 1;
const IN_PASS = 0;
const IN_COMPLETE = 1;
const IN_RT = 2;

export interface SystemState {
  level: number;
  pressure: number;
  /** The trigger furthest over (or nearest to) its threshold. */
  worstSignal: string | null;
  inflight: number;
  maxInflight: number;
}

export class SystemChecker {
  readonly rule: NormalizedSystemRule;
  readonly dryRun: boolean;
  /** Probability of shedding an eligible normal-priority request, 0..1. */
  level = 0;
  pressure = 0;
  worstSignal: string | null = null;
  /** Inbound requests admitted and not yet finished. */
  inflight = 0;
  private readonly signals: SystemSignals;
  private readonly random: () => number;
  private readonly bbr: SlidingWindow;
  private readonly inbound = new SlidingWindow(1000, 10, 3);
  private cachedBn = -1;
  private lastOverAt = -Infinity;
  private cachedMaxInflight = Infinity;

  constructor(rule: NormalizedSystemRule, signals: SystemSignals, random: () => number = Math.random) {
    this.rule = rule;
    this.dryRun = rule.dryRun;
    this.signals = signals;
    this.random = random;
    this.bbr = new SlidingWindow(rule.bbrWindowMs, rule.bbrBuckets, 2);
  }

  /** Hot path: whether to shed an inbound request of `priority` now. */
  shouldShed(now: number, priority: number): boolean {
    if (this.level === 0 || priority === PRIORITY_CRITICAL) return false;
    const estimate = this.maxInflight(now);
    const inflight = this.inflight;
    if (inflight <= 1 || inflight <= estimate) return false;
    // Just over the estimate, shed with probability `level` (gradual); the further over, the
    // surer, up to certain at twice the estimate. A fixed probability would let a heavy
    // overload through at (1 - level) x its rate and the queue would grow without bound.
    const excess = Math.min(1, (inflight - estimate) / estimate);
    const level = priority === PRIORITY_LOW ? Math.min(1, this.level * 2) : priority === PRIORITY_HIGH ? this.level * 0.5 : this.level;
    const p = 1 - (1 - level) * (1 - excess);
    return p >= 1 || this.random() < p;
  }

  onPass(now: number): void {
    this.inflight++;
    this.inbound.add(now, IN_PASS, 1);
  }

  onComplete(now: number, rt: number): void {
    this.inflight--;
    this.bbr.add(now, COMPLETE, 1);
    this.bbr.add(now, RT_SUM, rt);
    this.inbound.add(now, IN_COMPLETE, 1);
    this.inbound.add(now, IN_RT, rt);
  }

  onCancel(): void {
    this.inflight--;
  }

  /**
   * The BBR estimate: the most completions seen in one bucket (as a rate) times the lowest
   * average RT of any bucket, i.e. the in-flight count that rate needs with no queueing, times
   * the probing headroom. Recomputed once per bucket; Infinity until a bucket has completed.
   */
  maxInflight(now: number): number {
    const bn = Math.floor(now / this.bbr.bucketMs);
    if (bn !== this.cachedBn) {
      this.cachedBn = bn;
      const maxPerBucket = this.bbr.maxCompleted(now, COMPLETE);
      const minRt = this.bbr.minRatioCompleted(now, RT_SUM, COMPLETE);
      this.cachedMaxInflight =
        maxPerBucket > 0 && minRt < Infinity
          ? (this.rule.bbrHeadroom * maxPerBucket * (1000 / this.bbr.bucketMs) * Math.max(minRt, 0.001)) / 1000
          : Infinity;
    }
    return this.cachedMaxInflight;
  }

  /** Inbound statistics, written into the signals before each update. */
  inboundReadings(now: number): { inboundQps: number; inboundAvgRtMs: number; inboundConcurrency: number } {
    const completed = this.inbound.sum(now, IN_COMPLETE);
    return {
      inboundQps: this.inbound.sum(now, IN_PASS),
      inboundAvgRtMs: completed > 0 ? this.inbound.sum(now, IN_RT) / completed : 0,
      inboundConcurrency: this.inflight,
    };
  }

  /** One control step at `now`, after the signals were updated: adjusts the shedding level. */
  update(now: number): void {
    const rule = this.rule;
    let pressure = 0;
    let worst: string | null = null;
    for (const t of TRIGGERS) {
      const limit = rule[t];
      if (limit === undefined) continue;
      const v = this.signals[t];
      if (!(v >= 0)) continue;
      const p = v / limit;
      if (p > pressure || worst === null) {
        pressure = p;
        worst = t;
      }
    }
    this.pressure = pressure;
    this.worstSignal = worst;
    if (pressure >= 1) {
      this.level = Math.min(1, this.level + rule.riseStep);
      this.lastOverAt = now;
    } else if (pressure < 1 - rule.hysteresis && now - this.lastOverAt >= rule.coolDownMs) {
      // Shedding that works brings the signal down; letting go at once would readmit the
      // overload and oscillate. So the level holds for coolDownMs after the last excess
      // (kratos holds its drop state for 1 s the same way), then halves per sample.
      this.level = this.level < 0.02 ? 0 : this.level / 2;
    }
  }

  state(now: number): SystemState {
    return {
      level: this.level,
      pressure: this.pressure,
      worstSignal: this.worstSignal,
      inflight: this.inflight,
      maxInflight: this.maxInflight(now),
    };
  }
}
