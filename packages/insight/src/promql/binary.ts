// Binary operators between scalars and vectors: arithmetic, comparisons (filtering, or 0/1
// with `bool`), and/or/unless, with on()/ignoring() matching and group_left/group_right, as
// Prometheus 2.42 evaluates them (promql/engine.go VectorBinop and friends), errors included.
import { InsightError } from '../errors.ts';
import { COMPARISON_OPS, type BinaryOp, type VectorMatching } from './ast.ts';
import { dropName, format, get, key, signature, withLabel, type Labels } from './labels.ts';

export interface Sample {
  labels: Labels;
  v: number;
}

const dropsName = (op: BinaryOp) => op === '+' || op === '-' || op === '*' || op === '/' || op === '^' || op === '%';

function arithmetic(op: BinaryOp, l: number, r: number): number {
  switch (op) {
    case '+':
      return l + r;
    case '-':
      return l - r;
    case '*':
      return l * r;
    case '/':
      return l / r;
    case '^':
      return Math.pow(l, r);
    case '%':
      return l % r;
    case 'atan2':
      return Math.atan2(l, r);
    default:
      throw new InsightError('HOLDFAST_E_PROMQL_EVAL', `operator ${op} is not arithmetic`);
  }
}

function compareValues(op: BinaryOp, l: number, r: number): boolean {
  switch (op) {
    case '==':
      return l === r;
    case '!=':
      return l !== r;
    case '>':
      return l > r;
    case '<':
      return l < r;
    case '>=':
      return l >= r;
    case '<=':
      return l <= r;
    default:
      throw new InsightError('HOLDFAST_E_PROMQL_EVAL', `operator ${op} is not a comparison`);
  }
}

/** [value, keep] of `l op r` for two sample values. */
function elem(op: BinaryOp, l: number, r: number): [number, boolean] {
  if (COMPARISON_OPS.includes(op)) return [l, compareValues(op, l, r)];
  return [arithmetic(op, l, r), true];
}

export function scalarBinop(op: BinaryOp, l: number, r: number): number {
  if (COMPARISON_OPS.includes(op)) return compareValues(op, l, r) ? 1 : 0;
  return arithmetic(op, l, r);
}

