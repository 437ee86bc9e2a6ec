// The distributed lock as the service runtime sees it. @holdfast/failover/lock implements this
// shape (etcdLockProvider); the service takes a provider as an option, so neither package
// imports the other (docs/architecture.md). Kept in step by a type test (test/lock-etcd.test.ts).

export interface DistributedLockOptions {
  /** Lease TTL in milliseconds (whole seconds for etcd), at least the coordinator's minimum. */
  ttlMs: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  owner?: string;
}

export interface DistributedLock {
  readonly name: string;
  /** The fencing token: strictly greater for each later holder of the same lock. */
  readonly token: number;
  /** Aborted as soon as the hold can no longer be trusted, before the lease can expire on the server. */
  readonly signal: AbortSignal;
  /** Throws (code HOLDFAST_E_LOCK_LOST) unless the hold is certain now. */
  assertHeld(): void;
  remainingMs(): number;
  release(): Promise<void>;
}

export interface LockProvider {
  acquire(name: string, options: DistributedLockOptions): Promise<DistributedLock>;
  close(): Promise<void>;
}
