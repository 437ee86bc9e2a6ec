// Replay files: OpenMetrics text with a timestamp on every sample (seconds), the format
// `promtool tsdb create-blocks-from openmetrics` backfills, so one file can be replayed here and
// loaded into a real Prometheus. Without the closing `# EOF` the Prometheus text format is read
// instead (timestamps in milliseconds). Gaps (missing samples) and counter resets are kept as
// they are: the evaluator treats them as Prometheus does (lookback, staleness, reset handling).
import { InsightError } from '../errors.ts';
import { compare, get, labelsFrom, METRIC_NAME, type Labels } from '../promql/labels.ts';
import { SeriesStore, type Series } from '../promql/store.ts';

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+(\S+))?\s*$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y;

function parseValue(text: string): number | undefined {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const v = Number(text);
  return text.trim() !== '' && !Number.isNaN(v) ? v : undefined;
}

function parseLabels(body: string, fail: (m: string) => never): Record<string, string> {
  const out: Record<string, string> = {};
  LABEL.lastIndex = 0;
  let pos = 0;
  while (pos < body.length) {
    LABEL.lastIndex = pos;
    const m = LABEL.exec(body);
    if (!m) fail(`malformed labels {${body}}`);
    if (m[1]! in out) fail(`label '${m[1]}' given twice`);
    out[m[1]!] = m[2]!.replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c));
    pos = LABEL.lastIndex;
    if (m[3] === '') break;
  }
  return out;
}

export interface ReplayRead {
  store: SeriesStore;
  format: 'openmetrics' | 'prometheus';
  samples: number;
  /** Metric family types from # TYPE lines. */
  types: Map<string, string>;
}

/** Reads a replay file's text into a store; throws HOLDFAST_E_REPLAY naming the line. */
export function readReplay(text: string, file = 'replay'): ReplayRead {
  const lines = text.split('\n');
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  const openMetrics = lines.length > 0 && lines[lines.length - 1]!.trim() === '# EOF';
  const scale = openMetrics ? 1000 : 1;
  const store = new SeriesStore();
  const types = new Map<string, string>();
  let samples = 0;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    const fail: (m: string) => never = (m) => {
      throw new InsightError('HOLDFAST_E_REPLAY', `${file}:${i + 1}: ${m}`);
    };
    if (line === '' || line === '# EOF') {
      if (line === '# EOF' && i !== lines.length - 1) fail('# EOF before the end of the file');
      return;
    }
    if (line.startsWith('#')) {
      const t = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line);
      if (t) types.set(t[1]!, t[2]!);
      return;
    }
    const m = SAMPLE.exec(line);
    if (!m) fail(`not a sample line: ${line.slice(0, 80)}`);
    const value = parseValue(m[3]!);
    if (value === undefined) fail(`'${m[3]}' is not a value`);
    if (m[4] === undefined) fail('a replay sample needs a timestamp (replays are recorded series, not a single scrape)');
    const ts = Number(m[4]);
    if (!Number.isFinite(ts)) fail(`'${m[4]}' is not a timestamp`);
    const labels = labelsFrom({ ...parseLabels(m[2] ?? '', fail), [METRIC_NAME]: m[1]! });
    try {
      store.getOrCreate(labels).append(Math.round(ts * scale), value);
    } catch (err) {
      fail((err as Error).message.replace(/^.*?: /, ''));
    }
    samples++;
  });
  if (samples === 0) throw new InsightError('HOLDFAST_E_REPLAY', `${file}: no samples`);
  return { store, format: openMetrics ? 'openmetrics' : 'prometheus', samples, types };
}

/** The metric family a sample name belongs to, for # TYPE lines (x_total → x, x_bucket → x). */
function family(name: string, types: ReadonlyMap<string, string>): { name: string; type: string } {
  for (const [suffix, type] of [
    ['_total', 'counter'],
    ['_bucket', 'histogram'],
    ['_count', 'histogram'],
    ['_sum', 'histogram'],
  ] as const) {
    const base = name.slice(0, -suffix.length);
    if (name.endsWith(suffix) && types.get(base) === type) return { name: base, type };
  }
  return { name, type: types.get(name) ?? 'unknown' };
}

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function seriesLine(labels: Labels): string {
  const name = get(labels, METRIC_NAME);
  const rest = labels.filter(([n]) => n !== METRIC_NAME).map(([n, v]) => `${n}="${escape(v)}"`);
  return rest.length ? `${name}{${rest.join(',')}}` : name;
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/**
 * OpenMetrics text of the series (families contiguous, each series in time order, timestamps in
 * seconds), ready for `promtool tsdb create-blocks-from openmetrics`. Staleness markers are left
 * out: OpenMetrics cannot carry them. `types` names counter and histogram families; `window`
 * keeps the samples in [from, to) (promtool reads a file once per 2-hour block it writes, so a
 * long replay backfills faster a day at a time).
 */
export function writeOpenMetrics(
  series: readonly Series[],
  types: ReadonlyMap<string, string> = new Map(),
  window?: { from: number; to: number },
): string {
  const byFamily = new Map<string, { type: string; series: Series[] }>();
  for (const s of [...series].sort((a, b) => compare(a.labels, b.labels))) {
    const f = family(get(s.labels, METRIC_NAME), types);
    let entry = byFamily.get(f.name);
    if (!entry) byFamily.set(f.name, (entry = { type: f.type, series: [] }));
    entry.series.push(s);
  }
  const out: string[] = [];
  for (const [name, { type, series: list }] of byFamily) {
    out.push(`# TYPE ${name} ${type}`);
    for (const s of list) {
      const head = seriesLine(s.labels);
      const lo = window ? s.firstAtOrAfter(window.from) : 0;
      const hi = window ? s.firstAtOrAfter(window.to) : s.n;
      for (let i = lo; i < hi; i++) {
        out.push(`${head} ${formatValue(s.v[i]!)} ${s.t[i]! / 1000}`);
      }
    }
  }
  out.push('# EOF');
  return out.join('\n') + '\n';
}

/** The typical time between two samples of a series (the median over every series): a replay's scrape interval. */
export function medianInterval(store: SeriesStore): number | undefined {
  const gaps: number[] = [];
  for (const s of store.series()) for (let i = 1; i < Math.min(s.n, 2000); i++) gaps.push(s.t[i]! - s.t[i - 1]!);
  if (gaps.length === 0) return undefined;
  gaps.sort((a, b) => a - b);
  return gaps[gaps.length >> 1];
}
