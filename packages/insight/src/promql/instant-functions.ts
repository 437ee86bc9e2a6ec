// Functions over instant vectors and scalars (histogram_quantile, clamp, label_replace, abs, …)
// as Prometheus 2.42 defines them. Each takes its evaluated arguments and returns a value.
import { InsightError } from '../errors.ts';
import type { Sample } from './binary.ts';
import { dropName, get, key, withLabel, type Labels } from './labels.ts';
import { bucketQuantile, type Bucket } from './quantile.ts';

type Value = { type: 'scalar'; v: number } | { type: 'vector'; vector: Sample[] } | { type: 'string'; s: string };
interface CallContext {
  t: number;
  absentLabels: () => Labels;
}
type InstantFunction = (args: Value[], ctx: CallContext) => Value;

const vec = (v: Value): Sample[] => (v.type === 'vector' ? v.vector : []);
const num = (v: Value): number => (v.type === 'scalar' ? v.v : NaN);
const str = (v: Value): string => (v.type === 'string' ? v.s : '');
const vector = (samples: Sample[]): Value => ({ type: 'vector', vector: samples });

function mapValues(f: (x: number) => number): InstantFunction {
  return ([a]) => vector(vec(a!).map((s) => ({ labels: dropName(s.labels), v: f(s.v) })));
}

/** Go's regexp.Expand for label_replace's replacement: $1, ${1}, $name, ${name}, $$. */
function expand(template: string, m: RegExpExecArray): string {
  return template.replace(/\$(\$|\{([a-zA-Z0-9_]+)\}|([a-zA-Z0-9_]+))/g, (_all, dollar: string, braced?: string, bare?: string) => {
    if (dollar === '$') return '$';
    const name = braced ?? bare ?? '';
    if (/^\d+$/.test(name)) return m[Number(name)] ?? '';
    return m.groups?.[name] ?? '';
  });
}

/** strconv.ParseFloat for the forms a bucket bound takes ("0.25", "1e-3", "+Inf"); undefined when malformed. */
function parseGoFloat(text: string): number | undefined {
  const inf = /^([+-]?)inf(?:inity)?$/i.exec(text);
  if (inf) return inf[1] === '-' ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(text)) return NaN;
  return /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(text) ? Number(text) : undefined;
}

function histogramQuantile([qv, v]: Value[]): Value {
  const q = num(qv!);
  const byHistogram = new Map<string, { labels: Labels; buckets: Bucket[] }>();
  for (const s of vec(v!)) {
    const le = get(s.labels, 'le');
    const upperBound = parseGoFloat(le);
    if (upperBound === undefined) continue; // no or malformed le: skipped, as Prometheus does
    const withoutLe = s.labels.filter(([n]) => n !== 'le');
    const k = key(withoutLe);
    let h = byHistogram.get(k);
    if (!h) byHistogram.set(k, (h = { labels: dropName(withoutLe), buckets: [] }));
    h.buckets.push({ upperBound, count: s.v });
  }
  return vector([...byHistogram.values()].map((h) => ({ labels: h.labels, v: bucketQuantile(q, h.buckets) })));
}

function labelReplace([v, dst, repl, src, re]: Value[]): Value {
  const dstName = str(dst!);
  const pattern = str(re!);
  let regex: RegExp;
  try {
    regex = new RegExp(`^(?:${pattern})$`, 's');
  } catch {
    throw new InsightError('HOLDFAST_E_PROMQL_EVAL', `invalid regular expression in label_replace(): ${pattern}`);
  }
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(dstName))
    throw new InsightError('HOLDFAST_E_PROMQL_EVAL', `invalid destination label name in label_replace(): ${dstName}`);
  return vector(
    vec(v!).map((s) => {
      const m = regex.exec(get(s.labels, str(src!)));
      if (!m) return s;
      return { labels: withLabel(s.labels, dstName, expand(str(repl!), m)), v: s.v };
    }),
  );
}

export const INSTANT_FUNCTIONS: Readonly<Record<string, InstantFunction>> = {
  histogram_quantile: histogramQuantile,
  label_replace: labelReplace,
  clamp: ([v, lo, hi]) => {
    const min = num(lo!);
    const max = num(hi!);
    if (max < min) return vector([]);
    return vector(vec(v!).map((s) => ({ labels: dropName(s.labels), v: Math.max(min, Math.min(max, s.v)) })));
  },
  clamp_min: ([v, lo]) => vector(vec(v!).map((s) => ({ labels: dropName(s.labels), v: Math.max(num(lo!), s.v) }))),
  clamp_max: ([v, hi]) => vector(vec(v!).map((s) => ({ labels: dropName(s.labels), v: Math.min(num(hi!), s.v) }))),
  abs: mapValues(Math.abs),
  ceil: mapValues(Math.ceil),
  floor: mapValues(Math.floor),
  exp: mapValues(Math.exp),
  ln: mapValues(Math.log),
  log2: mapValues(Math.log2),
  log10: mapValues(Math.log10),
  sqrt: mapValues(Math.sqrt),
  round: ([v, to]) => {
    const inverse = 1 / (to ? num(to) : 1);
    return vector(vec(v!).map((s) => ({ labels: dropName(s.labels), v: Math.floor(s.v * inverse + 0.5) / inverse })));
  },
  absent: ([v], ctx) => vector(vec(v!).length > 0 ? [] : [{ labels: ctx.absentLabels(), v: 1 }]),
  scalar: ([v]) => {
    const s = vec(v!);
    return { type: 'scalar', v: s.length === 1 ? s[0]!.v : NaN };
  },
  vector: ([s]) => vector([{ labels: [], v: num(s!) }]),
  time: (_args, ctx) => ({ type: 'scalar', v: ctx.t / 1000 }),
  timestamp: (_args, ctx) => vector(vec(_args[0]!).map((s) => ({ labels: dropName(s.labels), v: ctx.t / 1000 }))),
};
