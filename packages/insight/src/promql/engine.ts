// The embedded PromQL evaluator: an expression and a time in, a value out, over a SeriesStore.
// It follows Prometheus 2.42's semantics where they decide an answer: an instant selector takes
// the newest sample no older than the lookback delta (5 m) unless it is a staleness marker; a
// range [t-r, t] includes both ends; offset moves both; functions and operators compute as in
// range-functions.ts, binary.ts and aggregate.ts. Pure: no clock, no I/O; the caller passes time.
import { InsightError } from '../errors.ts';
import { aggregate } from './aggregate.ts';
import type { Expr, Matcher, VectorSelector } from './ast.ts';
import {
  assertUniqueLabels,
  scalarBinop,
  vectorAnd,
  vectorBinop,
  vectorOr,
  vectorScalarBinop,
  vectorUnless,
  type Sample,
} from './binary.ts';
import { INSTANT_FUNCTIONS } from './instant-functions.ts';
import { compare, dropName, key, type Labels } from './labels.ts';
import { parseExpr } from './parser.ts';
import { RANGE_FUNCTIONS, type Window } from './range-functions.ts';
import type { Series, SeriesStore } from './store.ts';

export type { Sample } from './binary.ts';
export type Value = { type: 'scalar'; v: number } | { type: 'vector'; vector: Sample[] } | { type: 'string'; s: string };

export interface RangeSeries {
  labels: Labels;
  points: { t: number; v: number }[];
}

export interface EngineOptions {
  /** How far back an instant selector looks for a sample (Prometheus's --query.lookback-delta). */
  lookbackDeltaMs?: number;
}

export const DEFAULT_LOOKBACK_MS = 5 * 60_000;

export class Engine {
  readonly store: SeriesStore;
  readonly lookbackMs: number;
  readonly #parsed = new Map<string, Expr>();

  constructor(store: SeriesStore, options: EngineOptions = {}) {
    this.store = store;
    this.lookbackMs = options.lookbackDeltaMs ?? DEFAULT_LOOKBACK_MS;
  }

  parse(text: string): Expr {
    let e = this.#parsed.get(text);
    if (!e) {
      e = parseExpr(text);
      this.#parsed.set(text, e);
    }
    return e;
  }

  /** Instant query at `t` (ms since the epoch). */
  query(expr: Expr | string, t: number): Value {
    const e = typeof expr === 'string' ? this.parse(expr) : expr;
    if (e.type === 'matrix')
      throw new InsightError(
        'HOLDFAST_E_PROMQL_UNSUPPORTED',
        'a range vector is not a query result here; wrap it in a function such as rate()',
      );
    return this.eval(e, t);
  }

  /** An instant query whose result must be a vector (what a rule's expression must be); a scalar becomes a one-sample vector. */
  queryVector(expr: Expr | string, t: number): Sample[] {
    const v = this.query(expr, t);
    if (v.type === 'vector') return v.vector;
    if (v.type === 'scalar') return [{ labels: [], v: v.v }];
    throw new InsightError('HOLDFAST_E_PROMQL_EVAL', 'a string is not a vector');
  }

  /** Range query: the instant query at start, start+step, …, end, series sorted by labels. */
  queryRange(expr: Expr | string, start: number, end: number, step: number): RangeSeries[] {
    const e = typeof expr === 'string' ? this.parse(expr) : expr;
    const out = new Map<string, RangeSeries>();
    for (let t = start; t <= end; t += step) {
      for (const s of this.queryVector(e, t)) {
        const k = key(s.labels);
        let rs = out.get(k);
        if (!rs) out.set(k, (rs = { labels: s.labels, points: [] }));
        rs.points.push({ t, v: s.v });
      }
    }
    return [...out.values()].sort((a, b) => compare(a.labels, b.labels));
  }

  eval(e: Expr, t: number): Value {
    switch (e.kind) {
      case 'number':
        return { type: 'scalar', v: e.value };
      case 'string':
        return { type: 'string', s: e.value };
      case 'paren':
        return this.eval(e.expr, t);
      case 'selector':
        return { type: 'vector', vector: this.selectVector(e, t) };
      case 'matrix':
        throw new InsightError('HOLDFAST_E_PROMQL_EVAL', 'a range vector can only be a function argument');
      case 'unary': {
        const v = this.eval(e.expr, t);
        if (e.op === '+') return v;
        if (v.type === 'scalar') return { type: 'scalar', v: -v.v };
        if (v.type !== 'vector') throw new InsightError('HOLDFAST_E_PROMQL_EVAL', 'unary minus needs a scalar or a vector');
        const vector = v.vector.map((s) => ({ labels: dropName(s.labels), v: -s.v }));
        assertUniqueLabels(vector);
        return { type: 'vector', vector };
      }
      case 'binary':
        return this.#binary(e, t);
      case 'aggregate': {
        const param = e.param ? this.#scalar(e.param, t) : 0;
        return { type: 'vector', vector: aggregate(e.op, this.#vector(e.expr, t), e.grouping, e.without, param) };
      }
      case 'call':
        return this.#call(e, t);
    }
  }

  #vector(e: Expr, t: number): Sample[] {
    const v = this.eval(e, t);
    if (v.type !== 'vector') throw new InsightError('HOLDFAST_E_PROMQL_EVAL', `expected an instant vector, got ${v.type}`);
    return v.vector;
  }

  #scalar(e: Expr, t: number): number {
    const v = this.eval(e, t);
    if (v.type !== 'scalar') throw new InsightError('HOLDFAST_E_PROMQL_EVAL', `expected a scalar, got ${v.type}`);
    return v.v;
  }

