// An in-memory series store: what the embedded evaluator reads (a replay, the daemon's scraped
// series) and where rule evaluation writes recorded series. Samples are columns of Float64Array
// (8 bytes a timestamp, 8 a value) that grow by doubling; a staleness marker is a flag beside
// the value, as Prometheus marks a series that a scrape or a rule stopped returning.
import { InsightError } from '../errors.ts';
import type { Matcher } from './ast.ts';
import { compare, get, key, labelsFrom, type Labels } from './labels.ts';

export class Series {
  readonly labels: Labels;
  readonly key: string;
  /** Real samples only, in time order: a window is always a slice of these, never a copy. */
  t: Float64Array;
  v: Float64Array;
  n = 0;
  /** Times of staleness markers, in order (a rule or scrape stopped returning the series). */
  readonly staleAt: number[] = [];

  constructor(labels: Labels, capacity = 64) {
    this.labels = labels;
    this.key = key(labels);
    this.t = new Float64Array(capacity);
    this.v = new Float64Array(capacity);
  }

  #grow(): void {
    const cap = this.t.length * 2;
    const t = new Float64Array(cap);
    t.set(this.t);
    const v = new Float64Array(cap);
    v.set(this.v);
    this.t = t;
    this.v = v;
  }

  #describe(): string {
    return this.key.replaceAll('\xfe', '=').replaceAll('\xff', ' ').trim();
  }

  /**
   * Appends a sample (or a staleness marker) at `ms`. Like a TSDB appender: an older timestamp is
   * refused; the same timestamp with the same value is a no-op, with another value it is refused;
   * a marker never replaces a sample at the same time.
   */
  append(ms: number, value: number, staleMarker = false): void {
    const lastReal = this.n > 0 ? this.t[this.n - 1]! : -Infinity;
    const lastStale = this.staleAt.length > 0 ? this.staleAt[this.staleAt.length - 1]! : -Infinity;
    const last = Math.max(lastReal, lastStale);
    if (ms < last) throw new InsightError('HOLDFAST_E_REPLAY', `out-of-order sample for ${this.#describe()}: ${ms} after ${last}`);
    if (ms === last) {
      if (staleMarker) return;
      if (lastReal === ms && Object.is(this.v[this.n - 1], value)) return;
      throw new InsightError('HOLDFAST_E_REPLAY', `duplicate timestamp ${ms} with a different value for ${this.#describe()}`);
    }
    if (staleMarker) {
      this.staleAt.push(ms);
      return;
    }
    if (this.n === this.t.length) this.#grow();
    this.t[this.n] = ms;
    this.v[this.n] = value;
    this.n++;
  }

  /** Index of the last real sample at or before `ms`, or -1. */
  lastAtOrBefore(ms: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.t[mid]! <= ms) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** Index of the first real sample at or after `ms` (n when none). */
  firstAtOrAfter(ms: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.t[mid]! < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Forgets the samples and markers before `ms` (a daemon keeps only the history its rules read). */
  truncateBefore(ms: number): void {
    const from = this.firstAtOrAfter(ms);
    if (from > 0) {
      this.t.copyWithin(0, from, this.n);
      this.v.copyWithin(0, from, this.n);
      this.n -= from;
    }
    let drop = 0;
    while (drop < this.staleAt.length && this.staleAt[drop]! < ms) drop++;
    if (drop) this.staleAt.splice(0, drop);
  }

  /** Whether a staleness marker lies in (after, atOrBefore]: the series ended there. */
  staleBetween(after: number, atOrBefore: number): boolean {
    const s = this.staleAt;
    if (s.length === 0 || s[s.length - 1]! <= after) return false;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid]! <= atOrBefore) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 && s[lo - 1]! > after;
  }
}

/** Whether a label value satisfies one matcher (=, !=, =~, !~; an absent label is ''). */
export function matches(m: Matcher, value: string): boolean {
  switch (m.op) {
    case '=':
      return value === m.value;
    case '!=':
      return value !== m.value;
    case '=~':
      return m.re!.test(value);
    case '!~':
      return !m.re!.test(value);
  }
}

export class SeriesStore {
  /** Every series, kept sorted by labels: a selection comes out in Prometheus's order. */
  readonly #sorted: Series[] = [];
  readonly #byKey = new Map<string, Series>();
  readonly #selections = new Map<string, { version: number; result: Series[] }>();
  #version = 0;

  get size(): number {
    return this.#sorted.length;
  }

  series(): readonly Series[] {
    return this.#sorted;
  }

  /** The series with exactly these labels, created when missing. */
  getOrCreate(labels: Labels): Series {
    const k = key(labels);
    let s = this.#byKey.get(k);
    if (s) return s;
    s = new Series(labels);
    this.#byKey.set(k, s);
    let lo = 0;
    let hi = this.#sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(this.#sorted[mid]!.labels, labels) < 0) lo = mid + 1;
      else hi = mid;
    }
    this.#sorted.splice(lo, 0, s);
    this.#version++;
    return s;
  }

  get(labels: Labels): Series | undefined {
    return this.#byKey.get(key(labels));
  }

  /** Appends one sample to the series named by `labels` (an object or a sorted label list). */
  append(labels: Labels | Readonly<Record<string, string>>, ms: number, value: number, staleMarker = false): void {
    const l = Array.isArray(labels) ? (labels as Labels) : labelsFrom(labels as Record<string, string>);
    this.getOrCreate(l).append(ms, value, staleMarker);
  }

  /** Series matching every matcher, in label order. Cached until a series is added. */
  select(matchers: readonly Matcher[]): Series[] {
    const k = matchers.map((m) => `${m.name}${m.op}${m.value}`).join('\xff');
    const hit = this.#selections.get(k);
    if (hit && hit.version === this.#version) return hit.result;
    const result = this.#sorted.filter((s) => matchers.every((m) => matches(m, get(s.labels, m.name))));
    this.#selections.set(k, { version: this.#version, result });
    return result;
  }

  /** Forgets every sample before `ms`, and the series left with none. */
  truncateBefore(ms: number): void {
    let removed = false;
    for (let i = this.#sorted.length - 1; i >= 0; i--) {
      const s = this.#sorted[i]!;
      s.truncateBefore(ms);
      if (s.n === 0 && s.staleAt.length === 0) {
        this.#sorted.splice(i, 1);
        this.#byKey.delete(s.key);
        removed = true;
      }
    }
    if (removed) this.#version++;
  }

  /** Earliest and latest sample time over every series (undefined when empty). */
  bounds(): { min: number; max: number } | undefined {
    let min = Infinity;
    let max = -Infinity;
    for (const s of this.#sorted) {
      if (s.n === 0) continue;
      min = Math.min(min, s.t[0]!);
      max = Math.max(max, s.t[s.n - 1]!);
    }
    return min === Infinity ? undefined : { min, max };
  }
}
