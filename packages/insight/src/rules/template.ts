// The part of Prometheus's alert templating (Go text/template plus Prometheus's functions) that
// generated rules use, so the embedded evaluator writes the same annotation text as Prometheus:
//   {{ $labels.name }}  {{ $value }}  {{ $value | humanize }}  {{ $value | printf "%.1f" }}
//   {{ with query "expr" }}{{ . | first | value | humanizeDuration }}{{ end }}
// Anything else is refused when the rule is compiled, never silently printed wrong.
import { InsightError } from '../errors.ts';

export interface TemplateData {
  labels: Readonly<Record<string, string>>;
  value: number;
  /** Runs an instant query at the evaluation time (the template's `query`). */
  query: (expr: string) => { labels: Record<string, string>; value: number }[];
}

type Piece = { kind: 'text'; text: string } | { kind: 'action'; pipeline: string[][] } | { kind: 'with'; query: string; body: Piece[] };

const ACTION = /\{\{-?\s*(.*?)\s*-?\}\}/gs;

function words(src: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(src); m; m = re.exec(src)) out.push(m[1] !== undefined ? JSON.parse(`"${m[1]}"`) : m[2]!);
  return out;
}

/** Parses a template; throws HOLDFAST_E_RULE_FILE on what the subset does not cover. */
export function parseTemplate(src: string): Piece[] {
  const root: Piece[] = [];
  const stack: Piece[][] = [root];
  let last = 0;
  for (const m of src.matchAll(ACTION)) {
    const top = stack[stack.length - 1]!;
    if (m.index > last) top.push({ kind: 'text', text: src.slice(last, m.index) });
    last = m.index + m[0].length;
    const body = m[1]!.trim();
    if (body.startsWith('with ')) {
      const w = words(body.slice(5));
      if (w[0] !== 'query' || w.length !== 2)
        throw new InsightError('HOLDFAST_E_RULE_FILE', `template: only {{ with query "expr" }} is supported, got {{ ${body} }}`);
      const piece: Piece = { kind: 'with', query: w[1]!, body: [] };
      top.push(piece);
      stack.push(piece.body);
      continue;
    }
    if (body === 'end') {
      if (stack.length === 1) throw new InsightError('HOLDFAST_E_RULE_FILE', 'template: {{ end }} without {{ with }}');
      stack.pop();
      continue;
    }
    const pipeline = body.split('|').map((s) => words(s.trim()));
    for (const cmd of pipeline) {
      const fn = cmd[0] ?? '';
      const known = fn === '.' || fn === '$value' || fn.startsWith('$labels.') || fn in FUNCTIONS;
      if (!known) throw new InsightError('HOLDFAST_E_RULE_FILE', `template: '${fn}' is not supported in {{ ${body} }}`);
    }
    top.push({ kind: 'action', pipeline });
  }
  if (stack.length !== 1) throw new InsightError('HOLDFAST_E_RULE_FILE', 'template: {{ with }} without {{ end }}');
  if (last < src.length) root.push({ kind: 'text', text: src.slice(last) });
  return root;
}

/** Go's %g-like formatting of Prometheus's humanize: 1234567 → 1.235M, 0.00123 → 1.23m. */
export function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return fmtG(v);
  const abs = Math.abs(v);
  if (abs >= 1) {
    const prefixes = ['', 'k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
    let i = 0;
    let x = v;
    while (Math.abs(x) >= 1000 && i < prefixes.length - 1) {
      x /= 1000;
      i++;
    }
    return fmtG(x) + prefixes[i];
  }
  const prefixes = ['', 'm', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];
  let i = 0;
  let x = v;
  while (Math.abs(x) < 1 && i < prefixes.length - 1) {
    x *= 1000;
    i++;
  }
  return fmtG(x) + prefixes[i];
}

/** Go's %.4g: 4 significant digits, trailing zeros trimmed, exponent form below 1e-4 or from 1e4. */
function fmtG(v: number, precision = 4): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return '0';
  const [mantissa, e] = v.toExponential(precision - 1).split('e');
  const exp = Number(e);
  if (exp < -4 || exp >= precision) return `${stripZeros(mantissa!)}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return stripZeros(v.toFixed(Math.max(0, precision - 1 - exp)));
}

const stripZeros = (s: string) => (s.includes('.') ? s.replace(/\.?0+$/, '') : s);

/** Prometheus's humanizeDuration: 93784 → "1d 2h 3m 4s"; under a second in ms/us/ns. */
export function humanizeDuration(v: number): string {
  if (Number.isNaN(v) || !Number.isFinite(v)) return fmtG(v);
  if (v === 0) return '0s';
  const sign = v < 0 ? '-' : '';
  let x = Math.abs(v);
  if (x >= 1) {
    const seconds = Math.trunc(x) % 60;
    const minutes = Math.trunc(x / 60) % 60;
    const hours = Math.trunc(x / 3600) % 24;
    const days = Math.trunc(x / 86400);
    if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${fmtG(x)}s`;
  }
  const units = ['', 'm', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];
  let i = 0;
  while (x < 1 && i < units.length - 1) {
    x *= 1000;
    i++;
  }
  return `${sign}${fmtG(x)}${units[i]}s`;
}

/** printf with one float verb (%.Nf, %.Ng, %f, %g, %d, %s, %v): what rule templates use. */
function printf(format: string, v: unknown): string {
  return format.replace(/%(\.(\d+))?([fgdvs%])/g, (_m, _p, digits: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    if (typeof v !== 'number') return String(v);
    if (verb === 'f') return v.toFixed(digits === undefined ? 6 : Number(digits));
    if (verb === 'd') return String(Math.trunc(v));
    if (verb === 'g' && digits !== undefined) return fmtG(v, Math.max(1, Number(digits)));
    return String(v);
  });
}

type Fn = (args: string[], input: unknown) => unknown;
const FUNCTIONS: Record<string, Fn> = {
  humanize: (_a, x) => humanize(Number(x)),
  humanizePercentage: (_a, x) => `${fmtG(Number(x) * 100)}%`,
  humanizeDuration: (_a, x) => humanizeDuration(Number(x)),
  printf: (a, x) => printf(a[0] ?? '', x),
  first: (_a, x) => (Array.isArray(x) ? x[0] : undefined),
  value: (_a, x) => (x as { value?: number } | undefined)?.value,
  label: (a, x) => (x as { labels?: Record<string, string> } | undefined)?.labels?.[a[0] ?? ''] ?? '',
};

function run(pieces: Piece[], data: TemplateData, dot: unknown): string {
  let out = '';
  for (const p of pieces) {
    if (p.kind === 'text') out += p.text;
    else if (p.kind === 'with') {
      const result = data.query(p.query);
      if (result.length > 0) out += run(p.body, data, result);
    } else {
      let x: unknown;
      for (const cmd of p.pipeline) {
        const [fn, ...args] = cmd;
        if (fn === '.') x = dot;
        else if (fn === '$value') x = data.value;
        else if (fn!.startsWith('$labels.')) x = data.labels[fn!.slice(8)] ?? '';
        else x = FUNCTIONS[fn!]!(args, x);
      }
      out += typeof x === 'number' ? fmtValue(x) : x === undefined ? '<no value>' : String(x);
    }
  }
  return out;
}

/** How Go prints a float64 in a template: strconv 'g' with the shortest exact digits. */
function fmtValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) {
    const [m, e] = v.toExponential().split('e');
    const exp = Number(e);
    return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(v);
}

export function expandTemplate(pieces: Piece[], data: TemplateData): string {
  return run(pieces, data, undefined);
}

export type ParsedTemplate = Piece[];
