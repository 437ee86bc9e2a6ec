// The log destination: lines are appended to a string and written with one write(2) per batch,
// when the batch reaches maxBatchBytes or flushIntervalMs after its first line, whichever comes
// first. Measured on the bench (bench/http.bench.ts), sonic-boom's asynchronous mode cost
// several microseconds per request line (a thread-pool round trip per write plus its own
// bookkeeping per line); a batch written synchronously costs a fraction of a microsecond per
// line, and a write of a few KiB to a file or pipe returns at once. Synchronous is also what
// pino does by default, one write per line.
//
// A pipe whose reader is slow answers EAGAIN when it is non-blocking (Node makes fd 1 so once
// anything touches process.stdout): the rest of the batch is kept and retried on the timer, so
// the event loop never blocks on a slow log reader. Past maxPendingBytes lines are dropped and
// counted, and a line saying how many is written once the pipe drains: a log reader that stops
// reading must not take the service's memory with it.
import { mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface BatchedDestinationOptions {
  /** A file path (opened for append, its directory created) or an open fd (1 for stdout). */
  dest: string | number;
  flushIntervalMs?: number;
  maxBatchBytes?: number;
  maxPendingBytes?: number;
}

const live = new Set<WeakRef<BatchedDestination>>();
let exitHookInstalled = false;

// Lines still batched when the process exits (process.exit, the loop running dry) are written in
// the 'exit' handler, where synchronous writes are allowed. One listener for every destination.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const ref of live) ref.deref()?.flushSync();
  });
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

export class BatchedDestination {
  readonly fd: number;
  readonly #intervalMs: number;
  readonly #maxBatch: number;
  readonly #maxPending: number;
  #pending = '';
  /** The unwritten tail of a batch the fd took only part of (EAGAIN). */
  #stuck: Buffer | undefined;
  #timer: NodeJS.Timeout | undefined;
  #dropped = 0;
  #lastError: Error | undefined;
  /** Reused for every batch that fits (see #encode). */
  readonly #scratch: Buffer;

  constructor(o: BatchedDestinationOptions) {
    if (typeof o.dest === 'number') this.fd = o.dest;
    else {
      mkdirSync(dirname(o.dest), { recursive: true });
      this.fd = openSync(o.dest, 'a');
    }
    this.#intervalMs = o.flushIntervalMs ?? 10;
    this.#maxBatch = o.maxBatchBytes ?? 64 * 1024;
    this.#maxPending = o.maxPendingBytes ?? 16 * 1024 * 1024;
    // Room for a full batch plus a line in the worst utf8 case, so a batch is never scanned
    // for its byte length first; a batch with a longer line takes Buffer.from.
    this.#scratch = Buffer.allocUnsafeSlow(this.#maxBatch * 3 + 16 * 1024);
    // Weak, so a service that is gone is not kept alive by its log; dead entries are pruned here.
    if (live.size >= 64) for (const ref of live) if (ref.deref() === undefined) live.delete(ref);
    live.add(new WeakRef(this));
    installExitHook();
  }

  /** pino's stream interface. Never throws: a log that cannot be written must not fail a request. */
  write(line: string): boolean {
    if (this.#stuck !== undefined && this.#pending.length + this.#stuck.length > this.#maxPending) {
      this.#dropped++;
      return false;
    }
    this.#pending += line;
    if (this.#pending.length >= this.#maxBatch && this.#stuck === undefined) this.#writeOut();
    else this.#schedule();
    return true;
  }

  /** Bytes accepted but not yet written. */
  get pendingBytes(): number {
    return this.#pending.length + (this.#stuck?.length ?? 0);
  }

  /** The last write error other than EAGAIN (EPIPE, EBADF, ENOSPC ...), for diagnostics. */
  get lastError(): Error | undefined {
    return this.#lastError;
  }

  /** pino's flush: writes what it can now; calls back once everything is written or cannot be. */
  flush(cb?: (err?: Error) => void): void {
    this.#writeOut();
    if (cb === undefined) return;
    if (this.#stuck === undefined) {
      cb();
      return;
    }
    // The reader is slow: retry every 5 ms, for at most 5 s (a reader that never reads again
    // must not leave a timer running forever).
    let tries = 0;
    const poll = setInterval(() => {
      this.#writeOut();
      if (this.#stuck === undefined || ++tries >= 1000) {
        clearInterval(poll);
        cb(this.#stuck === undefined ? undefined : new Error('the log reader did not take the buffered lines within 5 s'));
      }
    }, 5);
  }

  /**
   * Writes everything now, for the exit paths: on EAGAIN it waits (up to about a second in
   * total) for the reader instead of giving up the last lines, which say why the process ended.
   */
  flushSync(): void {
    for (let waited = 0; ; waited++) {
      this.#writeOut();
      if (this.#stuck === undefined || waited >= 1000) return;
      Atomics.wait(sleepCell, 0, 0, 1);
    }
  }

  // Unref'd: a batch never keeps the process alive; the exit hook writes what is left.
  #schedule(): void {
    this.#timer ??= setTimeout(this.#onTimer, this.#intervalMs).unref();
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#writeOut();
  };

  /**
   * The batch as bytes, in a buffer reused from batch to batch. A fresh 64 KiB Buffer per batch
   * is an off-heap allocation V8 only frees at the next GC; at a hundred batches a second that
   * churn (malloc, page faults, external-memory GC pressure) cost more than the writes.
   */
  #encode(s: string): Buffer {
    // utf8 needs at most 3 bytes per UTF-16 code unit; most lines are ASCII, so check cheaply first.
    if (s.length * 3 > this.#scratch.length && Buffer.byteLength(s, 'utf8') > this.#scratch.length) return Buffer.from(s, 'utf8');
    const n = this.#scratch.write(s, 0, 'utf8');
    return this.#scratch.subarray(0, n);
  }

  #writeOut(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#dropped > 0 && this.#stuck === undefined) {
      this.#pending += `{"level":40,"time":${Date.now()},"msg":"${this.#dropped} log lines were dropped while the log reader did not keep up"}\n`;
      this.#dropped = 0;
    }
    if (this.#stuck === undefined && this.#pending === '') return;
    let buf: Buffer;
    if (this.#stuck === undefined) buf = this.#encode(this.#pending);
    else buf = this.#pending === '' ? this.#stuck : Buffer.concat([this.#stuck, Buffer.from(this.#pending, 'utf8')]);
    this.#pending = '';
    this.#stuck = undefined;
    let off = 0;
    while (off < buf.length) {
      try {
        off += writeSync(this.fd, buf, off, buf.length - off);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
          // A copy: buf may be the scratch buffer, which the next batch overwrites.
          this.#stuck = Buffer.from(buf.subarray(off));
          this.#schedule();
        } else {
          // The fd is gone or full (EPIPE, EBADF, ENOSPC): this batch cannot be written.
          this.#lastError = err as Error;
        }
        return;
      }
    }
  }
}
