// What every concurrency primitive takes and reports. Zero dependencies beyond the error
// dialect, so `@holdfast/service/concurrency` loads without Fastify.

/** Per-acquisition options; pass none on the hot path (nothing is allocated then). */
export interface AcquireOptions {
  /** Give up when this signal aborts (rejects with HOLDFAST_E_LOCK_ABORTED, cause = the signal's reason). */
  signal?: AbortSignal;
  /** Give up after this long in the queue (rejects with HOLDFAST_E_LOCK_TIMEOUT). Default: the primitive's timeoutMs. */
  timeoutMs?: number;
  /** Who takes it: named in the log line when it is held past holdWarnMs. */
  owner?: string;
}

/** Receives the time each acquisition waited and each hold lasted (e.g. into Prometheus histograms). */
export interface LockObserver {
  waited(lock: string, ms: number): void;
  held(lock: string, ms: number): void;
}

export interface LockLogger {
  warn(obj: object, msg: string): void;
}

export interface PrimitiveOptions {
  /** In errors, log lines and metrics. */
  name?: string;
  /** Default queue timeout of acquire() (default: none). */
  timeoutMs?: number;
  /** A hold longer than this is logged with its owner and how long it has been held (default: off). */
  holdWarnMs?: number;
  logger?: LockLogger;
  observer?: LockObserver;
  /** The clock (ms, monotonic); default performance.now. */
  now?: () => number;
}

/** Counters every primitive keeps; cheap to read at any time. */
export interface LockStats {
  acquired: number;
  /** Acquisitions that had to wait in the queue. */
  contended: number;
  timeouts: number;
  aborts: number;
  waitedMsTotal: number;
  heldMsTotal: number;
  maxWaitedMs: number;
  maxHeldMs: number;
}

export const newStats = (): LockStats => ({
  acquired: 0,
  contended: 0,
  timeouts: 0,
  aborts: 0,
  waitedMsTotal: 0,
  heldMsTotal: 0,
  maxWaitedMs: 0,
  maxHeldMs: 0,
});
