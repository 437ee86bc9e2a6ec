// A guard's link to its cluster store: it gathers the lease requests of every cluster rule made
// during one turn of the event loop into a single store call, hands the grants back, and knows
// the mode every cluster rule is in. The hot path only reads `up`.
//
// Modes: 'cluster' while the store answers; 'fallback' from the first failed or late lease (or
// a failed heartbeat) until a heartbeat succeeds again. In fallback each replica enforces its
// share of the threshold locally, so the limit holds without the store and nothing fails open.
import type { ClusterOptions, ClusterStore, LeaseGrant, LeaseRequest, StoreStatus } from './store.ts';

/** Where a grant goes back to (a rule's lease table), by slot and the slot's generation. */
export interface LeaseSink {
  granted(slot: number, gen: number, grant: LeaseGrant, sentAt: number, now: number): void;
  failed(slot: number, gen: number): void;
}

export type ClusterMode = 'cluster' | 'fallback';

export interface ClusterModeChange {
  mode: ClusterMode;
  /** Why: 'store up', 'lease failed: <message>', 'heartbeat failed'. */
  reason: string;
  liveReplicas: number;
}

interface Pending {
  table: LeaseSink;
  slot: number;
  gen: number;
  request: LeaseRequest;
}

export class ClusterLink {
  /** Read on the hot path: lease permits when true, enforce the local share when false. */
  up: boolean;
  /** Smoothed round trip of a lease call, ms. */
  rttMs = 1;
  readonly leaseTargetMs: number;
  private readonly store: ClusterStore;
  private readonly liveSource: (() => number | undefined) | undefined;
  private readonly onMode: (change: ClusterModeChange) => void;
  private readonly now: () => number;
  private pending: Pending[] = [];
  private flushScheduled = false;
  private readonly unsubscribe: () => void;

  constructor(options: ClusterOptions, now: () => number, onMode: (change: ClusterModeChange) => void) {
    this.store = options.store;
    this.liveSource = options.liveReplicas;
    this.leaseTargetMs = options.leaseTargetMs ?? 25;
    this.now = now;
    this.onMode = onMode;
    this.up = this.store.status().up;
    this.unsubscribe = this.store.onStatus((s) => this.onStatus(s));
  }

  get mode(): ClusterMode {
    return this.up ? 'cluster' : 'fallback';
  }

  /** Live replicas: the injected source when it knows, else the store's last heartbeat count, else 1. */
  liveReplicas(): number {
    const injected = this.liveSource?.();
    if (injected !== undefined && injected >= 1) return injected;
    return Math.max(1, this.store.status().liveReplicas ?? 1);
  }

  /** The store's own last heartbeat count (what shares were measured against). */
  storeLiveReplicas(): number {
    return Math.max(1, this.store.status().liveReplicas ?? 1);
  }

  /** Queues a lease request; every request of this turn goes to the store in one call. */
  request(table: LeaseSink, slot: number, gen: number, request: LeaseRequest): void {
    this.pending.push({ table, slot, gen, request });
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const sentAt = this.now();
    const t0 = performance.now();
    this.store.lease(batch.map((p) => p.request)).then(
      (grants) => {
        const rtt = performance.now() - t0;
        this.rttMs += (rtt - this.rttMs) * 0.2;
        const now = this.now();
        for (let i = 0; i < batch.length; i++) {
          const p = batch[i]!;
          p.table.granted(p.slot, p.gen, grants[i]!, sentAt, now);
        }
      },
      (err: unknown) => {
        for (const p of batch) p.table.failed(p.slot, p.gen);
        this.setUp(false, `lease failed: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
  };

  private onStatus(s: StoreStatus): void {
    this.setUp(s.up, s.up ? 'store up' : `heartbeat failed: ${s.error ?? 'no answer'}`);
  }

  private setUp(up: boolean, reason: string): void {
    if (up === this.up) return;
    this.up = up;
    this.onMode({ mode: this.mode, reason, liveReplicas: this.liveReplicas() });
  }

  close(): void {
    this.unsubscribe();
  }
}
