// A prom-client collector for a guard: holdfast_guard_* metrics read from guard.snapshot() at
// scrape time (nothing is recorded twice on the hot path), plus counters fed by guard events.
// prom-client is a peer dependency of this subpath only, and is used through its Registry
// interface: the metrics are plain objects with get(), as prom-client's own are.
import type { Registry } from 'prom-client';
import { BLOCK_REASONS } from '../block-reason.ts';
import { BREAKER_STATES } from '../breaker/checker.ts';
import type { Guard } from '../guard.ts';
import type { GuardSnapshot } from '../observe.ts';

type Labels = Record<string, string | number>;
interface Value {
  value: number;
  labels: Labels;
  metricName?: string;
}
type Kind = 'counter' | 'gauge' | 'histogram';

export interface GuardMetricsOptions {
  /** Metric name prefix (default 'holdfast_guard_'). */
  prefix?: string;
  /** Extra labels on every series (e.g. { service: 'orders' }). */
  labels?: Labels;
}

export interface GuardMetrics {
  /** Removes the metrics from the registry and stops listening to the guard. */
  unregister(): void;
}

export function registerGuardMetrics(guard: Guard, registry: Registry, options: GuardMetricsOptions = {}): GuardMetrics {
  const prefix = options.prefix ?? 'holdfast_guard_';
  const extra = options.labels ?? {};
  let cached: { at: number; snap: GuardSnapshot } | null = null;
  // One snapshot per scrape, shared by every metric below.
  const snap = (): GuardSnapshot => {
    const now = Date.now();
    if (!cached || now - cached.at > 100) cached = { at: now, snap: guard.snapshot() };
    return cached.snap;
  };
  const transitions = new Map<string, { labels: Labels; value: number }>();
  let swaps = 0;
  let rejects = 0;
  const onChange = (c: { resource: string; ruleId: string; from: string; to: string }) => {
    const key = `${c.resource}\0${c.ruleId}\0${c.from}\0${c.to}`;
    const t = transitions.get(key) ?? { labels: { resource: c.resource, rule: c.ruleId, from: c.from, to: c.to }, value: 0 };
    t.value++;
    transitions.set(key, t);
  };
  const onSwap = () => void swaps++;
  const onReject = () => void rejects++;
  guard.on('breakerStateChange', onChange);
  guard.on('rulesSwapped', onSwap);
  guard.on('rulesRejected', onReject);

  const names: string[] = [];
  const metric = (name: string, help: string, type: Kind, values: () => Value[]) => {
    const full = prefix + name;
    names.push(full);
    registry.registerMetric({
      name: full,
      help,
      type,
      aggregator: 'sum',
      collect() {},
      get: async () => ({
        name: full,
        help,
        type,
        aggregator: 'sum',
        values: values().map((v) => ({ ...v, labels: { ...v.labels, ...extra } })),
      }),
      reset() {},
    } as never);
  };
  const perResource = (pick: (r: GuardSnapshot['resources'][number]) => number) => () =>
    snap().resources.map((r) => ({ value: pick(r), labels: { resource: r.resource } }));
  const perReason = (pick: (r: GuardSnapshot['resources'][number]) => Record<string, number>) => () =>
    snap().resources.flatMap((r) => BLOCK_REASONS.map((reason) => ({ value: pick(r)[reason]!, labels: { resource: r.resource, reason } })));

  metric(
    'pass_total',
    'Calls admitted, per resource',
    'counter',
    perResource((r) => r.pass),
  );
  metric(
    'block_total',
    'Calls blocked, per resource and reason (flow, breaker, hotkey, concurrency, system)',
    'counter',
    perReason((r) => r.block),
  );
  metric(
    'would_block_total',
    'Calls a dry-run rule would have blocked, per resource and reason',
    'counter',
    perReason((r) => r.wouldBlock),
  );
  metric(
    'success_total',
    'Admitted calls that completed without error',
    'counter',
    perResource((r) => r.success),
  );
  metric(
    'error_total',
    'Admitted calls that completed with an error (5xx, timeout, exception)',
    'counter',
    perResource((r) => r.error),
  );
  metric(
    'inflight',
    'Admitted calls not yet completed',
    'gauge',
    perResource((r) => r.inflight),
  );
  metric('rt_seconds', 'Response time of admitted calls', 'histogram', () =>
    snap().resources.flatMap((r) => [
      ...r.rt.buckets.map((count, i) => ({
        value: count,
        labels: { resource: r.resource, le: i < r.rt.boundsMs.length ? r.rt.boundsMs[i]! / 1000 : '+Inf' },
        metricName: `${prefix}rt_seconds_bucket`,
      })),
      { value: r.rt.sumMs / 1000, labels: { resource: r.resource }, metricName: `${prefix}rt_seconds_sum` },
      { value: r.rt.count, labels: { resource: r.resource }, metricName: `${prefix}rt_seconds_count` },
    ]),
  );
  metric('breaker_state', 'Circuit breaker state: 1 for the current state of each breaker', 'gauge', () =>
    snap().breakers.flatMap((b) =>
      BREAKER_STATES.map((state) => ({ value: b.state === state ? 1 : 0, labels: { resource: b.resource, rule: b.ruleId, state } })),
    ),
  );
  metric('breaker_transitions_total', 'Circuit breaker state changes', 'counter', () =>
    [...transitions.values()].map((t) => ({ value: t.value, labels: t.labels })),
  );
  metric(
    'flow_threshold',
    "The limit each flow rule enforces now (adaptive rules: as learned; cluster rules in fallback: this replica's share)",
    'gauge',
    () => snap().flow.map((f) => ({ value: f.threshold, labels: { resource: f.resource, rule: f.ruleId, strategy: f.strategy } })),
  );
  metric('rule_mode', 'Mode of each flow and per-key rule: 1 for the current one (local, cluster, fallback)', 'gauge', () =>
    [...snap().flow, ...snap().hotspot].flatMap((r) =>
      (['local', 'cluster', 'fallback'] as const).map((mode) => ({
        value: r.mode === mode ? 1 : 0,
        labels: { resource: r.resource, rule: r.ruleId, mode },
      })),
    ),
  );
  metric(
    'rule_threshold',
    'The threshold each flow and per-key rule was given (cluster rules: across every replica; adaptive: the starting limit)',
    'gauge',
    () => [
      ...snap().flow.map((f) => ({ value: f.ruleThreshold, labels: { resource: f.resource, rule: f.ruleId, kind: 'flow' } })),
      ...snap().hotspot.map((h) => ({ value: h.threshold, labels: { resource: h.resource, rule: h.ruleId, kind: 'hotspot' } })),
    ],
  );
  metric('flow_limit_bounds', 'Adaptive flow rules: the bounds (min, max) the learned limit stays within', 'gauge', () =>
    snap().flow.flatMap((f) =>
      f.minLimit === null || f.maxLimit === null
        ? []
        : [
            { value: f.minLimit, labels: { resource: f.resource, rule: f.ruleId, bound: 'min' } },
            { value: f.maxLimit, labels: { resource: f.resource, rule: f.ruleId, bound: 'max' } },
          ],
    ),
  );
  metric(
    'cluster_live_replicas',
    'Replicas the cluster rules count as live (a fallback share is the threshold divided among them)',
    'gauge',
    () => {
      const c = snap().cluster;
      return c ? [{ value: c.liveReplicas, labels: {} }] : [];
    },
  );
  metric('system_shedding_level', 'System protection: probability of shedding an eligible request (0 = off)', 'gauge', () => {
    const s = snap().system;
    return s ? [{ value: s.level, labels: {} }] : [];
  });
  metric(
    'system_inflight',
    'System protection: inbound calls in flight, and the BBR estimate of what the process can hold',
    'gauge',
    () => {
      const s = snap().system;
      return s
        ? [
            { value: s.inflight, labels: { kind: 'current' } },
            { value: Number.isFinite(s.maxInflight) ? s.maxInflight : -1, labels: { kind: 'bbr_estimate' } },
          ]
        : [];
    },
  );
  metric('signal', 'Smoothed load signals (NaN until sampled)', 'gauge', () =>
    Object.entries(snap().signals).map(([signal, value]) => ({ value, labels: { signal } })),
  );
  metric('rules', 'Rules loaded, per kind', 'gauge', () =>
    Object.entries(snap().rules).map(([kind, n]) => ({ value: Number(n), labels: { kind } })),
  );
  metric('rule_swaps_total', 'Rule sets swapped in', 'counter', () => [{ value: swaps, labels: {} }]);
  metric('rule_rejects_total', 'Rule sets (or rules files) rejected', 'counter', () => [{ value: rejects, labels: {} }]);

  return {
    unregister() {
      for (const n of names) registry.removeSingleMetric(n);
      guard.off('breakerStateChange', onChange);
      guard.off('rulesSwapped', onSwap);
      guard.off('rulesRejected', onReject);
    },
  };
}
