// Judges one service's figures: which of its errors, latency, calls and state are abnormal
// (enough to be a cause), elevated (enough to be counted as affected), or normal. Each finding
// says its numbers in words, so the ranking's explanation is the findings put together.
import type { EdgeInput, Finding, RedFigures, ServiceInput, Thresholds } from './types.ts';

export const DEFAULT_THRESHOLDS: Thresholds = {
  minErrors: 5,
  errorRatio: 0.01,
  elevatedErrorRatio: 0.001,
  errorFactor: 2,
  minRequests: 10,
  latencyFactor: 2,
  latencyIncrease: 0.05,
  slowSeconds: 1,
};

export const ratio = (f: RedFigures): number => (f.requests > 0 ? f.errors / f.requests : 0);

export function pct(x: number): string {
  const p = x * 100;
  const text = p === 0 || p >= 1 ? p.toFixed(1) : p >= 0.1 ? p.toFixed(2).replace(/0$/, '') : p.toPrecision(1);
  return `${text.replace(/\.0$/, '')} %`;
}

export function ms(seconds: number): string {
  const m = seconds * 1000;
  return m >= 10_000
    ? `${(m / 1000).toFixed(1)} s`
    : m >= 100
      ? `${Math.round(m)} ms`
      : m >= 1
        ? `${m.toFixed(1).replace(/\.0$/, '')} ms`
        : `${m.toFixed(2)} ms`;
}

export const count = (n: number): string => Math.round(n).toLocaleString('en-US');

/** What the baseline says, when it has enough requests to say anything. */
function usable(b: RedFigures | undefined, t: Thresholds): RedFigures | undefined {
  return b && b.requests >= t.minRequests ? b : undefined;
}

/** Errors (or failed calls) in `cur` against `base`: abnormal, elevated, or nothing. */
function errorLevel(
  cur: RedFigures | undefined,
  base: RedFigures | undefined,
  t: Thresholds,
): { level: Finding['level']; value: number; baseline?: number } | undefined {
  if (!cur || cur.errors < t.minErrors || cur.requests <= 0) return undefined;
  const r = ratio(cur);
  const b = usable(base, t);
  const br = b ? ratio(b) : undefined;
  const beyondBaseline = (factor: number) => br === undefined || r >= factor * br;
  let level: Finding['level'] | undefined;
  if (r >= t.errorRatio && beyondBaseline(t.errorFactor)) level = 'abnormal';
  else if (r >= t.elevatedErrorRatio && beyondBaseline(Math.max(1, (1 + t.errorFactor) / 2))) level = 'elevated';
  return level ? { level, value: r, ...(br !== undefined ? { baseline: br } : {}) } : undefined;
}

/**
 * A service's own errors (`what` 'errors'), or what a caller sees of its calls to it ('calls',
 * with `caller`): a finding when abnormal or elevated.
 */
export function judgeErrors(
  cur: RedFigures | undefined,
  base: RedFigures | undefined,
  t: Thresholds,
  what: 'errors' | 'calls',
  caller?: string,
): Finding | undefined {
  const j = errorLevel(cur, base, t);
  if (!j) return undefined;
  const before = j.baseline === undefined ? '' : `, ${pct(j.baseline)} before`;
  const counts = `(${count(cur!.errors)} of ${count(cur!.requests)})${before}`;
  const text =
    what === 'errors'
      ? `${pct(j.value)} errors ${counts}`
      : `${caller ? `${caller} sees ` : ''}${pct(j.value)} of the calls fail ${counts}`;
  return { signal: what, ...j, ...(caller ? { caller } : {}), text };
}

/** A caller's failing calls, as a finding of the caller: it suffers, it is not the fault (never more than elevated). */
export function judgeOutgoing(e: EdgeInput, t: Thresholds): Finding | undefined {
  const j = errorLevel(e.current, e.baseline, t);
  if (!j) return undefined;
  const before = j.baseline === undefined ? '' : `, ${pct(j.baseline)} before`;
  return {
    signal: 'calls',
    level: 'elevated',
    value: j.value,
    ...(j.baseline !== undefined ? { baseline: j.baseline } : {}),
    text: `${pct(j.value)} of its calls to ${e.to} fail (${count(e.current!.errors)} of ${count(e.current!.requests)})${before}`,
  };
}

/** Mean latency in `cur` against `base`; without a baseline, only a plainly slow mean counts. */
export function judgeLatency(
  cur: RedFigures | undefined,
  base: RedFigures | undefined,
  t: Thresholds,
  caller?: string,
): Finding | undefined {
  if (!cur || cur.meanSeconds === undefined || cur.requests < t.minRequests) return undefined;
  const m = cur.meanSeconds;
  const b = usable(base, t);
  const bm = b?.meanSeconds;
  let level: Finding['level'] | undefined;
  if (bm !== undefined) {
    const up = m - bm;
    if (m >= t.latencyFactor * bm && up >= t.latencyIncrease) level = 'abnormal';
    else if (m >= ((1 + t.latencyFactor) / 2) * bm && up >= t.latencyIncrease / 2) level = 'elevated';
  } else if (m >= t.slowSeconds) level = 'abnormal';
  if (!level) return undefined;
  const text = `${ms(m)} mean${bm !== undefined ? ` (${ms(bm)} before)` : ''}`;
  return {
    signal: 'latency',
    level,
    value: m,
    ...(bm !== undefined ? { baseline: bm } : {}),
    ...(caller ? { caller, text: `${caller} waits ${text} for it` } : { text }),
  };
}

/**
 * Everything abnormal or elevated about `s`: its state, its own errors and latency, what its
 * callers see of their calls to it (the only evidence for a service that reports nothing itself),
 * and its own calls that fail (it suffers, even when it hides that behind a cache or a fallback).
 */
export function assess(s: ServiceInput, incoming: readonly EdgeInput[], t: Thresholds, outgoing: readonly EdgeInput[] = []): Finding[] {
  const out: Finding[] = [];
  if (s.down) out.push({ signal: 'down', level: 'abnormal', text: s.down });
  const e = judgeErrors(s.current, s.baseline, t, 'errors');
  if (e) out.push(e);
  const l = judgeLatency(s.current, s.baseline, t);
  if (l) out.push(l);
  for (const edge of incoming) {
    const c = judgeErrors(edge.current, edge.baseline, t, 'calls', edge.from);
    if (c) out.push(c);
    const cl = judgeLatency(edge.current, edge.baseline, t, edge.from);
    if (cl) out.push(cl);
  }
  for (const edge of outgoing) {
    const o = judgeOutgoing(edge, t);
    if (o) out.push(o);
  }
  return out;
}

/**
 * How far off a service is, 0..1: down is 1; errors by the share of requests newly failing; latency by
 * the share of the time newly spent.
 */
export function severity(findings: readonly Finding[]): number {
  let s = 0;
  for (const f of findings) {
    if (f.level !== 'abnormal') continue;
    if (f.signal === 'down') s = 1;
    else if (f.value === undefined) continue;
    else if (f.signal === 'errors' || f.signal === 'calls') s = Math.max(s, f.value - (f.baseline ?? 0));
    else if (f.value > 0) s = Math.max(s, f.baseline !== undefined ? 1 - f.baseline / f.value : Math.min(1, f.value / 10));
  }
  return Math.round(Math.min(1, Math.max(0, s)) * 1000) / 1000;
}
