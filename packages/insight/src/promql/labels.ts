// Label sets as Prometheus keeps them: sorted by name, compared pair by pair. The order matters
// beyond looks: a vector from a selector lists its series in this order, and sum() adds in the
// order it is given, so the same order gives the same floating-point result as Prometheus.
export type Labels = readonly (readonly [name: string, value: string])[];

export const METRIC_NAME = '__name__';
export const EMPTY: Labels = [];

/** Labels from an object, sorted by name; empty values dropped (an empty label is no label). */
export function labelsFrom(obj: Readonly<Record<string, string>>): Labels {
  return Object.entries(obj)
    .filter(([, v]) => v !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function labelsToObject(l: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [n, v] of l) out[n] = v;
  return out;
}

export function get(l: Labels, name: string): string {
  for (const [n, v] of l) if (n === name) return v;
  return '';
}

// Label sets of stored series keep their identity from one evaluation to the next, and so do
// the sets derived from them through the memoized helpers below; caching by identity spares
// rebuilding the same strings and arrays at every step of a week-long replay.
const keys = new WeakMap<Labels, string>();

/** A string that identifies the label set (labels cannot contain \xfe or \xff in practice). */
export function key(l: Labels): string {
  let s = keys.get(l);
  if (s === undefined) {
    s = '';
    for (const [n, v] of l) s += n + '\xfe' + v + '\xff';
    keys.set(l, s);
  }
  return s;
}

/** Memoizes f(l, k) by the identity of l and the string k. */
export function memoByLabels<T>(f: (l: Labels, k: string) => T): (l: Labels, k: string) => T {
  const cache = new WeakMap<Labels, Map<string, T>>();
  return (l, k) => {
    let m = cache.get(l);
    if (!m) cache.set(l, (m = new Map()));
    let v = m.get(k);
    if (v === undefined && !m.has(k)) m.set(k, (v = f(l, k)));
    return v as T;
  };
}

/** Prometheus labels.Compare: pair by pair, name then value; a prefix sorts first. */
export function compare(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const [an, av] = a[i]!;
    const [bn, bv] = b[i]!;
    if (an !== bn) return an < bn ? -1 : 1;
    if (av !== bv) return av < bv ? -1 : 1;
  }
  return a.length - b.length;
}

export function without(l: Labels, names: readonly string[]): Labels {
  return l.filter(([n]) => !names.includes(n));
}

export function only(l: Labels, names: readonly string[]): Labels {
  return l.filter(([n]) => names.includes(n));
}

const withoutName = new WeakMap<Labels, Labels>();
/** The labels without __name__; the same array for the same input, so later steps hit caches keyed by identity. */
export function dropName(l: Labels): Labels {
  if (l.length === 0 || l[0]![0] !== METRIC_NAME) return l;
  let out = withoutName.get(l);
  if (!out) withoutName.set(l, (out = l.slice(1)));
  return out;
}

const withLabelMemo = memoByLabels((l, spec) => {
  const i = spec.indexOf('\xff');
  return setLabel(l, spec.slice(0, i), spec.slice(i + 1));
});

/** A copy with `name` set to `value` (or removed when the value is empty); the same array for the same input. */
export function withLabel(l: Labels, name: string, value: string): Labels {
  return withLabelMemo(l, name + '\xff' + value);
}

function setLabel(l: Labels, name: string, value: string): Labels {
  const out = l.filter(([n]) => n !== name);
  if (value === '') return out;
  let i = 0;
  while (i < out.length && out[i]![0] < name) i++;
  out.splice(i, 0, [name, value]);
  return out;
}

const signatures = memoByLabels((l, spec) => {
  const on = spec[0] === '1';
  const names = spec.slice(1).split('\xff');
  let s = '';
  if (on) {
    for (const [n, v] of l) if (names.includes(n)) s += n + '\xfe' + v + '\xff';
  } else {
    for (const [n, v] of l) if (n !== METRIC_NAME && !names.includes(n)) s += n + '\xfe' + v + '\xff';
  }
  return s;
});

/** The matching signature of `on(names)` (keep) or `ignoring(names)` (drop, with __name__). */
export function signature(l: Labels, on: boolean, names: readonly string[]): string {
  return signatures(l, (on ? '1' : '0') + names.join('\xff'));
}

/** `{a="1", b="2"}` the way Prometheus prints a label set. */
export function format(l: Labels): string {
  const name = get(l, METRIC_NAME);
  const rest = l.filter(([n]) => n !== METRIC_NAME).map(([n, v]) => `${n}=${JSON.stringify(v)}`);
  return `${name}{${rest.join(', ')}}`;
}