  #binary(e: Extract<Expr, { kind: 'binary' }>, t: number): Value {
    const l = this.eval(e.lhs, t);
    const r = this.eval(e.rhs, t);
    if (l.type === 'scalar' && r.type === 'scalar') return { type: 'scalar', v: scalarBinop(e.op, l.v, r.v) };
    if (l.type === 'vector' && r.type === 'scalar')
      return { type: 'vector', vector: this.#unique(vectorScalarBinop(e.op, l.vector, r.v, false, e.returnBool)) };
    if (l.type === 'scalar' && r.type === 'vector')
      return { type: 'vector', vector: this.#unique(vectorScalarBinop(e.op, r.vector, l.v, true, e.returnBool)) };
    if (l.type !== 'vector' || r.type !== 'vector' || !e.matching)
      throw new InsightError('HOLDFAST_E_PROMQL_EVAL', `operator ${e.op} needs scalars or instant vectors`);
    switch (e.op) {
      case 'and':
        return { type: 'vector', vector: vectorAnd(l.vector, r.vector, e.matching) };
      case 'or':
        return { type: 'vector', vector: this.#unique(vectorOr(l.vector, r.vector, e.matching)) };
      case 'unless':
        return { type: 'vector', vector: vectorUnless(l.vector, r.vector, e.matching) };
      default:
        return { type: 'vector', vector: this.#unique(vectorBinop(e.op, l.vector, r.vector, e.matching, e.returnBool)) };
    }
  }

  #unique(v: Sample[]): Sample[] {
    assertUniqueLabels(v);
    return v;
  }

  /** The instant vector of a selector at `t`: each series' newest sample within the lookback. */
  selectVector(sel: VectorSelector, t: number): Sample[] {
    return this.#select(sel, t, (s, i) => ({ labels: s.labels, v: s.v[i]! }));
  }

  /** The sample time behind each series of a selector (for timestamp()). */
  selectTimes(sel: VectorSelector, t: number): Sample[] {
    return this.#select(sel, t, (s, i) => ({ labels: dropName(s.labels), v: s.t[i]! / 1000 }));
  }

  #select(sel: VectorSelector, t: number, sample: (s: Series, i: number) => Sample): Sample[] {
    const ref = t - sel.offsetMs;
    const out: Sample[] = [];
    for (const s of this.store.select(sel.matchers)) {
      const i = s.lastAtOrBefore(ref);
      if (i < 0 || s.t[i]! < ref - this.lookbackMs || s.staleBetween(s.t[i]!, ref)) continue;
      out.push(sample(s, i));
    }
    return out;
  }

  /** Samples of `s` in [end - range, end] (staleness markers are never among them). */
  window(s: Series, end: number, rangeMs: number): Window | undefined {
    const lo = s.firstAtOrAfter(end - rangeMs);
    const hi = s.lastAtOrBefore(end) + 1;
    return hi > lo ? { t: s.t, v: s.v, lo, hi } : undefined;
  }

  #call(e: Extract<Expr, { kind: 'call' }>, t: number): Value {
    const rangeFn = RANGE_FUNCTIONS[e.func];
    if (rangeFn) {
      const m = e.args.find((a) => a.kind === 'matrix');
      if (!m || m.kind !== 'matrix') throw new InsightError('HOLDFAST_E_PROMQL_EVAL', `${e.func}() needs a range vector`);
      const param = e.func === 'quantile_over_time' ? this.#scalar(e.args[0]!, t) : 0;
      const rangeEnd = t - m.selector.offsetMs;
      const ctx = { rangeStart: rangeEnd - m.rangeMs, rangeEnd, rangeMs: m.rangeMs, param };
      const keepName = e.func === 'last_over_time';
      const vector: Sample[] = [];
      for (const s of this.store.select(m.selector.matchers)) {
        const w = this.window(s, rangeEnd, m.rangeMs);
        if (!w) continue;
        const v = rangeFn(w, ctx);
        if (v !== undefined) vector.push({ labels: keepName ? s.labels : dropName(s.labels), v });
      }
      return { type: 'vector', vector: this.#unique(vector) };
    }
    if (e.func === 'timestamp' && unwrap(e.args[0]!).kind === 'selector') {
      return { type: 'vector', vector: this.selectTimes(unwrap(e.args[0]!) as VectorSelector, t) };
    }
    const fn = INSTANT_FUNCTIONS[e.func];
    if (!fn) throw new InsightError('HOLDFAST_E_PROMQL_UNSUPPORTED', `the function ${e.func}() is not evaluated by the embedded engine`);
    const args = e.args.map((a) => this.eval(a, t));
    const result = fn(args, { t, absentLabels: () => absentLabels(e.args[0]) });
    if (result.type === 'vector') assertUniqueLabels(result.vector);
    return result;
  }
}

function unwrap(e: Expr): Expr {
  return e.kind === 'paren' ? unwrap(e.expr) : e;
}

/** The labels absent() reports: its selector's equality matchers, minus any name matched twice or otherwise. */
function absentLabels(arg: Expr | undefined): Labels {
  const e = arg ? unwrap(arg) : undefined;
  const matchers: Matcher[] = e?.kind === 'selector' ? e.matchers : e?.kind === 'matrix' ? e.selector.matchers : [];
  const out = new Map<string, string>();
  const drop: string[] = [];
  for (const m of matchers) {
    if (m.name === '__name__') continue;
    if (m.op === '=' && !out.has(m.name)) out.set(m.name, m.value);
    else drop.push(m.name);
  }
  for (const n of drop) out.delete(n);
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
}
