// Per-key (hot-parameter) rules: the data, its defaults and its validation.
import { type Issues, type Obj, type Path, bool, isObject, num, oneOf, onlyKeys, ruleHead } from '../rule-fields.ts';

export const HOTSPOT_METRICS = ['qps', 'concurrency'] as const;

export interface HotspotRule {
  id: string;
  resource: string;
  /** Requests per durationMs per key ('qps', default), or calls in flight per key. */
  metric?: (typeof HOTSPOT_METRICS)[number];
  /** The per-key limit (0 blocks the key). */
  threshold: number;
  /** qps: the refill period the threshold applies to (default 1000). */
  durationMs?: number;
  /** qps: extra requests a quiet key may burst above the threshold (default 0). */
  burst?: number;
  /** Per-key thresholds that replace `threshold` for the named keys (e.g. a VIP tenant). */
  overrides?: Record<string, number>;
  /** Keys remembered at most; the least recently used is forgotten first (default 10000). */
  maxKeys?: number;
  /** Each key's threshold is global across every replica, through the guard's cluster store (metric qps, no burst). */
  clusterMode?: boolean;
  dryRun?: boolean;
}

export type NormalizedHotspotRule = Required<HotspotRule>;

const KEYS = ['id', 'resource', 'metric', 'threshold', 'durationMs', 'burst', 'overrides', 'maxKeys', 'clusterMode', 'dryRun'] as const;

export function validateHotspotRule(r: Obj, path: Path, issues: Issues): NormalizedHotspotRule {
  onlyKeys(r, KEYS, path, issues);
  const head = ruleHead(r, path, issues);
  const metric = oneOf(r, 'metric', path, issues, HOTSPOT_METRICS, 'qps');
  const overrides: Record<string, number> = {};
  if (r.overrides !== undefined) {
    if (!isObject(r.overrides)) issues.add([...path, 'overrides'], 'must be a map of key -> threshold');
    else
      for (const key of Object.keys(r.overrides)) {
        const v = num(r.overrides, key, [...path, 'overrides'], issues, { min: 0 });
        if (v !== undefined) overrides[key] = v;
      }
  }
  const clusterMode = bool(r, 'clusterMode', path, issues) ?? false;
  if (clusterMode && metric !== 'qps')
    issues.add([...path, 'metric'], `a clusterMode rule counts requests per key and window across replicas: use metric: qps`);
  if (clusterMode && r.burst !== undefined && r.burst !== 0)
    issues.add(
      [...path, 'burst'],
      `burst is a local token-bucket allowance; a clusterMode rule counts fixed windows of durationMs (remove burst)`,
    );
  return {
    ...head,
    metric,
    clusterMode,
    threshold: num(r, 'threshold', path, issues, { required: true, min: 0, what: 'the per-key limit' }) ?? 0,
    durationMs: num(r, 'durationMs', path, issues, { above: 0, max: 86_400_000 }) ?? 1000,
    burst: num(r, 'burst', path, issues, { min: 0 }) ?? 0,
    overrides,
    maxKeys: num(r, 'maxKeys', path, issues, { integer: true, min: 1, max: 10_000_000 }) ?? 10_000,
  };
}
