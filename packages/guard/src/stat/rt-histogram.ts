// Cumulative response-time histogram with fixed bounds, for exporters (Prometheus wants
// cumulative buckets). A linear scan: most observations land in the first few buckets.

/** Upper bounds in milliseconds; the last bucket is +Inf. */
export const RT_BOUNDS_MS: readonly number[] = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

export class RtHistogram {
  /** counts[i] = observations <= RT_BOUNDS_MS[i] and > the previous bound; counts[last] = the rest. */
  readonly counts = new Float64Array(RT_BOUNDS_MS.length + 1);
  sumMs = 0;
  count = 0;

  observe(ms: number): void {
    let i = 0;
    const n = RT_BOUNDS_MS.length;
    while (i < n && ms > RT_BOUNDS_MS[i]!) i++;
    this.counts[i]!++;
    this.sumMs += ms;
    this.count++;
  }
}
