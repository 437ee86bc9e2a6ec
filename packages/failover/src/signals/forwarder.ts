// The signal forwarder: an in-memory queue between the agent's events and the supervisor's
// `POST /v1/signals`, so a daemon that is restarting or briefly down loses nothing.
//   - Signals go in order, in batches; a batch leaves the queue only when the daemon accepted it.
//   - A failure (unreachable, timeout, 5xx, the incident loop off) puts the batch back at the
//     front and retries after a backoff that doubles from retry.initial to retry.max; the first
//     success resets it. Each signal carries an `id`, so a batch the daemon stored but whose answer
//     was lost is not counted twice when it is sent again.
//   - A 400 is the daemon refusing the batch as invalid: sending it again cannot help, so it is
//     dropped, counted as refused and logged with the daemon's reasons.
//   - The queue is bounded: past `maxQueue` waiting signals the oldest is dropped, counted, and
//     logged (once per outage, then every 100th), never the process's memory.
import type { Signal } from '@holdfast/supervisor/client';
import type { Clock, Timer } from '../clock.ts';

export interface ForwarderLog {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
  error(o: object, msg: string): void;
}

export interface ForwarderOptions {
  /** Delivers one batch; resolves when the daemon accepted it, throws otherwise. */
  send(batch: Signal[]): Promise<void>;
  clock: Clock;
  log: ForwarderLog;
  /** Where the signals go, for logs and status. */
  to: string;
  maxQueue: number;
  retry: { initialMs: number; maxMs: number };
  batchSize?: number;
}

export interface ForwarderStats {
  to: string;
  /** Waiting, in flight included. */
  queued: number;
  sent: number;
  /** Dropped from a full queue (oldest first). */
  dropped: number;
  /** Refused by the daemon as invalid (HTTP 400): not retried. */
  refused: number;
  /** Failed attempts (each retried). */
  failures: number;
  /** The last failure while failing, else null. */
  lastError: string | null;
}

/** An answer that says the batch itself is wrong: sending it again cannot succeed. */
function isRefusal(err: unknown): boolean {
  const status = (err as { details?: { status?: unknown } }).details?.status;
  return status === 400 || status === 413 || status === 422;
}

export class SignalForwarder {
  readonly #o: ForwarderOptions;
  readonly #batchSize: number;
  #queue: Signal[] = [];
  #inFlight: Signal[] = [];
  #timer: Timer | undefined;
  #sending = false;
  #closed = false;
  #attempt = 0;
  #failingSince: number | null = null;
  #droppedThisOutage = 0;
  #idle: (() => void)[] = [];
  readonly #stats = { sent: 0, dropped: 0, refused: 0, failures: 0, lastError: null as string | null };

  constructor(o: ForwarderOptions) {
    this.#o = o;
    this.#batchSize = Math.max(1, Math.min(o.batchSize ?? 100, o.maxQueue));
  }

  push(s: Signal): void {
    if (this.#closed) return;
    this.#queue.push(s);
    // The batch in flight cannot be recalled: it counts again if it comes back (a failed send).
    while (this.#queue.length > this.#o.maxQueue) this.#drop(this.#queue.shift()!);
    if (!this.#sending && !this.#timer) this.#send();
  }

  #drop(s: Signal): void {
    this.#stats.dropped++;
    this.#droppedThisOutage++;
    if (this.#droppedThisOutage === 1 || this.#droppedThisOutage % 100 === 0)
      this.#o.log.error(
        { to: this.#o.to, dropped: this.#stats.dropped, maxQueue: this.#o.maxQueue, kind: s.kind, id: s.id, summary: s.summary },
        `the signal queue is full (${this.#o.maxQueue}: the supervisor has not taken signals for a while): ` +
          'dropped the oldest signal (raise signals.queue to keep more through an outage)',
      );
  }

  #send(): void {
    this.#timer = undefined;
    if (this.#closed || this.#queue.length === 0) return this.#settle();
    this.#inFlight = this.#queue.splice(0, this.#batchSize);
    this.#sending = true;
    const batch = this.#inFlight;
    this.#o.send(batch).then(
      () => this.#done(batch, undefined),
      (err: unknown) => this.#done(batch, err),
    );
  }

  #done(batch: Signal[], err: unknown): void {
    this.#sending = false;
    this.#inFlight = [];
    if (err === undefined || isRefusal(err)) {
      if (err === undefined) this.#stats.sent += batch.length;
      else {
        this.#stats.refused += batch.length;
        this.#o.log.error(
          { to: this.#o.to, refused: batch.length, err: (err as Error).message },
          'the supervisor refused signals as invalid: dropped them (a holdfast version mismatch?)',
        );
      }
      if (this.#failingSince !== null)
        this.#o.log.info(
          { to: this.#o.to, afterMs: Math.round(this.#o.clock.now() - this.#failingSince), dropped: this.#droppedThisOutage },
          'the supervisor takes signals again: sending the queued ones',
        );
      this.#failingSince = null;
      this.#droppedThisOutage = 0;
      this.#attempt = 0;
      this.#stats.lastError = null;
      return this.#send();
    }
    // Back to the front, in order; a full queue then drops its oldest waiting signals.
    this.#queue = [...batch, ...this.#queue];
    while (this.#queue.length > this.#o.maxQueue) this.#drop(this.#queue.shift()!);
    this.#stats.failures++;
    this.#stats.lastError = (err as Error)?.message ?? String(err);
    if (this.#failingSince === null) {
      this.#failingSince = this.#o.clock.now();
      this.#o.log.warn(
        { to: this.#o.to, queued: this.#queue.length, err: this.#stats.lastError },
        'cannot send signals to the supervisor: they wait in the queue and are retried',
      );
    }
    if (this.#closed) return this.#settle();
    const { initialMs, maxMs } = this.#o.retry;
    const delay = Math.min(maxMs, initialMs * 2 ** Math.min(this.#attempt++, 30));
    this.#timer = this.#o.clock.setTimeout(() => this.#send(), delay);
  }

  #settle(): void {
    if (this.#sending || (this.#queue.length > 0 && !this.#closed)) return;
    for (const fn of this.#idle.splice(0)) fn();
  }

  /** Resolves true once every queued signal was delivered (or refused), false after `timeoutMs`. */
  drain(timeoutMs: number): Promise<boolean> {
    if (!this.#sending && this.#queue.length === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = this.#o.clock.setTimeout(() => {
        this.#idle = this.#idle.filter((f) => f !== done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        timer.cancel();
        resolve(this.#queue.length === 0);
      };
      this.#idle.push(done);
      // A retry waiting for its backoff goes now: whoever drains is about to stop.
      if (this.#timer) {
        this.#timer.cancel();
        this.#send();
      }
    });
  }

  /** Stops retrying; what is still queued is reported as lost (a log line) and dropped. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    const left = this.#queue.length + this.#inFlight.length;
    if (left > 0)
      this.#o.log.error(
        { to: this.#o.to, lost: left, err: this.#stats.lastError },
        'stopping with signals the supervisor never took: they are lost',
      );
    this.#settle();
  }

  stats(): ForwarderStats {
    return { to: this.#o.to, queued: this.#queue.length + this.#inFlight.length, ...this.#stats };
  }
}
