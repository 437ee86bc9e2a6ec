// One call to the upstream with everything that keeps it bounded: the breaker admits it (or not),
// each attempt is aborted at the timeout, and a retry happens only when the policy allows it,
// the breaker still admits it and the retry budget has a token.
import type { Guard } from '@holdfast/guard';
import { ServiceError } from '../errors.ts';
import type { BoundMetrics } from './metrics.ts';
import type { FetchFn, ResolvedDependencyOptions } from './options.ts';
import type { RetryBudget } from './retry-budget.ts';

export interface UpstreamCaller<K, V> {
  name: string;
  fetch: FetchFn<K, V>;
  options: ResolvedDependencyOptions;
  guard: Guard | undefined;
  resource: string;
  budget: RetryBudget | undefined;
  metrics: BoundMetrics;
  now: () => number;
  random: () => number;
}

function timeoutError(name: string, ms: number): ServiceError {
  return new ServiceError(
    'HOLDFAST_E_DEPENDENCY_TIMEOUT',
    `dependency '${name}': no answer within ${ms} ms; the call was aborted (raise timeoutMs if the upstream is legitimately this slow)`,
  );
}

/** One attempt: resolves with the value or rejects at the timeout even if fetch ignores its signal. */
async function attempt<K, V>(c: UpstreamCaller<K, V>, key: K, n: number): Promise<V> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = timeoutError(c.name, c.options.timeoutMs);
      ac.abort(err);
      reject(err);
    }, c.options.timeoutMs);
  });
  try {
    return await Promise.race([c.fetch(key, { signal: ac.signal, attempt: n }), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function callUpstream<K, V>(c: UpstreamCaller<K, V>, key: K): Promise<V> {
  const t0 = performance.now();
  const retry = c.options.retry;
  const attempts = retry ? retry.attempts : 1;
  c.budget?.deposit(c.now());
  try {
    for (let n = 1; ; n++) {
      const entry = c.guard?.entry(c.resource);
      if (entry?.blocked) {
        c.metrics.upstream.blocked.inc();
        throw entry;
      }
      try {
        const value = await attempt(c, key, n);
        entry?.exit();
        c.metrics.upstream.success.inc();
        return value;
      } catch (err) {
        entry?.exit({ error: true });
        const timedOut = err instanceof ServiceError && err.code === 'HOLDFAST_E_DEPENDENCY_TIMEOUT';
        (timedOut ? c.metrics.upstream.timeout : c.metrics.upstream.error).inc();
        if (!retry || n >= attempts || (retry.retryOn && !(retry.retryOn as (e: unknown) => boolean)(err))) throw err;
        if (!c.budget?.tryWithdraw(c.now())) {
          c.metrics.retryDenied.inc();
          throw err;
        }
        c.metrics.retried.inc();
        // Full jitter: retries of many callers spread out instead of arriving together.
        const backoff = Math.min(retry.maxBackoffMs, retry.backoffMs * 2 ** (n - 1)) * c.random();
        if (backoff > 0) await new Promise((r) => setTimeout(r, backoff));
      }
    }
  } finally {
    c.metrics.upstreamDuration.observe((performance.now() - t0) / 1000);
  }
}
