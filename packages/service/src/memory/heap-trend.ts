// The heap-growth detector, as a pure function of samples: the post-GC heap is bucketed over the
// window, each bucket keeps its minimum (the floor of the GC sawtooth is the live set; garbage
// between collections is not), and a least-squares line through the floors gives the slope. A
// leak is suspected when the floor rises fast enough, far enough, and steadily (a good fit), so
// a warm-up step or one large cache fill does not count as a leak.

export interface TrendOptions {
  windowMs: number;
  minSlopeBytesPerSecond: number;
  minGrowthBytes: number;
  /** Minimum coefficient of determination (r²) of the line through the bucket floors. */
  minFit: number;
  /** Buckets per window (default 10). */
  buckets?: number;
}

export interface TrendVerdict {
  suspected: boolean;
  slopeBytesPerSecond: number;
  /** Growth of the fitted line across the points' time span. */
  growthBytes: number;
  fit: number;
  /** Bucket floors in the window. */
  points: number;
  /** The latest post-GC heap seen. */
  lastHeapBytes: number;
}

export class HeapTrend {
  readonly options: Required<TrendOptions>;
  readonly #bucketMs: number;
  /** bucket index → the lowest sample in it and when it was seen. */
  readonly #floors = new Map<number, { t: number; bytes: number }>();
  #last = 0;

  constructor(options: TrendOptions) {
    this.options = { buckets: 10, ...options };
    this.#bucketMs = this.options.windowMs / this.options.buckets;
  }

  add(t: number, heapBytes: number): void {
    this.#last = heapBytes;
    const i = Math.floor(t / this.#bucketMs);
    const b = this.#floors.get(i);
    if (!b || heapBytes < b.bytes) this.#floors.set(i, { t, bytes: heapBytes });
    const oldest = Math.floor((t - this.options.windowMs) / this.#bucketMs);
    for (const k of this.#floors.keys()) if (k <= oldest) this.#floors.delete(k);
  }

  verdict(): TrendVerdict {
    const pts = [...this.#floors.values()];
    const n = pts.length;
    const none = { suspected: false, slopeBytesPerSecond: 0, growthBytes: 0, fit: 0, points: n, lastHeapBytes: this.#last };
    if (n < 3) return none;
    let sx = 0;
    let sy = 0;
    for (const p of pts) {
      sx += p.t;
      sy += p.bytes;
    }
    const mx = sx / n;
    const my = sy / n;
    let sxx = 0;
    let sxy = 0;
    let syy = 0;
    let tMin = Infinity;
    let tMax = -Infinity;
    for (const p of pts) {
      const dx = p.t - mx;
      const dy = p.bytes - my;
      sxx += dx * dx;
      sxy += dx * dy;
      syy += dy * dy;
      tMin = Math.min(tMin, p.t);
      tMax = Math.max(tMax, p.t);
    }
    if (sxx === 0) return none;
    const slopePerMs = sxy / sxx;
    const fit = syy === 0 ? 0 : (sxy * sxy) / (sxx * syy);
    const slopeBytesPerSecond = slopePerMs * 1000;
    const growthBytes = slopePerMs * (tMax - tMin);
    // Enough of the window covered that a short burst cannot pass for a trend.
    const covered = n >= Math.max(3, Math.ceil(this.options.buckets * 0.6));
    const o = this.options;
    return {
      suspected: covered && slopeBytesPerSecond >= o.minSlopeBytesPerSecond && growthBytes >= o.minGrowthBytes && fit >= o.minFit,
      slopeBytesPerSecond,
      growthBytes,
      fit,
      points: n,
      lastHeapBytes: this.#last,
    };
  }
}
