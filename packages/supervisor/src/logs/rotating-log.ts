// A program's output file: size rotation (file → file.1 → … → file.<backups>), optional daily
// rotation at local midnight, optional gzip of rotated files. The child is never blocked: its
// pipe is always read, output waits in a bounded buffer while the disk catches up, and what
// does not fit is dropped, counted, and noted in the file when writing resumes. A write that
// fails (a full disk) keeps its data in the buffer and is tried again after a pause; the note
// then says how many bytes were lost, between which times, and why. A gzip that fails keeps
// the rotated file uncompressed. Rotated files keep the live file's mode.
import {
  chmodSync,
  close,
  fstatSync,
  mkdirSync,
  open,
  renameSync,
  rmSync,
  statSync,
  write,
  existsSync,
  createReadStream,
  createWriteStream,
} from 'node:fs';
import { dirname } from 'node:path';

export interface RotatingLogOptions {
  file: string;
  /** Rotate before the file would pass this size; 0 = never by size. */
  maxBytes: number;
  /** Rotated files kept; 0 = truncate instead of keeping any. */
  backups: number;
  daily: boolean;
  gzip: boolean;
  /** Most bytes held in memory while writes are in flight. */
  bufferBytes: number;
  /** Wall clock for daily rotation and the gap note (tests pass their own). */
  now?: () => Date;
  /** Pause after a failed write before trying again (default 1 s); output meanwhile waits in the buffer. */
  retryMs?: number;
}

const NL = 0x0a;

function nextMidnight(d: Date): number {
  const n = new Date(d);
  n.setHours(24, 0, 0, 0);
  return n.getTime();
}

/** Mode of a new live file, before the umask; a file that exists keeps its own. */
const DEFAULT_MODE = 0o640;

const openAsync = (file: string, mode: number) =>
  new Promise<number>((resolve, reject) => open(file, 'a', mode, (err, fd) => (err ? reject(err) : resolve(fd))));
const writeAsync = (fd: number, buf: Buffer) =>
  new Promise<number>((resolve, reject) => write(fd, buf, 0, buf.length, null, (err, n) => (err ? reject(err) : resolve(n))));
const closeAsync = (fd: number) => new Promise<void>((resolve) => close(fd, () => resolve()));

/** Why writes failed, in words a person reads in the log file. */
function describeWriteError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOSPC') return 'no space left on the device (ENOSPC)';
  if (e.code === 'EDQUOT') return 'the disk quota is used up (EDQUOT)';
  if (e.code === 'EMFILE' || e.code === 'ENFILE') return `no file descriptors left (${e.code})`;
  return e.code ? `${e.message} (${e.code})` : String(e.message ?? e);
}

/**
 * Rewrites output on its way to the file (the template id put into JSON lines). It may hold back
 * the start of a line until the line is whole; end() gives back what it holds.
 */
export interface LogTransform {
  write(chunk: Buffer): Buffer;
  end(): Buffer;
}

/** Output that could not be written, from the first loss to the last, and why. */
interface Gap {
  bytes: number;
  from: Date;
  to: Date;
  reason: string;
}

export class RotatingLog {
  readonly file: string;
  private readonly o: RotatingLogOptions;
  private readonly now: () => Date;
  private queue: Buffer[] = [];
  private queued = 0;
  private dropped = 0;
  private gap: Gap | undefined;
  private fd: number | undefined;
  /** Mode of the live file (its own once it exists): new live files and rotated files get it too. */
  private mode = DEFAULT_MODE;
  private size = 0;
  /** Whether the last byte written ended a line: the gap note starts on a line of its own. */
  private atLineStart = true;
  private writing = false;
  private closed = false;
  private rotateAt: number;
  private idle: (() => void)[] = [];
  private compressing: Promise<void> = Promise.resolve();
  private listeners = new Set<(chunk: Buffer) => void>();
  private transform: LogTransform | undefined;
  /** Set while writes failed and wait for a retry; output meanwhile waits in the buffer. */
  private retryTimer: NodeJS.Timeout | undefined;
  /** Last write error, reported in status; cleared by the next write that succeeds. */
  lastError: string | undefined;
  /** Why the last gzip of a rotated file failed (it was kept uncompressed); cleared by the next one that succeeds. */
  compressionError: string | undefined;
  rotations = 0;

