// The distributed lock's contract. @holdfast/service declares the same shape (structurally):
// the service takes a provider as an option, so neither package imports the other.

export interface DistributedLockOptions {
  /** Lease TTL in whole seconds of milliseconds (etcd leases are in seconds), at least etcd's minimum. */
  ttlMs: number;
  /** Give up waiting for the lock after this long (default: wait until the signal aborts). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Stored in the lock's key: who holds it, for operators (etcdctl get --prefix). */
  owner?: string;
}

export interface DistributedLock {
  readonly name: string;
  /** The fencing token: the create revision of this holder's key. Strictly greater for each later holder of the same name. */
  readonly token: number;
  /**
   * Aborted (reason: an Error with code HOLDFAST_E_LOCK_LOST) as soon as the hold can no longer be
   * trusted, before the lease can expire on the server.
   */
  readonly signal: AbortSignal;
  /** Throws HOLDFAST_E_LOCK_LOST unless the hold is still certain now (checks the local deadline, not just the signal). */
  assertHeld(): void;
  /** Milliseconds of hold left by the local deadline (0 when lost). */
  remainingMs(): number;
  /** Deletes the key and revokes the lease; the next waiter gets the lock at once. */
  release(): Promise<void>;
}

export interface LockProvider {
  acquire(name: string, options: DistributedLockOptions): Promise<DistributedLock>;
  close(): Promise<void>;
}
