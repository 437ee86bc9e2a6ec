// The hot-path side of a per-key rule: a token bucket per key (qps) or an in-flight count per
// key (concurrency), kept in an LRU-capped KeyTable. A cluster rule spends permits leased per
// key from the cluster store (the lease slots are the key table's slots); while the store is
// down each key gets threshold ÷ live replicas here (keys spread evenly over replicas, unlike
// whole-resource traffic, so an even split is the right one).
import { REASON_HOTKEY } from '../block-reason.ts';
import { LeaseTable } from '../cluster/leases.ts';
import type { ClusterLink } from '../cluster/link.ts';
import { BLOCKED } from '../verdict.ts';
import { KeyTable } from './key-table.ts';
import type { NormalizedHotspotRule } from './rule.ts';

export class HotspotChecker {
  readonly rule: NormalizedHotspotRule;
  readonly reason = REASON_HOTKEY;
  readonly dryRun: boolean;
  readonly table: KeyTable;
  private readonly concurrency: boolean;
  private readonly overrides: Map<string, number>;
  private readonly perMs: number;
  // Left by check() for commit() and retryAfterMs(): single-threaded, so nothing runs in between.
  private pendingSlot = -1;
  private pendingTokens = 0;
  private pendingLease = false;
  readonly leases: LeaseTable | null;
  private readonly link: ClusterLink | null;

  constructor(rule: NormalizedHotspotRule, link: ClusterLink | null = null) {
    this.rule = rule;
    this.dryRun = rule.dryRun;
    this.table = new KeyTable(rule.maxKeys);
    this.concurrency = rule.metric === 'concurrency';
    this.overrides = new Map(Object.entries(rule.overrides));
    this.perMs = 1 / rule.durationMs;
    this.link = rule.clusterMode ? link : null;
    this.leases = this.link !== null ? new LeaseTable(rule.id, rule.durationMs, rule.maxKeys, this.link) : null;
  }

  /** Verdict for `key` (0 pass, BLOCKED). A request without a key is not subject to per-key rules. */
  check(now: number, key: unknown, batch: number): number {
    if (key === undefined) {
      this.pendingSlot = -1;
      return 0;
    }
    const t = this.table;
    const slot = t.touch(key);
    if (t.created) {
      const limit =
        this.overrides.size === 0
          ? this.rule.threshold
          : (this.overrides.get(typeof key === 'string' ? key : String(key)) ?? this.rule.threshold);
      t.limit[slot] = limit;
      t.tokens[slot] = limit + this.rule.burst;
      t.stamp[slot] = now;
      t.inflight[slot] = 0;
      if (this.leases !== null) this.leases.reset(slot, typeof key === 'string' ? key : String(key), now);
    }
    this.pendingSlot = slot;
    let limit = t.limit[slot]!;
    this.pendingLease = false;
    if (this.leases !== null) {
      if (this.link!.up) {
        this.pendingLease = true;
        return this.leases.check(slot, now, batch, limit);
      }
      limit /= this.link!.liveReplicas();
    }
    if (this.concurrency) return t.inflight[slot]! + 1 > limit ? BLOCKED : 0;
    const elapsed = now - t.stamp[slot]!;
    // A cluster key's share below one per window still fills up to one pass, slowly.
    const cap = this.leases !== null ? Math.max(1, limit) : limit + this.rule.burst;
    const tokens = Math.min(cap, t.tokens[slot]! + (elapsed > 0 ? elapsed * limit * this.perMs : 0));
    this.pendingTokens = tokens;
    return tokens < batch ? BLOCKED : 0;
  }

  commit(now: number, batch: number): void {
    const slot = this.pendingSlot;
    if (slot < 0) return;
    const t = this.table;
    if (this.pendingLease) {
      this.leases!.commit(slot, now, batch);
      return;
    }
    if (this.concurrency) {
      t.inflight[slot]!++;
    } else {
      t.tokens[slot] = this.pendingTokens - batch;
      t.stamp[slot] = now;
    }
  }

  /** A call admitted for `key` has finished: free its concurrency slot. */
  release(key: unknown): void {
    if (!this.concurrency || key === undefined) return;
    const slot = this.table.peek(key);
    // An evicted (and perhaps re-created) key has nothing of ours to release.
    if (slot >= 0 && this.table.inflight[slot]! > 0) this.table.inflight[slot]!--;
  }

  retryAfterMs(now: number, batch: number): number {
    if (this.concurrency || this.pendingSlot < 0) return 1000;
    if (this.pendingLease) return this.leases!.retryAfterMs(this.pendingSlot, now);
    const limit = this.table.limit[this.pendingSlot]! / (this.leases !== null ? this.link!.liveReplicas() : 1);
    if (limit <= 0) return this.rule.durationMs;
    return Math.max(0, ((batch - this.pendingTokens) * this.rule.durationMs) / limit);
  }
}
