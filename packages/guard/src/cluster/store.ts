// What a cluster rule needs from a shared store, and nothing of how: the Redis store
// (@holdfast/guard/cluster-redis) is one implementation, tests may bring another. The core stays
// dependency-free; it only ever talks to this interface.

/** A request for permits of one counter (a cluster flow rule, or one key of a cluster per-key rule). */
export interface LeaseRequest {
  /** The counter: the rule id, plus the key for per-key rules. */
  key: string;
  /** Permits per window across every replica. */
  limit: number;
  windowMs: number;
  /** Permits wanted now. */
  want: number;
  /** Passes this replica admitted without a lease since its last request (a window's first pass): counted, not granted. */
  used: number;
}

export interface LeaseGrant {
  granted: number;
  /** Milliseconds until the window the permits belong to ends, by the store's clock. */
  msLeft: number;
  /** The window's number (store time ÷ windowMs). */
  window: number;
  /** Permits of the counter taken in the previous window, by every replica (this replica's share is read from it). */
  previousTotal: number;
}

export interface StoreStatus {
  /** The store answers (heartbeats and leases succeed in time). */
  up: boolean;
  /** Replicas whose heartbeats the store holds, as last seen; undefined before the first heartbeat. */
  liveReplicas: number | undefined;
  /** What went wrong when the store is down. */
  error?: string;
}

export interface ClusterStore {
  /** Leases permits, one grant per request in order; rejects when the store fails or answers later than its timeout. */
  lease(requests: readonly LeaseRequest[]): Promise<LeaseGrant[]>;
  status(): StoreStatus;
  /** Called on every heartbeat outcome; returns the unsubscribe function. */
  onStatus(listener: (status: StoreStatus) => void): () => void;
}

export interface ClusterOptions {
  store: ClusterStore;
  /**
   * Live replicas from another source (e.g. the failover agent's etcd membership), preferred
   * over the store's last known heartbeat count while it returns a number.
   */
  liveReplicas?: () => number | undefined;
  /** How long a lease should last at this replica's rate (default 25 ms; at least 4 round trips). */
  leaseTargetMs?: number;
}
