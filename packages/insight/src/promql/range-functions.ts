// The functions over a range of samples (rate, increase, *_over_time), computed the way
// Prometheus 2.42 computes them (promql/functions.go), down to the summation order and the
// Kahan-Neumaier compensation, so that a threshold compared against them flips at the same
// sample. A window is a slice [lo, hi) of a series' columns with staleness markers removed.
import { quantile } from './quantile.ts';

export interface Window {
  t: Float64Array;
  v: Float64Array;
  lo: number;
  hi: number;
}

export interface RangeContext {
  /** Start and end of the selected range (evaluation time minus offset, minus range). */
  rangeStart: number;
  rangeEnd: number;
  rangeMs: number;
  /** The scalar parameter of quantile_over_time. */
  param: number;
}

/** Undefined: the function returns no sample for this series at this step. */
export type RangeFunction = (w: Window, c: RangeContext) => number | undefined;

/** rate/increase/delta: counter resets added back, extrapolated to the range boundaries. */
function extrapolatedRate(w: Window, c: RangeContext, isCounter: boolean, isRate: boolean): number | undefined {
  const { t, v, lo, hi } = w;
  const n = hi - lo;
  if (n < 2) return undefined;
  const first = v[lo]!;
  let result = v[hi - 1]! - first;
  if (isCounter) {
    let prev = first;
    for (let i = lo + 1; i < hi; i++) {
      const cur = v[i]!;
      if (cur < prev) result += prev;
      prev = cur;
    }
  }
  let durationToStart = (t[lo]! - c.rangeStart) / 1000;
  const durationToEnd = (c.rangeEnd - t[hi - 1]!) / 1000;
  const sampledInterval = (t[hi - 1]! - t[lo]!) / 1000;
  const averageDurationBetweenSamples = sampledInterval / (n - 1);
  if (isCounter && result > 0 && first >= 0) {
    // A counter is never negative: extrapolate no further back than its zero point.
    const durationToZero = sampledInterval * (first / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const threshold = averageDurationBetweenSamples * 1.1;
  let extrapolateToInterval = sampledInterval;
  extrapolateToInterval += durationToStart < threshold ? durationToStart : averageDurationBetweenSamples / 2;
  extrapolateToInterval += durationToEnd < threshold ? durationToEnd : averageDurationBetweenSamples / 2;
  let factor = extrapolateToInterval / sampledInterval;
  if (isRate) factor /= c.rangeMs / 1000;
  return result * factor;
}

function instantValue(w: Window, isRate: boolean): number | undefined {
  const { t, v, lo, hi } = w;
  if (hi - lo < 2) return undefined;
  const last = v[hi - 1]!;
  const previous = v[hi - 2]!;
  let result = isRate && last < previous ? last : last - previous;
  const sampledInterval = t[hi - 1]! - t[hi - 2]!;
  if (sampledInterval === 0) return undefined;
  if (isRate) result /= sampledInterval / 1000;
  return result;
}

// Kahan-Neumaier summation written out inline (a helper call per sample costs several times the
// arithmetic on week-long windows): t = sum + inc; c += |sum| >= |inc| ? (sum - t) + inc : (inc - t) + sum.
function avgOverTime({ v, lo, hi }: Window): number {
  let mean = 0;
  let c = 0;
  let count = 0;
  for (let i = lo; i < hi; i++) {
    const x = v[i]!;
    count++;
    if (mean === Infinity || mean === -Infinity) {
      // Inf of the same sign stays; a finite value cannot move an infinite mean.
      if ((x === Infinity || x === -Infinity) && mean > 0 === x > 0) continue;
      if (Number.isFinite(x)) continue;
    }
    const inc = x / count - mean / count;
    const t = mean + inc;
    c += Math.abs(mean) >= Math.abs(inc) ? mean - t + inc : inc - t + mean;
    mean = t;
  }
  return mean === Infinity || mean === -Infinity ? mean : mean + c;
}

function sumOverTime({ v, lo, hi }: Window): number {
  let sum = 0;
  let c = 0;
  for (let i = lo; i < hi; i++) {
    const inc = v[i]!;
    const t = sum + inc;
    c += Math.abs(sum) >= Math.abs(inc) ? sum - t + inc : inc - t + sum;
    sum = t;
  }
  return sum === Infinity || sum === -Infinity ? sum : sum + c;
}

/** Welford's variance with both running terms compensated (stddev_over_time, stdvar_over_time). */
function varianceOverTime({ v, lo, hi }: Window): number {
  let count = 0;
  let mean = 0;
  let cMean = 0;
  let aux = 0;
  let cAux = 0;
  for (let i = lo; i < hi; i++) {
    const x = v[i]!;
    count++;
    const delta = x - (mean + cMean);
    const incM = delta / count;
    const tM = mean + incM;
    cMean += Math.abs(mean) >= Math.abs(incM) ? mean - tM + incM : incM - tM + mean;
    mean = tM;
    const incA = delta * (x - (mean + cMean));
    const tA = aux + incA;
    cAux += Math.abs(aux) >= Math.abs(incA) ? aux - tA + incA : incA - tA + aux;
    aux = tA;
  }
  return (aux + cAux) / count;
}

function minOverTime({ v, lo, hi }: Window): number {
  let min = v[lo]!;
  for (let i = lo; i < hi; i++) if (v[i]! < min || Number.isNaN(min)) min = v[i]!;
  return min;
}

function maxOverTime({ v, lo, hi }: Window): number {
  let max = v[lo]!;
  for (let i = lo; i < hi; i++) if (v[i]! > max || Number.isNaN(max)) max = v[i]!;
  return max;
}

let scratch = new Float64Array(1024);
/** The window's values in a reusable buffer (quantile reorders what it is given). */
function scratchCopy({ v, lo, hi }: Window): Float64Array {
  if (scratch.length < hi - lo) scratch = new Float64Array(2 ** Math.ceil(Math.log2(hi - lo)));
  scratch.set(v.subarray(lo, hi));
  return scratch.subarray(0, hi - lo);
}

export const RANGE_FUNCTIONS: Readonly<Record<string, RangeFunction>> = {
  rate: (w, c) => extrapolatedRate(w, c, true, true),
  increase: (w, c) => extrapolatedRate(w, c, true, false),
  delta: (w, c) => extrapolatedRate(w, c, false, false),
  irate: (w) => instantValue(w, true),
  idelta: (w) => instantValue(w, false),
  avg_over_time: avgOverTime,
  sum_over_time: sumOverTime,
  min_over_time: minOverTime,
  max_over_time: maxOverTime,
  count_over_time: (w) => w.hi - w.lo,
  stddev_over_time: (w) => Math.sqrt(varianceOverTime(w)),
  stdvar_over_time: varianceOverTime,
  last_over_time: (w) => w.v[w.hi - 1]!,
  present_over_time: () => 1,
  quantile_over_time: (w, c) => quantile(c.param, scratchCopy(w)),
};
