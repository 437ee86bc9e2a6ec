// Reads the samples of a Prometheus text exposition (format 0.0.4) whose names start with a
// prefix; everything else (a service's HTTP, Node and process metrics) is skipped without being
// parsed. Enough of the format for what prom-client writes: label values with \\, \" and \n
// escapes, NaN and ±Inf, optional timestamps.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseValue(s: string): number {
  if (s === 'NaN' || s === 'Nan') return NaN;
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s);
}

/** One sample line, or undefined when it does not parse. */
export function parseSampleLine(line: string): Sample | undefined {
  let i = 0;
  while (i < line.length && line[i] !== '{' && line[i] !== ' ') i++;
  const name = line.slice(0, i);
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ' || line[i] === ',') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      const eq = line.indexOf('=', i);
      if (eq < 0 || line[eq + 1] !== '"') return undefined;
      const key = line.slice(i, eq).trim();
      let j = eq + 2;
      let value = '';
      while (j < line.length && line[j] !== '"') {
        if (line[j] === '\\' && j + 1 < line.length) {
          const c = line[j + 1];
          value += c === 'n' ? '\n' : c;
          j += 2;
        } else value += line[j++];
      }
      if (j >= line.length) return undefined;
      labels[key] = value;
      i = j + 1;
    }
  }
  const rest = line.slice(i).trim().split(/\s+/);
  if (!name || rest.length === 0 || rest[0] === '') return undefined;
  const value = parseValue(rest[0]!);
  if (Number.isNaN(value) && rest[0] !== 'NaN' && rest[0] !== 'Nan') return undefined;
  return { name, labels, value };
}

/** Every sample whose metric name starts with `prefix`. */
export function parseSamples(text: string, prefix: string): Sample[] {
  const out: Sample[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (text.startsWith(prefix, start)) {
      const s = parseSampleLine(text.slice(start, end));
      if (s) out.push(s);
    }
    start = end + 1;
  }
  return out;
}
