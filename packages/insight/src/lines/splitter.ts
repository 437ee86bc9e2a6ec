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
  /** Bytes handed to skip() (shed by the caller, never split into lines), and the rest of the line they cut. */
  skippedBytes: number;
  /**
   * About how many lines those bytes held: estimated from the mean length of the lines read
   * (counting them exactly would cost a search per line, which is what shedding must not cost).
   */
  skippedLines: number;
}

/** Fresh, zeroed counters (several splitters may share one set). */
export function splitterStats(): SplitterStats {
  return { lines: 0, bytes: 0, truncated: 0, invalidUtf8: 0, binary: 0, skippedBytes: 0, skippedLines: 0 };
}

/** Lines in `bytes` of skipped output, at the mean line length seen so far (80 bytes before any). */
function estimateLines(s: SplitterStats, bytes: number): number {
  const read = s.bytes - s.skippedBytes;
  return s.lines > 0 && read > 0 ? (bytes * s.lines) / read : bytes / 80;
}

const lenient = new TextDecoder('utf-8');
// Control characters other than tab, newline, carriage return and ESC: a hint to look closer.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f]/;

export class LineSplitter {
  readonly maxLineBytes: number;
  readonly stats: SplitterStats;
  readonly #keepBinary: boolean;
  #parts: Buffer[] = [];
  #partBytes = 0;
  #cut = false;
  /** After skip(): the rest of the line skipping stopped in is not a line of its own. */
  #resync = false;

  /**
   * With keepBinary, binary lines are counted and passed on (decoded leniently) so lines stay 1:1
   * with the input. With stats, the counters go there (several splitters may share one set).
   */
  constructor(maxLineBytes = 64 * 1024, options: { keepBinary?: boolean; stats?: SplitterStats } = {}) {
    this.maxLineBytes = maxLineBytes;
    this.#keepBinary = options.keepBinary ?? false;
    this.stats = options.stats ?? splitterStats();
  }

  /**
   * Passes over a chunk without reading it (load shedding): its bytes and newlines are counted,
   * the line in progress is dropped, and splitting starts again after the next newline (at once
   * when the chunk ends with one).
   */
  skip(chunk: Buffer): void {
    this.stats.skippedLines += estimateLines(this.stats, chunk.length);
    this.stats.bytes += chunk.length;
    this.stats.skippedBytes += chunk.length;
    this.#parts = [];
    this.#partBytes = 0;
    this.#cut = false;
    // A chunk that ends with a newline ends the line it cut: the next line starts whole.
    this.#resync = !(chunk.length > 0 && chunk[chunk.length - 1] === 10);
  }

  /**
   * One whole line (without its newline) given on its own, while no line is in progress: counted,
   * cut, checked and decoded as push() would, and its text returned (undefined when binary and
   * not kept). For a caller that splits the bytes itself and needs each line's answer at once.
   */
  one(line: Buffer): string | undefined {
    this.stats.bytes += line.length + 1;
    this.stats.lines++;
    let text: string | undefined;
    const take = (t: string) => (text = t);
    if (line.length <= this.maxLineBytes) this.#deliver(line, take);
    else {
      this.stats.truncated++;
      this.#deliver(cutAt(line.subarray(0, this.maxLineBytes)), take);
    }
    return text;
  }

  /** Feeds a chunk; calls onLine for each complete line (without its newline). */
  push(chunk: Buffer, onLine: (line: string) => void): void {
    this.stats.bytes += chunk.length;
    let start = 0;
    if (this.#resync) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.stats.skippedLines += estimateLines(this.stats, chunk.length);
        this.stats.skippedBytes += chunk.length;
        return;
      }
      this.#resync = false;
      this.stats.skippedLines += estimateLines(this.stats, nl + 1);
      this.stats.skippedBytes += nl + 1;
      start = nl + 1;
    } else if (this.#partBytes > 0 || this.#cut) {
      // The end of a line begun in an earlier chunk.
      const nl = chunk.indexOf(10);
      this.#take(chunk.subarray(0, nl < 0 ? chunk.length : nl));
      if (nl < 0) return;
      this.#emit(onLine);
      start = nl + 1;
    }
    const last = chunk.lastIndexOf(10);
    if (last >= start) {
      const whole = chunk.subarray(start, last);
      if (!this.#wholeLines(whole, onLine)) this.#lineByLine(whole, onLine);
      start = last + 1;
    }
    this.#take(chunk.subarray(start));
  }

  /**
   * The common case, whole lines of valid text: the run is decoded once and split as a string, so
   * a line costs a slice rather than a decode and a check of its own (a line is then a slice of
   * the run's text: whoever keeps one for long copies it, see Template). False (nothing delivered)
   * when the run holds invalid UTF-8, control characters or a line over the limit.
   */
  #wholeLines(run: Buffer, onLine: (line: string) => void): boolean {
    if (run.length > this.maxLineBytes) {
      // A line may be over the limit (checked in bytes, before any decoding).
      for (let from = 0; ;) {
        const nl = run.indexOf(10, from);
        if ((nl < 0 ? run.length : nl) - from > this.maxLineBytes) return false;
        if (nl < 0) break;
        from = nl + 1;
      }
    }
    if (!isUtf8(run)) return false;
    const text = run.toString('utf8');
    if (CONTROL.test(text)) return false;
    let from = 0;
    for (;;) {
      const nl = text.indexOf('\n', from);
      let end = nl < 0 ? text.length : nl;
      if (end > from && text.charCodeAt(end - 1) === 13) end--;
      this.stats.lines++;
      onLine(text.slice(from, end));
      if (nl < 0) return true;
      from = nl + 1;
    }
  }

  /** Line by line: each line checked and decoded on its own (cut, invalid UTF-8, binary). */
  #lineByLine(run: Buffer, onLine: (line: string) => void): void {
    let start = 0;
    for (;;) {
      const nl = run.indexOf(10, start);
      const end = nl < 0 ? run.length : nl;
      this.stats.lines++;
      if (end - start <= this.maxLineBytes) this.#deliver(run.subarray(start, end), onLine);
      else {
        this.stats.truncated++;
        this.#deliver(cutAt(run.subarray(start, start + this.maxLineBytes)), onLine);
      }
      if (nl < 0) return;
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
      buf = cutAt(buf);
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

/** A line cut at the byte limit, without half a UTF-8 character at the cut. */
function cutAt(buf: Buffer): Buffer {
  let k = 0;
  while (k < 3 && buf.length - k - 1 >= 0 && (buf[buf.length - k - 1]! & 0xc0) === 0x80) k++;
  const lead = buf.length - k - 1;
  if (lead >= 0 && buf[lead]! >= 0xc0) {
    const need = buf[lead]! >= 0xf0 ? 4 : buf[lead]! >= 0xe0 ? 3 : 2;
    if (k + 1 < need) return buf.subarray(0, lead);
  }
  return buf;
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
