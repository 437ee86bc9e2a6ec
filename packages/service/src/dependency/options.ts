// service.dependency(name, options): validated as a whole when the dependency is declared, so a
// wrong setting fails at startup with the option's path, never on the first outage.
import { z } from 'zod';
import type { BreakerRule } from '@holdfast/guard';
import { ServiceOptionsError } from '../errors.ts';

/** Applied, with a warning, to a dependency declared without timeoutMs. */
export const DEFAULT_DEPENDENCY_TIMEOUT_MS = 2000;

const ms = z.number().finite().min(0);

const schema = z.strictObject({
  fetch: z.function(),
  timeoutMs: ms.min(1).max(600_000).optional(),
  key: z.function().optional(),
  cache: z
    .strictObject({
      freshMs: ms,
      maxStaleMs: ms.default(0),
      /** Refresh in the background once an entry is this far into freshMs (0..1; 1 = never). */
      refreshAhead: z.number().min(0).max(1).default(0.8),
      maxEntries: z.number().int().min(1).default(10_000),
      /** Use the service's Redis as the shared level when it has one. */
      redis: z.boolean().default(true),
    })
    .optional(),
  breaker: z.record(z.string(), z.unknown()).default({}),
  retry: z
    .strictObject({
      /** Tries in all, the first included (2 = one retry). */
      attempts: z.number().int().min(1).max(10).default(2),
      backoffMs: ms.default(50),
      maxBackoffMs: ms.default(1000),
      retryOn: z.function().optional(),
      budget: z
        .strictObject({
          ratio: z.number().min(0).max(1).default(0.1),
          minPerSecond: ms.default(1),
          maxTokens: z.number().min(1).default(20),
        })
        .prefault({}),
    })
    .prefault({}),
  fallback: z.unknown().optional(),
});

export type FetchFn<K, V> = (key: K, ctx: { signal: AbortSignal; attempt: number }) => Promise<V>;

export interface DependencyOptions<K, V> {
  /** Loads one value from the upstream; must honour `signal` (it fires at the timeout). */
  fetch: FetchFn<K, V>;
  /** Per attempt. Without it the dependency gets 2000 ms and a warning. */
  timeoutMs?: number;
  /** The cache key of a key (default String(key)). */
  key?: (key: K) => string;
  /** Stale-if-error cache; false: no cache (timeouts, retries, breaker and fallback still apply). */
  cache?: false | { freshMs: number; maxStaleMs?: number; refreshAhead?: number; maxEntries?: number; redis?: boolean };
  /** The breaker rule for this dependency (a @holdfast/guard breaker rule without id/resource), or false. */
  breaker?: false | Partial<Omit<BreakerRule, 'id' | 'resource'>>;
  retry?:
    | false
    | {
        attempts?: number;
        backoffMs?: number;
        maxBackoffMs?: number;
        retryOn?: (err: unknown) => boolean;
        budget?: { ratio?: number; minPerSecond?: number; maxTokens?: number };
      };
  /** Served when the upstream fails and no cached value is young enough: a value, or a function of the key and the error. */
  fallback?: V | ((key: K, error: unknown) => V | Promise<V>);
}

type Parsed = z.output<typeof schema>;
export type ResolvedDependencyOptions = Omit<Parsed, 'cache' | 'breaker' | 'retry'> & {
  cache: NonNullable<Parsed['cache']> | false;
  breaker: Parsed['breaker'] | false;
  retry: Parsed['retry'] | false;
  timeoutDefaulted: boolean;
  timeoutMs: number;
};

/** The breaker rule used when none is given: open at 50% errors over 10 s (at least 10 calls), probe after 5 s. */
export const DEFAULT_BREAKER = {
  strategy: 'errorRatio',
  threshold: 0.5,
  minRequestAmount: 10,
  statIntervalMs: 10_000,
  retryTimeoutMs: 5000,
} as const;

export function resolveDependencyOptions(name: string, input: unknown): ResolvedDependencyOptions {
  const where = `dependency('${name}')`;
  if (typeof name !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(name)) {
    throw new ServiceOptionsError([
      {
        option: 'dependency name',
        message:
          `'${String(name)}' must be 1-64 characters of letters, digits, '_', '.', ':' or '-' (it becomes a ` +
          `metric label and a Redis key prefix)`,
      },
    ]);
  }
  // `false` switches a feature off; taken out before parsing so a wrong object gets a precise
  // message instead of zod's "no union member matched".
  const raw = { ...((input ?? {}) as Record<string, unknown>) };
  const off = { cache: raw.cache === false || raw.cache === undefined, breaker: raw.breaker === false, retry: raw.retry === false };
  for (const k of ['cache', 'breaker', 'retry'] as const) if (raw[k] === false) delete raw[k];
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new ServiceOptionsError(
      parsed.error.issues.map((i) => {
        const path = i.path.map(String).join('.');
        if (i.code === 'unrecognized_keys')
          return { option: `${where}.${i.keys.map((k) => (path ? `${path}.${k}` : k)).join(', ')}`, message: 'unknown option' };
        return {
          option: path ? `${where}.${path}` : where,
          message: path === 'fetch' ? 'fetch must be a function (key, {signal, attempt}) => Promise<value>' : i.message,
        };
      }),
    );
  }
  const d = parsed.data;
  const o = {
    ...d,
    cache: off.cache || !d.cache ? (false as const) : d.cache,
    breaker: off.breaker ? (false as const) : d.breaker,
    retry: off.retry ? (false as const) : d.retry,
  };
  if (o.retry && o.retry.maxBackoffMs < o.retry.backoffMs) {
    throw new ServiceOptionsError([{ option: `${where}.retry.maxBackoffMs`, message: `must be >= backoffMs (${o.retry.backoffMs})` }]);
  }
  return { ...o, timeoutMs: o.timeoutMs ?? DEFAULT_DEPENDENCY_TIMEOUT_MS, timeoutDefaulted: o.timeoutMs === undefined };
}
