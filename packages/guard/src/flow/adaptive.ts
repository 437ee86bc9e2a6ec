// Adaptive concurrency: the in-flight limit found from latency, Gradient2-style (Netflix
// concurrency-limits). Completions are averaged per sample window; the average is compared with
// the no-load RTT, and the limit moves by the gradient
//
//   gradient = clamp(rttTolerance × noLoadRtt / windowRtt, 0.5, 1)
//   target   = limit × gradient + √limit        (√limit: room for a small queue, to probe upwards)
//   limit    = limit × (1 − smoothing) + target × smoothing, within [minLimit, maxLimit]
//
// so the limit grows while latency stays within rttTolerance of the no-load RTT and shrinks when
// queueing pushes it beyond. Three lessons of the field are built in:
//  - the no-load RTT follows a faster backend at once but a slower one only over ~100 windows,
//    so a standing queue cannot pass itself off as the new normal (the limit creeping up under
//    modest overload, concurrency-limits#134);
//  - failed calls give no sample (a fast failure is not a fast backend, #176);
//  - the limit only grows when the load used at least half of it (an idle service does not
//    talk itself into a huge limit it never tested).
import type { TokenCalculator } from './calculator.ts';

export interface AdaptiveShape {
  initialLimit: number;
  minLimit: number;
  maxLimit: number;
  rttTolerance: number;
  /** A window closes after this long and at least MIN_SAMPLES completions. */
  windowMs: number;
}

const MIN_SAMPLES = 10;
const SMOOTHING = 0.2;
/** Weight of a window whose RTT is above the no-load RTT (the slow drift up). */
const RISE = 0.01;

export class AdaptiveCalculator implements TokenCalculator {
  /** The limit in force (calls in flight). */
  limit: number;
  /** The estimate of the backend's RTT without queueing; NaN until the first window. */
  noLoadRtt = NaN;
  private readonly shape: AdaptiveShape;
  private windowStart = NaN;
  private samples = 0;
  private rttSum = 0;
  private maxInflight = 0;

  constructor(shape: AdaptiveShape) {
    this.shape = shape;
    this.limit = Math.min(shape.maxLimit, Math.max(shape.minLimit, shape.initialLimit));
  }

  threshold(_now: number): number {
    return this.limit;
  }

  /** A call finished after `rt` ms with `inflight` calls (itself included) in flight when it started. */
  onComplete(now: number, rt: number, error: boolean, inflight: number): void {
    if (error) return;
    if (this.samples === 0) this.windowStart = now;
    this.samples++;
    this.rttSum += rt;
    if (inflight > this.maxInflight) this.maxInflight = inflight;
    if (this.samples >= MIN_SAMPLES && now - this.windowStart >= this.shape.windowMs) this.closeWindow();
  }

  private closeWindow(): void {
    // A cached clock reads whole ms: an RTT under 1 ms is below what it can tell apart.
    const rtt = Math.max(this.rttSum / this.samples, 0.5);
    const used = this.maxInflight;
    this.samples = 0;
    this.rttSum = 0;
    this.maxInflight = 0;
    const base = this.noLoadRtt;
    this.noLoadRtt = !(base > 0) || rtt < base ? rtt : base + (rtt - base) * RISE;
    const { minLimit, maxLimit, rttTolerance } = this.shape;
    const gradient = Math.min(1, Math.max(0.5, (rttTolerance * this.noLoadRtt) / rtt));
    let target = this.limit * gradient;
    if (used * 2 >= this.limit) target += Math.sqrt(this.limit);
    else if (gradient === 1) return; // app-limited and healthy: nothing learned about the limit
    const next = this.limit * (1 - SMOOTHING) + target * SMOOTHING;
    this.limit = Math.min(maxLimit, Math.max(minLimit, next));
  }
}
