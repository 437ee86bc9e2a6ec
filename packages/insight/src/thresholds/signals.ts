// The PromQL of a baseline's signal: the level a strategy watches (request rate, 5xx ratio,
// a latency quantile, or any metric) and the request rate the sparse-series guard looks at.
import { formatPromDuration } from '../promql/duration.ts';
import type { BaselineSpec } from './types.ts';

/** `{a="1",b="2"}` from equality matchers plus extra raw matchers. */
export function selector(matchers: Readonly<Record<string, string>>, extra: string[] = []): string {
  const parts = [...Object.entries(matchers).map(([k, v]) => `${k}=${JSON.stringify(v)}`), ...extra];
  return parts.length ? `{${parts.join(',')}}` : '';
}

export const by = (labels: readonly string[]) => `by (${labels.join(', ')})`;

/** Record names of a baseline: holdfast:<name>:<what>. */
export const recordName = (b: Pick<BaselineSpec, 'name'>, what: string) => `holdfast:${b.name}:${what}`;

export function levelExpr(b: BaselineSpec): string {
  const w = formatPromDuration(b.rateWindowMs);
  const sel = (extra: string[] = []) => selector(b.matchers, extra);
  switch (b.signal) {
    case 'requests':
      return `sum ${by(b.by)} (rate(${b.metric}${sel()}[${w}]))`;
    case 'errors':
      return `sum ${by(b.by)} (rate(${b.metric}${sel(['status=~"5.."'])}[${w}])) / sum ${by(b.by)} (rate(${b.metric}${sel()}[${w}]))`;
    case 'latency':
      return `histogram_quantile(${b.quantile}, sum ${by([...b.by, 'le'])} (rate(${b.metric}_bucket${sel()}[${w}])))`;
    case 'metric':
      if (b.metricType === 'counter') return `sum ${by(b.by)} (rate(${b.metric}${sel()}[${w}]))`;
      if (b.metricType === 'histogram')
        return `histogram_quantile(${b.quantile}, sum ${by([...b.by, 'le'])} (rate(${b.metric}_bucket${sel()}[${w}])))`;
      return `avg ${by(b.by)} (${b.metric}${sel()})`;
  }
}

/**
 * Where the sparse-series guard reads the request rate: the level itself (a request or counter
 * rate), its own expression (the requests behind an error ratio or a latency quantile), or
 * nowhere (a gauge is never sparse).
 */
export function guardSource(b: BaselineSpec): 'level' | 'none' | { expr: string } {
  const w = formatPromDuration(b.rateWindowMs);
  if (b.signal === 'requests' || (b.signal === 'metric' && b.metricType === 'counter')) return 'level';
  if (b.signal === 'errors') return { expr: `sum ${by(b.by)} (rate(${b.metric}${selector(b.matchers)}[${w}]))` };
  if (b.signal === 'latency' || b.metricType === 'histogram')
    return { expr: `sum ${by(b.by)} (rate(${b.metric}_count${selector(b.matchers)}[${w}]))` };
  return 'none';
}
