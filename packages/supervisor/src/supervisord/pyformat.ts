// Python's `template % mapping`, the expansion supervisord applies to its config values:
// `%(name)s`, `%(process_num)02d`, `%%`. A lone `%` is an error in supervisord ("incomplete
// format"), so it is one here too; the fix for users is `%%`.

export type FormatValue = string | number;

export type FormatProblem = { kind: 'missing'; name: string } | { kind: 'malformed'; reason: string };

export class FormatError extends Error {
  readonly problem: FormatProblem;
  constructor(problem: FormatProblem) {
    super(problem.kind === 'missing' ? `no value for %(${problem.name})` : problem.reason);
    this.name = 'FormatError';
    this.problem = problem;
  }
}

const malformed = (reason: string) => new FormatError({ kind: 'malformed', reason });

interface Spec {
  flags: string;
  width: number | undefined;
  precision: number | undefined;
  conversion: string;
}

function pad(body: string, sign: string, spec: Spec, numeric: boolean): string {
  const width = spec.width ?? 0;
  const len = sign.length + body.length;
  if (len >= width) return sign + body;
  if (spec.flags.includes('-')) return sign + body + ' '.repeat(width - len);
  if (numeric && spec.flags.includes('0')) return sign + '0'.repeat(width - len) + body;
  return ' '.repeat(width - len) + sign + body;
}

function formatInteger(value: number, spec: Spec): string {
  const n = Math.trunc(value);
  const abs = Math.abs(n);
  const c = spec.conversion;
  const alt = spec.flags.includes('#');
  let body: string;
  if (c === 'o') body = abs.toString(8);
  else if (c === 'x' || c === 'X') body = abs.toString(16);
  else body = String(abs);
  if (spec.precision !== undefined && body.length < spec.precision) body = '0'.repeat(spec.precision - body.length) + body;
  if (alt && c === 'o') body = '0o' + body;
  if (alt && (c === 'x' || c === 'X')) body = '0x' + body;
  if (c === 'X') body = body.toUpperCase();
  const sign = n < 0 ? '-' : spec.flags.includes('+') ? '+' : spec.flags.includes(' ') ? ' ' : '';
  return pad(body, sign, spec, true);
}

function pyRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  return q + s.replaceAll('\\', '\\\\').replaceAll(q, `\\${q}`) + q;
}

function convert(name: string, value: FormatValue, spec: Spec): string {
  const c = spec.conversion;
  switch (c) {
    case 's':
    case 'r':
    case 'a': {
      let s = c === 's' ? String(value) : typeof value === 'string' ? pyRepr(value) : String(value);
      if (spec.precision !== undefined) s = s.slice(0, spec.precision);
      return pad(s, '', spec, false);
    }
    case 'd':
    case 'i':
    case 'u':
    case 'o':
    case 'x':
    case 'X':
      if (typeof value !== 'number')
        throw malformed(`%(${name})${c} needs a number, but ${name} is the text ${pyRepr(value)}; use %(${name})s`);
      return formatInteger(value, spec);
    case 'f':
    case 'F': {
      if (typeof value !== 'number')
        throw malformed(`%(${name})${c} needs a number, but ${name} is the text ${pyRepr(value)}; use %(${name})s`);
      const body = Math.abs(value).toFixed(spec.precision ?? 6);
      const sign = value < 0 ? '-' : spec.flags.includes('+') ? '+' : spec.flags.includes(' ') ? ' ' : '';
      return pad(body, sign, spec, true);
    }
    case 'c':
      if (typeof value === 'number') return pad(String.fromCodePoint(value), '', spec, false);
      if ([...value].length !== 1) throw malformed(`%(${name})c needs a single character`);
      return pad(value, '', spec, false);
    default:
      throw malformed(`unsupported format character '${c}' after %(${name})`);
  }
}

/** The names a template refers to, in order (for error messages and dependency checks). */
export function referencedNames(template: string): string[] {
  const names: string[] = [];
  for (const m of template.matchAll(/%\(([^)]*)\)/g)) names.push(m[1]!);
  return names;
}

/** Expands `template` with `values` exactly as Python's `%` operator would; throws FormatError. */
export function pyFormat(template: string, values: Readonly<Record<string, FormatValue | undefined>>): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const pct = template.indexOf('%', i);
    if (pct === -1) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, pct);
    i = pct + 1;
    if (template[i] === '%') {
      out += '%';
      i++;
      continue;
    }
    if (template[i] !== '(') {
      if (i >= template.length) throw malformed(`a lone '%' at the end; write '%%' for a literal percent sign`);
      throw malformed(
        `'%${template.slice(i, i + 1)}' is not an expansion supervisord accepts here; write %(name)s for a value or ` +
          `'%%' for a literal percent sign`,
      );
    }
    // Python matches nested parentheses in the key.
    let depth = 1;
    let j = i + 1;
    while (j < template.length && depth > 0) {
      if (template[j] === '(') depth++;
      else if (template[j] === ')') depth--;
      j++;
    }
    if (depth > 0) throw malformed(`'%(' without a closing ')'; write '%%' for a literal percent sign`);
    const name = template.slice(i + 1, j - 1);
    const rest = /^([#0\- +]*)(\d+)?(?:\.(\d+))?[hlL]?(.)?/.exec(template.slice(j))!;
    // Python looks the name up before it reads the conversion.
    const value = values[name];
    if (value === undefined) throw new FormatError({ kind: 'missing', name });
    const conversion = rest[4];
    if (conversion === undefined) throw malformed(`'%(${name})' is not followed by a conversion such as 's' or 'd' (write %(${name})s)`);
    if (conversion === '*') throw malformed(`'*' widths are not supported in %(${name})`);
    const spec: Spec = {
      flags: rest[1] ?? '',
      width: rest[2] === undefined ? undefined : Number(rest[2]),
      precision: rest[3] === undefined ? undefined : Number(rest[3]),
      conversion,
    };
    out += conversion === '%' ? '%' : convert(name, value, spec);
    i = j + rest[0].length;
  }
  return out;
}
