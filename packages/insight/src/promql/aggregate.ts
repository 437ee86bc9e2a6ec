// Aggregation operators (sum, avg, min, max, count, stddev, stdvar, quantile, group, topk,
// bottomk) with by()/without(), as Prometheus 2.42 computes them: groups in order of first
// appearance, plain running sums (no compensation, unlike the *_over_time functions), avg as an
// incremental mean.
import { InsightError } from '../errors.ts';
import type { AggregateOp } from './ast.ts';
import type { Sample } from './binary.ts';
import { memoByLabels, METRIC_NAME, signature, type Labels } from './labels.ts';
import { quantile } from './quantile.ts';

interface Group {
  labels: Labels;
  value: number;
  mean: number;
  count: number;
  values: number[];
  members: Sample[];
}

const groupLabelsMemo = memoByLabels((l, spec) => {
  const without = spec[0] === '1';
  const grouping = spec.slice(1).split('\xff');
  return without ? l.filter(([n]) => n !== METRIC_NAME && !grouping.includes(n)) : l.filter(([n]) => grouping.includes(n));
});

function groupLabels(l: Labels, grouping: readonly string[], without: boolean): Labels {
  return groupLabelsMemo(l, (without ? '1' : '0') + grouping.join('\xff'));
}

export function aggregate(op: AggregateOp, vec: Sample[], grouping: readonly string[], without: boolean, param: number): Sample[] {
  let k = 0;
  if (op === 'topk' || op === 'bottomk') {
    if (!Number.isFinite(param) || Math.abs(param) > 2 ** 63)
      throw new InsightError('HOLDFAST_E_PROMQL_EVAL', `Scalar value ${param} overflows int64`);
    k = Math.trunc(param);
    if (k < 1) return [];
  }
  const groups = new Map<string, Group>();
  const ordered: Group[] = [];
  for (const s of vec) {
    // by(): the grouping labels; without(): everything else but the metric name.
    const gk = without ? signature(s.labels, false, grouping) : signature(s.labels, true, grouping);
    const g = groups.get(gk);
    if (!g) {
      const fresh: Group = {
        labels: groupLabels(s.labels, grouping, without),
        value: s.v,
        mean: s.v,
        count: 1,
        values: [s.v],
        members: [s],
      };
      if (op === 'stddev' || op === 'stdvar') fresh.value = 0;
      if (op === 'group') fresh.value = 1;
      groups.set(gk, fresh);
      ordered.push(fresh);
      continue;
    }
    switch (op) {
      case 'sum':
        g.value += s.v;
        break;
      case 'avg':
        g.count++;
        if (g.mean === Infinity || g.mean === -Infinity) {
          if ((s.v === Infinity || s.v === -Infinity) && g.mean > 0 === s.v > 0) break;
          if (Number.isFinite(s.v)) break;
        }
        g.mean += s.v / g.count - g.mean / g.count;
        break;
      case 'max':
        if (g.value < s.v || Number.isNaN(g.value)) g.value = s.v;
        break;
      case 'min':
        if (g.value > s.v || Number.isNaN(g.value)) g.value = s.v;
        break;
      case 'count':
        g.count++;
        break;
      case 'stddev':
      case 'stdvar': {
        g.count++;
        const delta = s.v - g.mean;
        g.mean += delta / g.count;
        g.value += delta * (s.v - g.mean);
        break;
      }
      case 'quantile':
        g.values.push(s.v);
        break;
      case 'topk':
      case 'bottomk':
        g.members.push(s);
        break;
      case 'group':
        break;
    }
  }
  const out: Sample[] = [];
  for (const g of ordered) {
    switch (op) {
      case 'avg':
        out.push({ labels: g.labels, v: g.mean });
        break;
      case 'count':
        out.push({ labels: g.labels, v: g.count });
        break;
      case 'stdvar':
        out.push({ labels: g.labels, v: g.value / g.count });
        break;
      case 'stddev':
        out.push({ labels: g.labels, v: Math.sqrt(g.value / g.count) });
        break;
      case 'quantile':
        out.push({ labels: g.labels, v: quantile(param, Float64Array.from(g.values)) });
        break;
      case 'topk':
      case 'bottomk': {
        // NaN ranks last in both; ties keep input order (Prometheus's heap does not promise one).
        const sign = op === 'topk' ? -1 : 1;
        const sorted = [...g.members].sort((a, b) => (Number.isNaN(a.v) ? 1 : Number.isNaN(b.v) ? -1 : sign * (a.v - b.v)));
        out.push(...sorted.slice(0, k));
        break;
      }
      default:
        out.push({ labels: g.labels, v: g.value });
    }
  }
  return out;
}