  constructor(o: RotatingLogOptions) {
    this.o = o;
    this.file = o.file;
    this.now = o.now ?? (() => new Date());
    this.rotateAt = o.daily ? nextMidnight(this.now()) : Infinity;
    mkdirSync(dirname(o.file), { recursive: true });
  }

  /** Bytes lost: the buffer was full (the disk could not keep up, or writes failed). */
  get droppedBytes(): number {
    return this.dropped;
  }

  get bufferedBytes(): number {
    return this.queued;
  }

  /** Live copy of everything written from now on (for `holdfast logs -f`). */
  subscribe(fn: (chunk: Buffer) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Sets (or with undefined removes) the rewriting of output; what the old one held is written first. */
  setTransform(t: LogTransform | undefined): void {
    const old = this.transform;
    this.transform = t;
    if (old) this.writeThrough(old.end());
  }

  get transformed(): boolean {
    return this.transform !== undefined;
  }

  write(chunk: Buffer): void {
    if (this.closed || chunk.length === 0) return;
    this.writeThrough(this.transform ? this.transform.write(chunk) : chunk);
  }

  /** Writes output as it is, past the transform (what the transform releases itself). */
  writeThrough(chunk: Buffer): void {
    if (this.closed || chunk.length === 0) return;
    for (const fn of this.listeners) fn(chunk);
    if (this.queued + chunk.length > this.o.bufferBytes) {
      this.lose(chunk.length, this.lastError ?? 'the log file could not keep up');
      return;
    }
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (!this.writing && this.retryTimer === undefined) void this.drain();
  }

  /** Resolves when everything buffered so far was written, or was tried and is waiting for the disk. */
  flush(): Promise<void> {
    if (!this.writing && (this.queued === 0 || this.retryTimer !== undefined)) return this.compressing;
    return new Promise<void>((resolve) => this.idle.push(resolve)).then(() => this.compressing);
  }

  async close(): Promise<void> {
    // A line the transform held back is written as it is (its program has ended, or the file closes).
    this.setTransform(undefined);
    // One last try for what waits; a disk still full loses it (counted).
    if (this.retryTimer !== undefined) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      if (this.queued > 0) void this.drain();
    }
    await this.flush();
    this.closed = true;
    this.listeners.clear();
    if (this.queued > 0) {
      this.dropped += this.queued;
      this.queue = [];
      this.queued = 0;
    }
    if (this.fd !== undefined) await closeAsync(this.fd);
    this.fd = undefined;
  }

  private lose(bytes: number, reason: string): void {
    this.dropped += bytes;
    const at = this.now();
    if (this.gap) {
      this.gap.bytes += bytes;
      this.gap.to = at;
      this.gap.reason = reason;
    } else {
      this.gap = { bytes, from: at, to: at, reason };
    }
  }

