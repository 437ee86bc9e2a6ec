// Adaptive concurrency: the in-flight limit found from latency, Gradient2-style (Netflix
// concurrency-limits). Completions are averaged per sample window; the average is compared with
// the no-load RTT, and the limit moves by the gradient
//
//   gradient = clamp(rttTolerance × noLoadRtt / windowRtt, 0.5, 1)
//   target   = limit × gradient + √limit        (√limit: room for a small queue, to probe upwards)
//   limit    = limit × (1 − smoothing) + target × smoothing, within [minLimit, maxLimit]
//
// so the limit grows while latency stays within rttTolerance of the no-load RTT and shrinks when
// queueing pushes it beyond. What the no-load RTT is cannot be seen while the backend is
// saturated: every call then waits behind the queue the limit lets in. Estimating it from the
// loaded RTT (a long average, as Gradient2 does) lets a standing queue pass itself off as the
// new normal and the limit creep up under overload (concurrency-limits#134); starting from a
// limit above the backend's capacity would never see it at all. So the no-load RTT is measured
// the way Envoy's adaptive concurrency does, but briefly: at the start and then every ~5 s
// (jittered) the limit drops to minLimit until 10 calls started at that concurrency have
// completed; their average is the no-load RTT until the next probe, lowered meanwhile by any
// faster window. Failed calls give no sample (a fast failure is not a fast backend, #176), and
// the limit only grows when the load used at least half of it.
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
const PROBE_EVERY_MS = 5000;

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
  /** While probing: when it started (calls started before do not count); NaN otherwise. */
  private probeStart = NaN;
  private nextProbe = -Infinity;
  private readonly random: () => number;

  constructor(shape: AdaptiveShape, random: () => number = Math.random) {
    this.random = random;
    this.shape = shape;
    this.limit = Math.min(shape.maxLimit, Math.max(shape.minLimit, shape.initialLimit));
  }

  threshold(now: number): number {
    if (now >= this.nextProbe && Number.isNaN(this.probeStart)) this.startProbe(now);
    return Number.isNaN(this.probeStart) ? this.limit : this.shape.minLimit;
  }

  get probing(): boolean {
    return !Number.isNaN(this.probeStart);
  }

  private startProbe(now: number): void {
    this.probeStart = now;
    this.samples = 0;
    this.rttSum = 0;
    this.maxInflight = 0;
  }

  /** A call finished after `rt` ms with `inflight` calls (itself included) in flight when it started. */
  onComplete(now: number, rt: number, error: boolean, inflight: number): void {
    if (error) return;
    if (!Number.isNaN(this.probeStart)) {
      if (now - rt < this.probeStart) return; // admitted before the probe: queued behind others
      this.rttSum += rt;
      if (++this.samples >= MIN_SAMPLES) this.endProbe(now);
      return;
    }
    if (this.samples === 0) this.windowStart = now;
    this.samples++;
    this.rttSum += rt;
    if (inflight > this.maxInflight) this.maxInflight = inflight;
    if (this.samples >= MIN_SAMPLES && now - this.windowStart >= this.shape.windowMs) this.closeWindow();
  }

  private endProbe(now: number): void {
    this.noLoadRtt = Math.max(this.rttSum / this.samples, 0.5);
    this.probeStart = NaN;
    this.samples = 0;
    this.rttSum = 0;
    this.nextProbe = now + PROBE_EVERY_MS * (0.8 + 0.4 * this.random());
  }

  private closeWindow(): void {
    // A cached clock reads whole ms: an RTT under 1 ms is below what it can tell apart.
    const rtt = Math.max(this.rttSum / this.samples, 0.5);
    const used = this.maxInflight;
    this.samples = 0;
    this.rttSum = 0;
    this.maxInflight = 0;
    const base = this.noLoadRtt;
    if (!(base > 0) || rtt < base) this.noLoadRtt = rtt;
    const { minLimit, maxLimit, rttTolerance } = this.shape;
    const gradient = Math.min(1, Math.max(0.5, (rttTolerance * this.noLoadRtt) / rtt));
    let target = this.limit * gradient;
    if (used * 2 >= this.limit) target += Math.sqrt(this.limit);
    else if (gradient === 1) return; // app-limited and healthy: nothing learned about the limit
    const next = this.limit * (1 - SMOOTHING) + target * SMOOTHING;
    this.limit = Math.min(maxLimit, Math.max(minLimit, next));
  }
}
