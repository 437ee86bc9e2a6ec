// quantile()/quantile_over_time() and histogram_quantile() over classic buckets, as Prometheus
// 2.42 computes them (promql/quantile.go): the same sort order (NaN first), the same linear
// interpolation, the same repairs of non-monotonic buckets.

/** Sorts ascending with NaN first, as Go's sort over vectorByValueHeap does. */
function sortNaNFirst(values: Float64Array): void {
  values.sort((a, b) => {
    const an = Number.isNaN(a);
    const bn = Number.isNaN(b);
    if (an || bn) return an === bn ? 0 : an ? -1 : 1;
    return a - b;
  });
}

/** Rearranges a[lo..hi] so that a[k] holds the value sorted order puts there, smaller ones before it, larger after. */
function selectKth(a: Float64Array, k: number): void {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    // Median of three as the pivot: sorted or reversed windows stay linear.
    const mid = (lo + hi) >>> 1;
    const x = a[lo]!;
    const y = a[mid]!;
    const z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const tmp = a[i]!;
        a[i] = a[j]!;
        a[j] = tmp;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/**
 * The φ-quantile of the values (reordered in place), with linear interpolation between ranks.
 * Only the two ranks around φ·(n-1) matter, so they are selected in linear time rather than by
 * sorting everything; with a NaN among the values Prometheus's sort order (NaN first) decides.
 */
export function quantile(q: number, values: Float64Array): number {
  if (values.length === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const n = values.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  let hasNaN = false;
  for (let i = 0; i < n; i++) if (values[i] !== values[i]) hasNaN = true;
  let lowValue: number;
  let highValue: number;
  if (hasNaN) {
    sortNaNFirst(values);
    lowValue = values[lower]!;
    highValue = values[upper]!;
  } else {
    selectKth(values, lower);
    lowValue = values[lower]!;
    highValue = lowValue;
    if (upper > lower) {
      highValue = Infinity;
      for (let i = lower + 1; i < n; i++) if (values[i]! < highValue) highValue = values[i]!;
    }
  }
  return lowValue * (1 - weight) + highValue * weight;
}

export interface Bucket {
  upperBound: number;
  count: number;
}

/** histogram_quantile over the buckets of one histogram (modified in place). */
export function bucketQuantile(q: number, input: Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  // Go's sort.Sort is not stable; equal bounds are merged next, so their order does not matter.
  input.sort((a, b) => a.upperBound - b.upperBound);
  if (input[input.length - 1]!.upperBound !== Infinity) return NaN;
  const buckets = coalesce(input);
  ensureMonotonic(buckets);
  if (buckets.length < 2) return NaN;
  const observations = buckets[buckets.length - 1]!.count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  // sort.Search over len-1: the first bucket whose count reaches the rank.
  let b = 0;
  let hi = buckets.length - 1;
  while (b < hi) {
    const mid = (b + hi) >>> 1;
    if (buckets[mid]!.count >= rank) hi = mid;
    else b = mid + 1;
  }
  if (b === buckets.length - 1) return buckets[buckets.length - 2]!.upperBound;
  if (b === 0 && buckets[0]!.upperBound <= 0) return buckets[0]!.upperBound;
  let bucketStart = 0;
  const bucketEnd = buckets[b]!.upperBound;
  let count = buckets[b]!.count;
  if (b > 0) {
    bucketStart = buckets[b - 1]!.upperBound;
    count -= buckets[b - 1]!.count;
    rank -= buckets[b - 1]!.count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

function coalesce(buckets: Bucket[]): Bucket[] {
  const out: Bucket[] = [];
  let last = { ...buckets[0]! };
  for (let i = 1; i < buckets.length; i++) {
    const b = buckets[i]!;
    if (b.upperBound === last.upperBound) last.count += b.count;
    else {
      out.push(last);
      last = { ...b };
    }
  }
  out.push(last);
  return out;
}

function ensureMonotonic(buckets: Bucket[]): void {
  let max = buckets[0]!.count;
  for (let i = 1; i < buckets.length; i++) {
    const c = buckets[i]!.count;
    if (c > max) max = c;
    else if (c < max) buckets[i]!.count = max;
  }
}
