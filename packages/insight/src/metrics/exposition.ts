// Reads one scrape: the Prometheus text format (0.0.4, what prom-client writes) and the parts
// of OpenMetrics a scrape uses. Only the samples a caller wants are parsed: the name is read
// first and everything else on a line it does not want is skipped, so a service's hundred Node
// runtime series cost a string comparison each. Timestamps on samples are ignored: a scrape's
// samples are taken at the scrape's time, as Prometheus does unless told to honour them.

export interface ExpositionResult {
  /** Metric family types from `# TYPE` lines (counter, gauge, histogram, summary, untyped). */
  types: Map<string, string>;
  /** Samples handed to the callback. */
  samples: number;
  /** Sample lines not wanted. */
  skipped: number;
  /** Malformed lines (line number and why), at most 10 kept; the rest of the scrape is still read. */
  errors: { line: number; message: string }[];
  malformed: number;
}

function parseValue(s: string): number | undefined {
  switch (s) {
    case 'NaN':
      return NaN;
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
  }
  const v = Number(s);
  return s !== '' && !Number.isNaN(v) ? v : undefined;
}

/** Labels of `{a="x",b="y\"z"}` starting at `line[i] === '{'`; returns the index after `}`, or an error. */
function parseLabels(line: string, i: number, out: Record<string, string>): number | string {
  i++;
  for (;;) {
    while (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 44) i++; // spaces and commas
    if (i >= line.length) return 'labels not closed';
    if (line[i] === '}') return i + 1;
    const eq = line.indexOf('=', i);
    if (eq < 0) return 'a label without a value';
    const name = line.slice(i, eq).trim();
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) return `'${name}' is not a label name`;
    let j = eq + 1;
    while (line.charCodeAt(j) === 32) j++;
    if (line[j] !== '"') return `label ${name}: the value is not quoted`;
    j++;
    let value = '';
    let start = j;
    for (;;) {
      if (j >= line.length) return `label ${name}: the value is not closed`;
      const c = line.charCodeAt(j);
      if (c === 34) break; // "
      if (c === 92) {
        // \\, \" and \n
        value += line.slice(start, j);
        const n = line[j + 1];
        value += n === 'n' ? '\n' : (n ?? '');
        j += 2;
        start = j;
        continue;
      }
      j++;
    }
    value += line.slice(start, j);
    if (name in out) return `label ${name} given twice`;
    out[name] = value;
    i = j + 1;
  }
}

/**
 * Reads `text`, calling `onSample` for each sample whose name `want` accepts. Labels come as a
 * fresh object the callee may keep.
 */
export function parseExposition(
  text: string,
  want: (name: string) => boolean,
  onSample: (name: string, labels: Record<string, string>, value: number) => void,
): ExpositionResult {
  const r: ExpositionResult = { types: new Map(), samples: 0, skipped: 0, errors: [], malformed: 0 };
  const bad = (line: number, message: string) => {
    r.malformed++;
    if (r.errors.length < 10) r.errors.push({ line, message });
  };
  let start = 0;
  let lineNo = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNo++;
    let line = text.slice(start, end);
    start = end + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '') continue;
    if (line.charCodeAt(0) === 35) {
      // # TYPE name type
      const m = /^#\s*TYPE\s+([a-zA-Z_:][a-zA-Z0-9_:]*)\s+(\S+)/.exec(line);
      if (m) r.types.set(m[1]!, m[2]!.toLowerCase());
      continue;
    }
    let i = 0;
    while (i < line.length && line[i] !== '{' && line[i] !== ' ' && line[i] !== '\t') i++;
    const name = line.slice(0, i);
    if (!want(name)) {
      r.skipped++;
      continue;
    }
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) {
      bad(lineNo, `'${name.slice(0, 60)}' is not a metric name`);
      continue;
    }
    const labels: Record<string, string> = {};
    if (line[i] === '{') {
      const after = parseLabels(line, i, labels);
      if (typeof after === 'string') {
        bad(lineNo, after);
        continue;
      }
      i = after;
    }
    const rest = line.slice(i).trim();
    const sp = rest.search(/\s/);
    const value = parseValue(sp < 0 ? rest : rest.slice(0, sp));
    if (value === undefined) {
      bad(lineNo, `'${rest.slice(0, 40)}' is not a sample value`);
      continue;
    }
    r.samples++;
    onSample(name, labels, value);
  }
  return r;
}

/** The family a sample belongs to: histogram and summary parts and counter suffixes stripped when the family is typed so. */
export function familyOf(sample: string, types: ReadonlyMap<string, string>): string {
  if (types.has(sample)) return sample;
  for (const suffix of ['_bucket', '_sum', '_count', '_total', '_created']) {
    if (sample.endsWith(suffix)) {
      const base = sample.slice(0, -suffix.length);
      if (types.has(base)) return base;
    }
  }
  return sample;
}
