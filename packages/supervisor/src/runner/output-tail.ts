// The last few KiB a process wrote (stdout and stderr together), for a failure report such as
// a reload whose new instance never became ready. One fixed buffer per instance, filled in a
// ring: the pipe's chunks are copied in and dropped at once. Keeping the chunks themselves (a
// Buffer and an ArrayBuffer per read, often a single short line each) held ~370 objects per
// chatty program for 4 KiB of text, and each one lived long enough to be promoted to the old
// generation, where it waited as garbage for a major GC that a small heap rarely runs.

const CONT = 0xc0;

export class OutputTail {
  readonly capacity: number;
  private buf: Buffer | undefined;
  /** Next write position in buf. */
  private pos = 0;
  private wrapped = false;

  constructor(capacity = 4096) {
    if (!Number.isInteger(capacity) || capacity <= 0)
      throw new RangeError(`OutputTail capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
  }

  /** Bytes held (at most `capacity`). */
  get length(): number {
    return this.wrapped ? this.capacity : this.pos;
  }

  push(chunk: Uint8Array): void {
    const cap = this.capacity;
    if (chunk.length === 0) return;
    // Allocated on the first output: a program that never prints costs nothing.
    const buf = (this.buf ??= Buffer.alloc(cap));
    if (chunk.length >= cap) {
      buf.set(chunk.subarray(chunk.length - cap));
      this.pos = 0;
      this.wrapped = true;
      return;
    }
    const first = Math.min(chunk.length, cap - this.pos);
    buf.set(first === chunk.length ? chunk : chunk.subarray(0, first), this.pos);
    if (first < chunk.length) {
      buf.set(chunk.subarray(first), 0);
      this.pos = chunk.length - first;
      this.wrapped = true;
    } else {
      this.pos += first;
      if (this.pos === cap) {
        this.pos = 0;
        this.wrapped = true;
      }
    }
  }

  /** Forgets everything (a new process starts). The buffer is kept for reuse. */
  clear(): void {
    this.pos = 0;
    this.wrapped = false;
  }

  /** What is held, oldest byte first. */
  bytes(): Buffer {
    if (!this.buf) return Buffer.alloc(0);
    if (!this.wrapped) return Buffer.from(this.buf.subarray(0, this.pos));
    return Buffer.concat([this.buf.subarray(this.pos), this.buf.subarray(0, this.pos)], this.capacity);
  }

  /** The text held, without a UTF-8 sequence cut in half at its start when older bytes were overwritten. */
  text(): string {
    const b = this.bytes();
    let start = 0;
    if (this.wrapped) while (start < b.length && start < 3 && (b[start]! & CONT) === 0x80) start++;
    return b.toString('utf8', start);
  }
}
