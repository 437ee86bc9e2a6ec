// The log destination: lines are encoded into a byte buffer as they arrive and written with one
// write(2) per batch, when the batch reaches maxBatchBytes or flushIntervalMs after its first
// line, whichever comes first. Measured on the bench (bench/http.bench.ts), sonic-boom's asynchronous mode cost
// several microseconds per request line (a thread-pool round trip per write plus its own
// bookkeeping per line); a batch written synchronously costs a fraction of a microsecond per
// line, and a write of a few KiB to a file or pipe returns at once. Synchronous is also what
// pino does by default, one write per line.
//
// Each line is encoded when it is written, while it is still in the CPU cache. Appending lines
// to one string and encoding the batch at the end looked cheaper, but the batch is then a rope
// of thousands of small pieces that outlive a young-generation GC; walking it cost about a
// microsecond per request line on the bench, more than building the line.
//
// A pipe whose reader is slow answers EAGAIN when it is non-blocking (Node makes fd 1 so once
// anything touches process.stdout): the rest of the batch is kept and retried on the timer, so
// the event loop never blocks on a slow log reader. Past maxPendingBytes lines are dropped and
// counted, and a line saying how many is written once the pipe drains: a log reader that stops
// reading must not take the service's memory with it.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
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
  #fd: number;
  /** The file written to, when the destination is a path (reopen() opens it again). */
  readonly #path: string | undefined;
  readonly #intervalMs: number;
  readonly #maxBatch: number;
  readonly #maxPending: number;
  /** The batch being filled: bytes [0, #len). Reused from batch to batch. */
  readonly #buf: Buffer;
  #len = 0;
  /** Bytes the fd did not take yet (EAGAIN), written before the batch. */
  #stuck: Buffer | undefined;
  #timer: NodeJS.Timeout | undefined;
  #dropped = 0;
  #lastError: Error | undefined;

  constructor(o: BatchedDestinationOptions) {
    if (typeof o.dest === 'number') {
      this.#fd = o.dest;
      this.#path = undefined;
    } else {
      mkdirSync(dirname(o.dest), { recursive: true });
      this.#fd = openSync(o.dest, 'a');
      this.#path = o.dest;
    }
    this.#intervalMs = o.flushIntervalMs ?? 10;
    this.#maxBatch = o.maxBatchBytes ?? 64 * 1024;
    this.#maxPending = o.maxPendingBytes ?? 16 * 1024 * 1024;
    // A full batch plus one line of up to 16 K characters in the worst utf8 case (3 bytes each);
    // a longer line is encoded on its own. One off-heap allocation for the destination's life: a
    // fresh buffer per batch, at a hundred batches a second, cost more than the writes.
    this.#buf = Buffer.allocUnsafeSlow(this.#maxBatch + 48 * 1024);
    // Weak, so a service that is gone is not kept alive by its log; dead entries are pruned here.
    if (live.size >= 64) for (const ref of live) if (ref.deref() === undefined) live.delete(ref);
    live.add(new WeakRef(this));
    installExitHook();
  }

  /** pino's stream interface. Never throws: a log that cannot be written must not fail a request. */
  write(line: string): boolean {
    const room = this.#buf.length - this.#len;
    if (line.length * 3 > room && Buffer.byteLength(line, 'utf8') > room) return this.#writeLarge(line);
    if (this.#stuck !== undefined && this.#stuck.length + this.#len + line.length > this.#maxPending) {
      this.#dropped++;
      return false;
    }
    this.#len += this.#buf.write(line, this.#len, 'utf8');
    if (this.#len >= this.#maxBatch) this.#writeOut();
    else this.#schedule();
    return true;
  }

  /** A line that does not fit the batch's free room: the batch goes first, then the line. */
  #writeLarge(line: string): boolean {
    const bytes = Buffer.from(line, 'utf8');
    this.#writeOut();
    if (bytes.length <= this.#buf.length - this.#len) {
      this.#len += bytes.copy(this.#buf, this.#len);
      this.#schedule();
      return true;
    }
    // Still no room (the fd is stuck and holds the batch): the line joins the stuck bytes.
    const stuck = this.#stuck?.length ?? 0;
    if (stuck + this.#len + bytes.length > this.#maxPending) {
      this.#dropped++;
      return false;
    }
    this.#stuck = Buffer.concat([this.#stuck ?? Buffer.alloc(0), this.#buf.subarray(0, this.#len), bytes]);
    this.#len = 0;
    this.#schedule();
    return true;
  }

  /** Bytes accepted but not yet written. */
  get pendingBytes(): number {
    return this.#len + (this.#stuck?.length ?? 0);
  }

  /** The last write error other than EAGAIN (EPIPE, EBADF, ENOSPC ...), for diagnostics. */
  get lastError(): Error | undefined {
    return this.#lastError;
  }

  get fd(): number {
    return this.#fd;
  }

  /**
   * Writes out what is buffered, then opens the file again by its path (after logrotate moved
   * it away, lines go to the new file). False for an fd destination (stdout, stderr, a pipe).
   * If the path cannot be opened, the old file stays in use and the error is thrown.
   */
  reopen(): boolean {
    if (this.#path === undefined) return false;
    this.flushSync();
    mkdirSync(dirname(this.#path), { recursive: true });
    const fd = openSync(this.#path, 'a');
    const old = this.#fd;
    this.#fd = fd;
    closeSync(old);
    return true;
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

  #writeOut(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#dropped > 0 && this.#stuck === undefined) {
      const note =
        `{"level":40,"time":${Date.now()},"msg":"${this.#dropped} log lines were dropped while the log ` + `reader did not keep up"}\n`;
      this.#dropped = 0;
      if (this.#len + note.length <= this.#buf.length) this.#len += this.#buf.write(note, this.#len, 'latin1');
    }
    // The stuck bytes first: they are older than the batch.
    if (this.#stuck !== undefined) {
      const stuck = this.#stuck;
      const off = this.#writeFrom(stuck, stuck.length);
      if (off < stuck.length) {
        this.#stuck = stuck.subarray(off);
        // The batch waits behind them; once it is full it joins them, so it can take new lines.
        if (this.#len >= this.#maxBatch) {
          this.#stuck = Buffer.concat([this.#stuck, this.#buf.subarray(0, this.#len)]);
          this.#len = 0;
        }
        this.#schedule();
        return;
      }
      this.#stuck = undefined;
    }
    if (this.#len === 0) return;
    const len = this.#len;
    this.#len = 0;
    const off = this.#writeFrom(this.#buf, len);
    // A copy of the tail: the batch buffer takes the next lines.
    if (off < len) {
      this.#stuck = Buffer.from(this.#buf.subarray(off, len));
      this.#schedule();
    }
  }

  /** Writes buf[0, len) until done or EAGAIN; returns how far it got. Other errors drop the rest. */
  #writeFrom(buf: Buffer, len: number): number {
    let off = 0;
    while (off < len) {
      try {
        off += writeSync(this.#fd, buf, off, len - off);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return off;
        // The fd is gone or full (EPIPE, EBADF, ENOSPC): these bytes cannot be written.
        this.#lastError = err as Error;
        return len;
      }
    }
    return off;
  }
}