export function vectorScalarBinop(op: BinaryOp, vec: Sample[], scalar: number, swap: boolean, returnBool: boolean): Sample[] {
  const out: Sample[] = [];
  const isCmp = COMPARISON_OPS.includes(op);
  for (const s of vec) {
    const [l, r] = swap ? [scalar, s.v] : [s.v, scalar];
    let [value, keep] = elem(op, l, r);
    // A comparison keeps the vector's value even when the scalar is on the left.
    if (isCmp && swap) value = r;
    if (returnBool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (keep) out.push({ labels: dropsName(op) || returnBool ? dropName(s.labels) : s.labels, v: value });
  }
  return out;
}

const sig = (m: VectorMatching) => (l: Labels) => signature(l, m.on, m.labels);

export function vectorAnd(lhs: Sample[], rhs: Sample[], m: VectorMatching): Sample[] {
  if (lhs.length === 0 || rhs.length === 0) return [];
  const s = sig(m);
  const right = new Set(rhs.map((r) => s(r.labels)));
  return lhs.filter((l) => right.has(s(l.labels)));
}

export function vectorOr(lhs: Sample[], rhs: Sample[], m: VectorMatching): Sample[] {
  if (lhs.length === 0) return [...rhs];
  if (rhs.length === 0) return [...lhs];
  const s = sig(m);
  const left = new Set(lhs.map((l) => s(l.labels)));
  return [...lhs, ...rhs.filter((r) => !left.has(s(r.labels)))];
}

export function vectorUnless(lhs: Sample[], rhs: Sample[], m: VectorMatching): Sample[] {
  if (lhs.length === 0 || rhs.length === 0) return [...lhs];
  const s = sig(m);
  const right = new Set(rhs.map((r) => s(r.labels)));
  return lhs.filter((l) => !right.has(s(l.labels)));
}

const resultCache = new WeakMap<VectorMatching, WeakMap<Labels, WeakMap<Labels, Labels>>>();

/** The labels of a vector-vector result: memoized per matching clause and both inputs' identities. */
function resultLabels(l: Labels, r: Labels, op: BinaryOp, m: VectorMatching): Labels {
  let byLeft = resultCache.get(m);
  if (!byLeft) resultCache.set(m, (byLeft = new WeakMap()));
  let byRight = byLeft.get(l);
  if (!byRight) byLeft.set(l, (byRight = new WeakMap()));
  let out = byRight.get(r);
  if (!out) byRight.set(r, (out = computeResultLabels(l, r, op, m)));
  return out;
}

function computeResultLabels(l: Labels, r: Labels, op: BinaryOp, m: VectorMatching): Labels {
  let out = dropsName(op) ? dropName(l) : l;
  if (m.card === 'one-to-one') out = m.on ? out.filter(([n]) => m.labels.includes(n)) : out.filter(([n]) => !m.labels.includes(n));
  for (const name of m.include) out = withLabel(out, name, get(r, name));
  return out;
}

export function vectorBinop(op: BinaryOp, lhsIn: Sample[], rhsIn: Sample[], m: VectorMatching, returnBool: boolean): Sample[] {
  if (lhsIn.length === 0 || rhsIn.length === 0) return [];
  const s = sig(m);
  // One-to-many is many-to-one with the sides swapped; values are swapped back below.
  const swapped = m.card === 'one-to-many';
  const [lhs, rhs] = swapped ? [rhsIn, lhsIn] : [lhsIn, rhsIn];
  const right = new Map<string, Sample>();
  for (const r of rhs) {
    const k = s(r.labels);
    const dup = right.get(k);
    if (dup) {
      throw new InsightError(
        'HOLDFAST_E_PROMQL_EVAL',
        `found duplicate series for the match group on ` +
          `the ${swapped ? 'left' : 'right'} hand-side of the operation: ` +
          `[${format(r.labels)}, ${format(dup.labels)}];many-to-many matching not allowed: matching labels must be unique on one side`,
      );
    }
    right.set(k, r);
  }
  const matched = new Map<string, Set<string> | null>();
  const out: Sample[] = [];
  for (const l of lhs) {
    const k = s(l.labels);
    const r = right.get(k);
    if (!r) continue;
    const [vl, vr] = swapped ? [r.v, l.v] : [l.v, r.v];
    const [computed, keep] = elem(op, vl, vr);
    if (!keep && !returnBool) continue;
    const value = returnBool ? (keep ? 1 : 0) : computed;
    let metric = resultLabels(l.labels, r.labels, op, m);
    if (returnBool) metric = dropName(metric);
    if (m.card === 'one-to-one') {
      if (matched.has(k))
        throw new InsightError(
          'HOLDFAST_E_PROMQL_EVAL',
          'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
        );
      matched.set(k, null);
    } else {
      let inserted = matched.get(k);
      if (!inserted) matched.set(k, (inserted = new Set()));
      const mk = key(metric);
      if (inserted.has(mk))
        throw new InsightError('HOLDFAST_E_PROMQL_EVAL', 'multiple matches for labels: grouping labels must ensure unique matches');
      inserted.add(mk);
    }
    out.push({ labels: metric, v: value });
  }
  return out;
}

/** Prometheus refuses a result with two samples of the same labels ("vector cannot contain metrics with the same labelset"). */
export function assertUniqueLabels(vec: Sample[]): void {
  if (vec.length < 2) return;
  const seen = new Set<string>();
  for (const s of vec) {
    const k = key(s.labels);
    if (seen.has(k))
      throw new InsightError('HOLDFAST_E_PROMQL_EVAL', `vector cannot contain metrics with the same labelset (${format(s.labels)})`);
    seen.add(k);
  }
}
