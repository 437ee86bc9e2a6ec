// Metrics of every dependency of a service, in the service's registry: how each answer was
// served, how old stale data was, what the upstream calls did, retries and coalescing. One set of
// metric families per registry; each dependency binds its own children once.
import { Counter, Histogram, type Registry } from 'prom-client';

export const SERVED = ['fresh', 'miss', 'stale-if-error', 'fallback', 'error'] as const;
export type Served = (typeof SERVED)[number];
export const UPSTREAM_OUTCOMES = ['success', 'error', 'timeout', 'blocked'] as const;
export type UpstreamOutcome = (typeof UPSTREAM_OUTCOMES)[number];

export class DependencyMetrics {
  readonly served: Counter<'dependency' | 'served'>;
  readonly staleAge: Histogram<'dependency'>;
  readonly upstream: Counter<'dependency' | 'outcome'>;
  readonly upstreamDuration: Histogram<'dependency'>;
  readonly retries: Counter<'dependency' | 'decision'>;
  readonly coalesced: Counter<'dependency'>;
  readonly refreshes: Counter<'dependency' | 'outcome'>;
  readonly remoteErrors: Counter<'dependency' | 'op'>;

  constructor(registry: Registry | undefined) {
    const registers = registry ? [registry] : [];
    this.served = new Counter({
      name: 'holdfast_dependency_requests_total',
      help: 'Dependency reads by how they were served: fresh (cache), miss (upstream), stale-if-error, fallback, error',
      labelNames: ['dependency', 'served'],
      registers,
    });
    this.staleAge = new Histogram({
      name: 'holdfast_dependency_stale_age_seconds',
      help: 'Age of the data served stale-if-error',
      labelNames: ['dependency'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 21_600, 86_400],
      registers,
    });
    this.upstream = new Counter({
      name: 'holdfast_dependency_upstream_calls_total',
      help: 'Calls to the upstream by outcome (blocked: the breaker refused the call)',
      labelNames: ['dependency', 'outcome'],
      registers,
    });
    this.upstreamDuration = new Histogram({
      name: 'holdfast_dependency_upstream_duration_seconds',
      help: 'Duration of upstream calls, retries included',
      labelNames: ['dependency'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.retries = new Counter({
      name: 'holdfast_dependency_retries_total',
      help: 'Retry decisions: retried, or denied because the retry budget was spent',
      labelNames: ['dependency', 'decision'],
      registers,
    });
    this.coalesced = new Counter({
      name: 'holdfast_dependency_coalesced_total',
      help: 'Reads that joined a load of the same key already in flight (single-flight)',
      labelNames: ['dependency'],
      registers,
    });
    this.refreshes = new Counter({
      name: 'holdfast_dependency_refreshes_total',
      help: 'Background refreshes ahead of expiry by outcome',
      labelNames: ['dependency', 'outcome'],
      registers,
    });
    this.remoteErrors = new Counter({
      name: 'holdfast_dependency_cache_remote_errors_total',
      help: 'Failed reads and writes of the shared (Redis) cache level; each was served from memory or the upstream instead',
      labelNames: ['dependency', 'op'],
      registers,
    });
  }

  bind(name: string): BoundMetrics {
    const served = Object.fromEntries(SERVED.map((s) => [s, this.served.labels(name, s)])) as Record<Served, Counter.Internal>;
    const upstream = Object.fromEntries(UPSTREAM_OUTCOMES.map((s) => [s, this.upstream.labels(name, s)])) as Record<
      UpstreamOutcome,
      Counter.Internal
    >;
    // Zero series for every path, so dashboards and rate() see them before the first outage.
    for (const c of [...Object.values(served), ...Object.values(upstream)]) c.inc(0);
    return {
      served,
      upstream,
      staleAge: this.staleAge.labels(name),
      upstreamDuration: this.upstreamDuration.labels(name),
      retried: this.retries.labels(name, 'retried'),
      retryDenied: this.retries.labels(name, 'budget_exhausted'),
      coalesced: this.coalesced.labels(name),
      refreshOk: this.refreshes.labels(name, 'success'),
      refreshFailed: this.refreshes.labels(name, 'error'),
      remoteGetError: this.remoteErrors.labels(name, 'get'),
      remoteSetError: this.remoteErrors.labels(name, 'set'),
    };
  }
}

export interface BoundMetrics {
  served: Record<Served, Counter.Internal>;
  upstream: Record<UpstreamOutcome, Counter.Internal>;
  staleAge: Histogram.Internal<'dependency'>;
  upstreamDuration: Histogram.Internal<'dependency'>;
  retried: Counter.Internal;
  retryDenied: Counter.Internal;
  coalesced: Counter.Internal;
  refreshOk: Counter.Internal;
  refreshFailed: Counter.Internal;
  remoteGetError: Counter.Internal;
  remoteSetError: Counter.Internal;
}
