// The metric catalog a config is checked against: what a service's registry exposes, read from
// its /metrics text (a running service, or the registry of a holdfast service built in-process).
import type { MetricCatalog, MetricInfo } from './catalog-types.ts';

const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped', 'unknown']);

/** Families and their types (and histogram bucket bounds) from Prometheus or OpenMetrics text. */
export function catalogFromExposition(text: string): MetricCatalog {
  const out = new Map<string, MetricInfo>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const type = /^#\s*TYPE\s+([a-zA-Z_:][a-zA-Z0-9_:]*)\s+(\S+)/.exec(line);
    if (type) {
      const t = type[2]!.toLowerCase();
      out.set(type[1]!, { type: TYPES.has(t) && t !== 'untyped' ? (t as MetricInfo['type']) : 'unknown' });
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?/.exec(line);
    if (!sample) continue;
    const name = sample[1]!;
    const bucket = /^(.*)_bucket$/.exec(name);
    const family = bucket && out.get(bucket[1]!)?.type === 'histogram' ? out.get(bucket[1]!)! : undefined;
    if (family) {
      const le = /le="([^"]*)"/.exec(sample[2] ?? '');
      const bound = le ? (le[1] === '+Inf' ? Infinity : Number(le[1])) : NaN;
      if (Number.isFinite(bound)) {
        family.buckets ??= [];
        if (!family.buckets.includes(bound)) family.buckets.push(bound);
      }
      continue;
    }
    // OpenMetrics counters are typed without their _total suffix: keep the sample's own name too.
    const base = name.replace(/_(total|count|sum|created)$/, '');
    if (!out.has(name) && !(base !== name && out.has(base))) out.set(name, { type: 'unknown' });
    if (name.endsWith('_total') && out.get(base)?.type === 'counter' && !out.has(name)) out.set(name, { type: 'counter' });
  }
  for (const info of out.values()) info.buckets?.sort((a, b) => a - b);
  return out;
}
