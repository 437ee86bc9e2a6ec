// Bytes to lines, for output nobody promised to keep tidy: lines longer than maxLineBytes are cut
// (the rest up to the newline is dropped and counted), invalid UTF-8 is replaced and counted,
// binary lines (NUL or mostly control characters) are counted and not passed on.
import { isUtf8 } from 'node:buffer';

export interface SplitterStats {
  lines: number;
  bytes: number;
  /** Lines cut at maxLineBytes. */
  truncated: number;
  /** Lines that held invalid UTF-8 (decoded with U+FFFD). */
  invalidUtf8: number;
  /** Lines skipped as binary. */
  binary: number;
}

const lenient = new TextDecoder('utf-8');
// Control characters other than tab, newline, carriage return and ESC: a hint to look closer.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f]/;

export class LineSplitter {
  readonly maxLineBytes: number;
  readonly stats: SplitterStats = { lines: 0, bytes: 0, truncated: 0, invalidUtf8: 0, binary: 0 };
  readonly #keepBinary: boolean;
  #parts: Buffer[] = [];
  #partBytes = 0;
  #cut = false;

  /** With keepBinary, binary lines are counted and passed on (decoded leniently) so lines stay 1:1 with the input. */
  constructor(maxLineBytes = 64 * 1024, options: { keepBinary?: boolean } = {}) {
    this.maxLineBytes = maxLineBytes;
    this.#keepBinary = options.keepBinary ?? false;
  }

  /** Feeds a chunk; calls onLine for each complete line (without its newline). */
  push(chunk: Buffer, onLine: (line: string) => void): void {
    this.stats.bytes += chunk.length;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      const end = nl < 0 ? chunk.length : nl;
      if (nl >= 0 && this.#partBytes === 0 && !this.#cut && end - start <= this.maxLineBytes) {
        // The common case: the whole line is in this chunk; read it where it lies.
        this.stats.lines++;
        this.#deliver(chunk.subarray(start, end), onLine);
        start = nl + 1;
        continue;
      }
      this.#take(chunk.subarray(start, end));
      if (nl < 0) return;
      this.#emit(onLine);
      start = nl + 1;
    }
  }

  /** Ends input: the last line without a newline, if any. */
  end(onLine: (line: string) => void): void {
    if (this.#partBytes > 0 || this.#cut) this.#emit(onLine);
  }

  #take(piece: Buffer): void {
    if (piece.length === 0) return;
    const room = this.maxLineBytes - this.#partBytes;
    if (piece.length > room) {
      if (room > 0) this.#parts.push(Buffer.from(piece.subarray(0, room)));
      this.#partBytes += Math.max(room, 0);
      this.#cut = true;
      return;
    }
    // Copy: the caller may reuse its chunk buffer.
    this.#parts.push(Buffer.from(piece));
    this.#partBytes += piece.length;
  }

  #emit(onLine: (line: string) => void): void {
    let buf = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#partBytes);
    const cut = this.#cut;
    this.#parts = [];
    this.#partBytes = 0;
    this.#cut = false;
    this.stats.lines++;
    if (cut) {
      this.stats.truncated++;
      // Do not leave half a UTF-8 sequence at the cut.
      let k = 0;
      while (k < 3 && buf.length - k - 1 >= 0 && (buf[buf.length - k - 1]! & 0xc0) === 0x80) k++;
      const lead = buf.length - k - 1;
      if (lead >= 0 && buf[lead]! >= 0xc0) {
        const need = buf[lead]! >= 0xf0 ? 4 : buf[lead]! >= 0xe0 ? 3 : 2;
        if (k + 1 < need) buf = buf.subarray(0, lead);
      }
    }
    this.#deliver(buf, onLine);
  }

  #deliver(line: Buffer, onLine: (line: string) => void): void {
    let buf = line;
    if (buf.length && buf[buf.length - 1] === 13) buf = buf.subarray(0, buf.length - 1);
    const valid = isUtf8(buf);
    const text = valid ? buf.toString('utf8') : lenient.decode(buf);
    // Control characters are rare in text: the regex runs natively; only a hit is looked at closer.
    if (CONTROL.test(text) && (text.includes('\u0000') || isBinary(buf))) {
      this.stats.binary++;
      if (this.#keepBinary) onLine(text);
      return;
    }
    if (!valid) this.stats.invalidUtf8++;
    onLine(text);
  }
}

/** More than 10 % control characters other than tab and ESC. */
function isBinary(b: Buffer): boolean {
  let control = 0;
  const n = Math.min(b.length, 4096);
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c < 32 && c !== 9 && c !== 27) control++;
  }
  return control * 10 > n && n > 0;
}
