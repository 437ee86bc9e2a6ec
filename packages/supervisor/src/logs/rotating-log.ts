// A program's output file: size rotation (file → file.1 → … → file.<backups>), optional daily
// rotation at local midnight, optional gzip of rotated files. The child is never blocked: its
// pipe is always read, output waits in a bounded buffer while the disk catches up, and what
// does not fit is dropped, counted, and noted in the file when writing resumes.
import { close, fstatSync, mkdirSync, open, renameSync, rmSync, write, existsSync, createReadStream, createWriteStream } from 'node:fs';
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
  /** Wall clock for daily rotation (tests pass their own). */
  now?: () => Date;
}

const NL = 0x0a;

function nextMidnight(d: Date): number {
  const n = new Date(d);
  n.setHours(24, 0, 0, 0);
  return n.getTime();
}

const openAsync = (file: string) =>
  new Promise<number>((resolve, reject) => open(file, 'a', 0o640, (err, fd) => (err ? reject(err) : resolve(fd))));
const writeAsync = (fd: number, buf: Buffer) =>
  new Promise<number>((resolve, reject) => write(fd, buf, 0, buf.length, null, (err, n) => (err ? reject(err) : resolve(n))));
const closeAsync = (fd: number) => new Promise<void>((resolve) => close(fd, () => resolve()));

export class RotatingLog {
  readonly file: string;
  private readonly o: RotatingLogOptions;
  private readonly now: () => Date;
  private queue: Buffer[] = [];
  private queued = 0;
  private dropped = 0;
  private droppedSinceNote = 0;
  private fd: number | undefined;
  private size = 0;
  private writing = false;
  private closed = false;
  private rotateAt: number;
  private idle: (() => void)[] = [];
  private compressing: Promise<void> = Promise.resolve();
  private listeners = new Set<(chunk: Buffer) => void>();
  /** Last write error, reported in status; writing retries on the next chunk. */
  lastError: string | undefined;
  rotations = 0;

  constructor(o: RotatingLogOptions) {
    this.o = o;
    this.file = o.file;
    this.now = o.now ?? (() => new Date());
    this.rotateAt = o.daily ? nextMidnight(this.now()) : Infinity;
    mkdirSync(dirname(o.file), { recursive: true });
  }

  /** Bytes dropped because the buffer was full (the disk could not keep up). */
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

  write(chunk: Buffer): void {
    if (this.closed || chunk.length === 0) return;
    for (const fn of this.listeners) fn(chunk);
    if (this.queued + chunk.length > this.o.bufferBytes) {
      this.dropped += chunk.length;
      this.droppedSinceNote += chunk.length;
      return;
    }
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (!this.writing) void this.drain();
  }

  /** Resolves when everything buffered so far is on disk. */
  flush(): Promise<void> {
    if (!this.writing && this.queued === 0) return this.compressing;
    return new Promise<void>((resolve) => this.idle.push(resolve)).then(() => this.compressing);
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    this.listeners.clear();
    if (this.fd !== undefined) await closeAsync(this.fd);
    this.fd = undefined;
  }

  private async ensureOpen(): Promise<number> {
    if (this.fd === undefined) {
      this.fd = await openAsync(this.file);
      this.size = fstatSync(this.fd).size;
    }
    return this.fd;
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queued > 0) {
        const data = this.queue.length === 1 ? this.queue[0]! : Buffer.concat(this.queue, this.queued);
        this.queue = [];
        this.queued = 0;
        try {
          await this.writeOut(data);
          this.lastError = undefined;
          // Output was dropped while that batch was written: say so in the file, right where the gap is.
          if (this.droppedSinceNote > 0) {
            const note = Buffer.from(`\n[holdfast] dropped ${this.droppedSinceNote} bytes of output: the log file could not keep up\n`);
            this.droppedSinceNote = 0;
            this.queue.unshift(note);
            this.queued += note.length;
          }
        } catch (err) {
          // A full or broken disk: count the loss, keep reading the child.
          this.lastError = (err as Error).message;
          this.dropped += data.length;
          if (this.fd !== undefined) await closeAsync(this.fd);
          this.fd = undefined;
        }
      }
    } finally {
      this.writing = false;
      for (const r of this.idle.splice(0)) r();
    }
  }

  private async writeOut(data: Buffer): Promise<void> {
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
        while (off < part.length) off += await writeAsync(fd, off === 0 ? part : part.subarray(off));
        this.size += part.length;
        rest = rest.subarray(take);
      }
      if (rest.length > 0) await this.rotate();
    }
  }

  private rotatedName(i: number): string {
    return `${this.file}.${i}${this.o.gzip ? '.gz' : ''}`;
  }

  private async rotate(): Promise<void> {
    if (this.fd !== undefined) await closeAsync(this.fd);
    this.fd = undefined;
    this.size = 0;
    this.rotations++;
    if (this.o.backups === 0) {
      rmSync(this.file, { force: true });
      return;
    }
    // The previous compression renames file.1 → file.1.gz; shifting must wait for it.
    await this.compressing;
    rmSync(this.rotatedName(this.o.backups), { force: true });
    for (let i = this.o.backups - 1; i >= 1; i--) {
      if (existsSync(this.rotatedName(i))) renameSync(this.rotatedName(i), this.rotatedName(i + 1));
    }
    if (!existsSync(this.file)) return;
    if (!this.o.gzip) {
      renameSync(this.file, `${this.file}.1`);
      return;
    }
    const plain = `${this.file}.1.tmp`;
    renameSync(this.file, plain);
    // zlib loads on the first gzip rotation only: a daemon that never compresses never holds it.
    this.compressing = Promise.all([import('node:stream/promises'), import('node:zlib')])
      .then(([{ pipeline }, { createGzip }]) => pipeline(createReadStream(plain), createGzip(), createWriteStream(`${this.file}.1.gz`)))
      .then(() => rmSync(plain, { force: true }))
      .catch((err: Error) => {
        this.lastError = `gzip of ${plain}: ${err.message}`;
      });
  }
}
