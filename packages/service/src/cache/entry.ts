// A cached value and its age. Freshness is decided by the reader's policy, not stored with the
// value, so instances with different settings can share one Redis.

export interface CacheEntry<V> {
  value: V;
  /** Wall-clock ms when the value came from the upstream (shared across processes via Redis). */
  storedAt: number;
}

export interface FreshnessPolicy {
  /** Served without asking the upstream while younger than this. */
  freshMs: number;
  /** After freshMs, still served when the upstream fails, for this much longer. */
  maxStaleMs: number;
}

export type Freshness = 'fresh' | 'stale' | 'expired';

export function ageOf(entry: CacheEntry<unknown>, now: number): number {
  return Math.max(0, now - entry.storedAt);
}

export function freshness(entry: CacheEntry<unknown>, policy: FreshnessPolicy, now: number): Freshness {
  const age = ageOf(entry, now);
  if (age < policy.freshMs) return 'fresh';
  return age <= policy.freshMs + policy.maxStaleMs ? 'stale' : 'expired';
}

/** The younger of two entries (either may be missing). */
export function newest<V>(a: CacheEntry<V> | undefined, b: CacheEntry<V> | undefined): CacheEntry<V> | undefined {
  if (!a) return b;
  if (!b) return a;
  return b.storedAt > a.storedAt ? b : a;
}
