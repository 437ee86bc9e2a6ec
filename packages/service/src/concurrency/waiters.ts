// The queue of a primitive: FIFO, each waiter with its timeout and abort signal. A waiter that
// gives up is unlinked at once (a doubly linked list), so a long queue of abandoned waiters
// never builds up. Only the contended path comes here: it allocates the waiter and its promise.
import { ServiceError } from '../errors.ts';
import type { AcquireOptions, LockStats } from './types.ts';

export interface Waiter {
  /** What it waits for (primitive-specific: read or write for the rwLock). */
  kind: number;
  owner: string | undefined;
  enqueuedAt: number;
  /** Called with the permit granted. */
  resolve: (permit: number) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  prev: Waiter | undefined;
  next: Waiter | undefined;
}

export class WaitQueue {
  head: Waiter | undefined;
  tail: Waiter | undefined;
  length = 0;

  /**
   * Enqueues a waiter; the primitive shift()s it and calls its resolve with a permit when it is
   * its turn. The promise rejects on timeout or abort (the waiter leaves the queue then).
   */
  wait(
    name: string,
    kind: number,
    opts: AcquireOptions | undefined,
    defaultTimeoutMs: number | undefined,
    stats: LockStats,
    now: number,
  ): Promise<number> {
    const signal = opts?.signal;
    if (signal?.aborted) {
      stats.aborts++;
      return Promise.reject(aborted(name, signal));
    }
    return new Promise<number>((resolve, reject) => {
      const w: Waiter = {
        kind,
        owner: opts?.owner,
        enqueuedAt: now,
        resolve,
        reject,
        timer: undefined,
        signal,
        onAbort: undefined,
        prev: this.tail,
        next: undefined,
      };
      if (this.tail) this.tail.next = w;
      else this.head = w;
      this.tail = w;
      this.length++;
      const timeoutMs = opts?.timeoutMs ?? defaultTimeoutMs;
      if (timeoutMs !== undefined) {
        w.timer = setTimeout(() => {
          this.remove(w);
          stats.timeouts++;
          reject(
            new ServiceError('HOLDFAST_E_LOCK_TIMEOUT', `${name}: not acquired within ${timeoutMs} ms (${this.length} still waiting)`, {
              lock: name,
              timeoutMs,
            }),
          );
        }, timeoutMs);
      }
      if (signal) {
        w.onAbort = () => {
          this.remove(w);
          stats.aborts++;
          reject(aborted(name, signal));
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
    });
  }

  /** Takes the head out of the queue for granting (its timer and listener removed). */
  shift(): Waiter | undefined {
    const w = this.head;
    if (w) this.remove(w);
    return w;
  }

  remove(w: Waiter): void {
    if (w.prev) w.prev.next = w.next;
    else if (this.head === w) this.head = w.next;
    else return; // not queued any more
    if (w.next) w.next.prev = w.prev;
    else this.tail = w.prev;
    w.prev = w.next = undefined;
    this.length--;
    if (w.timer) clearTimeout(w.timer);
    if (w.onAbort) w.signal!.removeEventListener('abort', w.onAbort);
  }
}

function aborted(name: string, signal: AbortSignal): Error {
  return new ServiceError('HOLDFAST_E_LOCK_ABORTED', `${name}: the wait was aborted`, { lock: name }, { cause: signal.reason });
}
