// Every duration of the leadership loop derives from the lease TTL, so a profile is one number.
// The relations (checked by resolveTiming) are what the safety argument in docs/failover.md
// relies on: the local deadline ends before the server can expire the lease, demotion starts
// early enough to finish before that deadline, and keep-alives go out often enough that a few
// lost ones do not cost leadership.

export const profiles = {
  /** etcd with its default 1 s election timeout grants leases of 2 s or more: 5 s leaves room for slow disks. */
  default: 5000,
  /** Needs etcd's election timeout ≤ ~1.3 s (minimum TTL = ceil(1.5 × election timeout)). */
  fast: 2000,
  /** Needs etcd started with --election-timeout ≤ ~600 ms (e.g. --heartbeat-interval 100 --election-timeout 500). */
  turbo: 1000,
} as const;
export type ProfileName = keyof typeof profiles;

export interface LeadershipTiming {
  /** Lease TTL requested from the coordinator. */
  ttlMs: number;
  /** Keep-alive period (TTL/5). */
  keepAliveIntervalMs: number;
  /** A keep-alive not answered within this is abandoned (the next one is already on its way). */
  keepAliveTimeoutMs: number;
  /** Bound on the rate difference between this host's monotonic clock and the coordinator's (ρ, 1 %). */
  drift: number;
  /** Time kept between the local deadline and the earliest possible server-side expiry: the fence acts in it (20 % of TTL). */
  marginMs: number;
  /** Demotion starts this long before the deadline when renewals fail, so it completes before it (20 % of TTL). */
  stepDownMs: number;
  /** Period of the event-loop pause detector's tick. */
  pauseCheckMs: number;
  /** A gap between ticks over this is a pause: no action until a fresh keep-alive confirms the lease. */
  pauseThresholdMs: number;
  /** Retry period of a failed campaign. */
  campaignRetryMs: number;
  /** Added campaign delay per live peer of higher priority (so the preferred node usually wins). */
  campaignStepMs: number;
  /** After a demotion, no campaign for this long (avoids flapping). */
  holdoffMs: number;
  /** Followers re-read the leader record this often, in case a watch event was missed. */
  readIntervalMs: number;
  /** A node healthy for this long preempts a lower-priority leader (when preempt is on). */
  preemptDelayMs: number;
}

export type TimingOverrides = Partial<Omit<LeadershipTiming, 'ttlMs'>>;

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** The timing for a TTL, with overrides applied and the safety relations checked (throws a RangeError naming the violated one). */
export function resolveTiming(ttlMs: number, overrides: TimingOverrides = {}): LeadershipTiming {
  const t: LeadershipTiming = {
    ttlMs,
    keepAliveIntervalMs: ttlMs / 5,
    keepAliveTimeoutMs: ttlMs / 2,
    drift: 0.01,
    marginMs: ttlMs * 0.2,
    stepDownMs: ttlMs * 0.2,
    pauseCheckMs: clamp(ttlMs / 10, 20, 100),
    pauseThresholdMs: clamp(ttlMs / 4, 100, 500),
    campaignRetryMs: ttlMs / 5,
    campaignStepMs: clamp(ttlMs / 10, 50, 500),
    holdoffMs: ttlMs,
    readIntervalMs: ttlMs / 2,
    preemptDelayMs: ttlMs * 2,
    ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)),
  };
  checkTiming(t);
  return t;
}

/** The relations the safety argument needs; a config that breaks one is refused. */
export function checkTiming(t: LeadershipTiming): void {
  const fail = (why: string) => {
    throw new RangeError(`unsafe leadership timing: ${why}`);
  };
  if (!(t.ttlMs >= 100)) fail(`ttl ${t.ttlMs} ms is below 100 ms`);
  if (!(t.drift >= 0 && t.drift < 0.5)) fail(`drift ${t.drift} must be in [0, 0.5)`);
  if (!(t.marginMs >= 0)) fail('margin must not be negative');
  const window = t.ttlMs * (1 - t.drift) - t.marginMs;
  if (!(window > 0)) fail(`ttl × (1 − drift) − margin = ${window} ms leaves no time to lead`);
  if (!(t.stepDownMs >= 0 && t.stepDownMs < window)) fail(`stepDown ${t.stepDownMs} ms must be shorter than the lead window ${window} ms`);
  if (!(t.keepAliveIntervalMs > 0 && t.keepAliveIntervalMs * 2 <= window - t.stepDownMs)) {
    fail(`keepAliveInterval ${t.keepAliveIntervalMs} ms must fit at least twice in the ${window - t.stepDownMs} ms before stepping down`);
  }
  if (!(t.pauseCheckMs > 0 && t.pauseThresholdMs > t.pauseCheckMs)) fail('pauseThreshold must exceed pauseCheck');
}