  private async ensureOpen(): Promise<number> {
    if (this.fd === undefined) {
      this.fd = await openAsync(this.file, this.mode);
      const st = fstatSync(this.fd);
      this.size = st.size;
      this.mode = st.mode & 0o7777;
    }
    return this.fd;
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queued > 0 && !this.closed) {
        const data = this.queue.length === 1 ? this.queue[0]! : Buffer.concat(this.queue, this.queued);
        this.queue = [];
        this.queued = 0;
        const progress = { written: 0 };
        try {
          await this.writeOut(data, progress);
          this.lastError = undefined;
          // Output was lost before or while that batch was written: say so in the file, right where the gap is.
          if (this.gap) {
            const g = this.gap;
            this.gap = undefined;
            const note = Buffer.from(
              `${this.atLineStart ? '' : '\n'}[holdfast] ${g.bytes} bytes of output dropped ` +
                `between ${g.from.toISOString()} and ${g.to.toISOString()}: ${g.reason}\n`,
            );
            this.queue.unshift(note);
            this.queued += note.length;
          }
        } catch (err) {
          // A full or broken disk: keep what was not written (it goes first when writing resumes),
          // keep reading the child, try again after a pause.
          this.lastError = describeWriteError(err);
          const rest = data.subarray(progress.written);
          this.queue.unshift(rest);
          this.queued += rest.length;
          // What arrived meanwhile and no longer fits beside it is lost (counted, noted later).
          while (this.queued > this.o.bufferBytes && this.queue.length > 1) {
            const last = this.queue.pop()!;
            this.queued -= last.length;
            this.lose(last.length, this.lastError);
          }
          if (this.fd !== undefined) await closeAsync(this.fd);
          this.fd = undefined;
          this.scheduleRetry();
          break;
        }
      }
    } finally {
      this.writing = false;
      for (const r of this.idle.splice(0)) r();
    }
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.queued > 0 && !this.writing) void this.drain();
    }, this.o.retryMs ?? 1000);
    this.retryTimer.unref();
  }

  private async writeOut(data: Buffer, progress: { written: number }): Promise<void> {
    let rest = data;
    while (rest.length > 0) {
      // No clock read (a Date per write) unless rotation is daily.
      if (this.o.daily && this.now().getTime() >= this.rotateAt) {
        await this.rotate();
        this.rotateAt = nextMidnight(this.now());
      }
      const fd = await this.ensureOpen();
      const room = this.o.maxBytes > 0 ? this.o.maxBytes - this.size : Infinity;
      let take = rest.length;
      if (rest.length > room) {
        // Cut at the last newline that fits, so no line is split across two files.
        const cut = room > 0 ? rest.lastIndexOf(NL, room - 1) : -1;
        take = cut >= 0 ? cut + 1 : this.size === 0 ? Math.max(1, room) : 0;
      }
      if (take > 0) {
        const part = take === rest.length ? rest : rest.subarray(0, take);
        let off = 0;
        while (off < part.length) {
          const n = await writeAsync(fd, off === 0 ? part : part.subarray(off));
          off += n;
          this.size += n;
          progress.written += n;
        }
        this.atLineStart = part[part.length - 1] === NL;
        rest = rest.subarray(take);
      }
      if (rest.length > 0) await this.rotate();
    }
  }

  private rotatedName(i: number, gz = this.o.gzip): string {
    return `${this.file}.${i}${gz ? '.gz' : ''}`;
  }

  /** Moves file.i (plain or .gz: a failed gzip leaves a plain one among compressed) to file.(i+1). */
  private shift(): void {
    for (const gz of [false, true]) rmSync(this.rotatedName(this.o.backups, gz), { force: true });
    for (let i = this.o.backups - 1; i >= 1; i--) {
      for (const gz of [false, true])
        if (existsSync(this.rotatedName(i, gz))) renameSync(this.rotatedName(i, gz), this.rotatedName(i + 1, gz));
    }
  }

  private async rotate(): Promise<void> {
    // The live file's mode as it is now (its owner may have changed it since it was opened).
    try {
      this.mode = (this.fd !== undefined ? fstatSync(this.fd) : statSync(this.file)).mode & 0o7777;
    } catch {}
    if (this.fd !== undefined) await closeAsync(this.fd);
    this.fd = undefined;
    this.size = 0;
    this.rotations++;
    if (this.o.backups === 0) {
      rmSync(this.file, { force: true });
      return;
    }
    // The previous compression renames file.1.tmp → file.1.gz; shifting must wait for it.
    await this.compressing;
    this.shift();
    if (!existsSync(this.file)) return;
    if (!this.o.gzip) {
      renameSync(this.file, `${this.file}.1`);
      return;
    }
    const plain = `${this.file}.1.tmp`;
    const gz = `${this.file}.1.gz`;
    renameSync(this.file, plain);
    let mode = this.mode;
    try {
      mode = statSync(plain).mode & 0o7777;
    } catch {}
    // zlib loads on the first gzip rotation only: a daemon that never compresses never holds it.
    this.compressing = Promise.all([import('node:stream/promises'), import('node:zlib')])
      .then(([{ pipeline }, { createGzip }]) => pipeline(createReadStream(plain), createGzip(), createWriteStream(gz, { mode })))
      .then(() => {
        // The umask may have narrowed the mode given at creation: set it exactly.
        chmodSync(gz, mode);
        rmSync(plain, { force: true });
        this.compressionError = undefined;
      })
      .catch((err: Error) => {
        // A full disk (or anything else) stopped the gzip: the rotation stays, uncompressed.
        rmSync(gz, { force: true });
        try {
          renameSync(plain, `${this.file}.1`);
          this.compressionError = `gzip of ${this.file}.1 failed (${describeWriteError(err)}); kept it uncompressed`;
        } catch (e) {
          this.compressionError =
            `gzip ` + `of ${plain} failed ` + `(${describeWriteError(err)}), and it could not be ` + `renamed: ${describeWriteError(e)}`;
        }
      });
  }
}
