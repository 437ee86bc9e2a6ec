// The template id in the log file (`logs.templateId`): each JSON line a program writes is mined
// as it goes to the file, and its template id (optionally the template too) is added to the object
// before its closing brace, so a shipper (Fluent Bit, Vector) can group by it in Loki or
// Elasticsearch (docs/log-shipping.md). The rest of the line is left byte for byte as written, and
// so is every line that is not a JSON object: a prefix on plain lines would break every parser
// downstream that reads them by their own format.
//
// Mining here runs as the output arrives (the id must be known before the line is written), within
// the same CPU share as the rest of the daemon's mining: a chunk that comes past the share, or the
// rest of a chunk once it has taken a turn's worth of time, is written unchanged and counted as shed,
// so the file never waits and never loses a line. The start of a JSON line whose end has not come yet
// is held back (at most maxLineBytes, at most HOLD_MS) until its newline arrives; then it is written
// unchanged.
import type { MinedEvent, MinerStream } from '@holdfast/insight/mining';
import type { LogTransform } from '../logs/rotating-log.ts';

/** `logs.templateId` resolved: the field for the id, and the field for the template text (or none). */
export interface TemplateFields {
  field: string;
  textField: string | false;
}

export interface AnnotatorContext {
  /** The miner stream of this log (undefined when its program is no longer mined). */
  stream(): MinerStream | undefined;
  /** Whether the CPU share allows mining now; charge() records what a chunk took. */
  allow(): boolean;
  charge(ms: number): void;
  /** Called before a chunk is mined (the instance a signal is about). */
  before(): void;
  /** Writes bytes past the annotator (a held line start released after a pause). */
  release(bytes: Buffer): void;
  /** Lines longer than this are never held back nor annotated (the miner's own line limit). */
  maxLineBytes: number;
  /** Monotonic milliseconds (default performance.now). */
  now?: () => number;
}

const NL = 0x0a;
const CR = 0x0d;
const OPEN = 0x7b;
const CLOSE = 0x7d;
/** One chunk mines for at most this long; its other lines are written unchanged (shed). */
const TURN_MS = 8;
/** A held line start waits this long for its end, then goes out unchanged. */
const HOLD_MS = 250;
/** Insert texts kept per template (a template that generalises gets a new text; the cache is cleared when full). */
const CACHE = 4096;

export class TemplateAnnotator implements LogTransform {
  readonly #ctx: AnnotatorContext;
  readonly #now: () => number;
  readonly #idKey: string;
  readonly #fields: TemplateFields;
  readonly #inserts = new Map<string, Buffer>();
  #held: Buffer[] = [];
  #heldBytes = 0;
  /** The line in progress began in output already written as it was: its rest goes unchanged. */
  #midLine = false;
  #timer: NodeJS.Timeout | undefined;
  /** Lines written with the template id (for tests and status). */
  annotated = 0;

  constructor(fields: TemplateFields, ctx: AnnotatorContext) {
    this.#fields = fields;
    this.#ctx = ctx;
    this.#now = ctx.now ?? (() => performance.now());
    this.#idKey = `"${fields.field}"`;
  }

  write(chunk: Buffer): Buffer {
    let data = chunk;
    if (this.#heldBytes > 0) {
      data = Buffer.concat([...this.#held, chunk], this.#heldBytes + chunk.length);
      this.#held = [];
      this.#heldBytes = 0;
      clearTimeout(this.#timer);
    }
    const stream = this.#ctx.stream();
    if (!stream) {
      this.#midLine = data[data.length - 1] !== NL;
      return data;
    }
    if (!this.#ctx.allow()) {
      // Past the share: written as it is, counted as shed.
      stream.skip(data);
      this.#midLine = data[data.length - 1] !== NL;
      return data;
    }
    const t0 = this.#now();
    this.#ctx.before();
    const out: Buffer[] = [];
    /** Output up to here is in `out`. */
    let copied = 0;
    /** Bytes from here to `pos` go to the miner as they are (lines that are not annotated). */
    let fed = 0;
    let pos = 0;
    let shedFrom = -1;
    if (this.#midLine) {
      const nl = data.indexOf(NL);
      pos = nl < 0 ? data.length : nl + 1;
      this.#midLine = nl < 0;
    }
    const max = this.#ctx.maxLineBytes;
    while (pos < data.length) {
      const nl = data.indexOf(NL, pos);
      if (nl < 0) break;
      if (data[pos] === OPEN && nl - pos <= max) {
        let close = nl - 1;
        while (close > pos && (data[close] === CR || data[close] === 0x20 || data[close] === 0x09)) close--;
        if (close > pos && data[close] === CLOSE) {
          if (fed < pos) stream.write(data.subarray(fed, pos));
          fed = nl + 1;
          const mined = stream.mineNow(data.subarray(pos, nl));
          const insert = mined && this.#insertFor(mined);
          if (insert) {
            out.push(data.subarray(copied, close), insert);
            copied = close;
            this.annotated++;
          }
          if (this.#now() - t0 >= TURN_MS) {
            shedFrom = nl + 1;
            break;
          }
        }
      }
      pos = nl + 1;
    }
    if (shedFrom >= 0) {
      // The turn is used up: the rest of the chunk goes unchanged, counted as shed.
      const rest = data.subarray(shedFrom);
      if (rest.length > 0) {
        stream.skip(rest);
        this.#midLine = rest[rest.length - 1] !== NL;
      }
      out.push(data.subarray(copied));
    } else {
      if (fed < pos) stream.write(data.subarray(fed, pos));
      const tail = data.subarray(pos);
      if (tail.length > 0 && tail[0] === OPEN && tail.length <= max) {
        // A JSON line's start: held until its end comes (copied, the caller may reuse its buffer).
        this.#held.push(Buffer.from(tail));
        this.#heldBytes = tail.length;
        this.#timer = setTimeout(() => this.#ctx.release(this.end()), HOLD_MS);
        this.#timer.unref();
        out.push(data.subarray(copied, pos));
      } else {
        if (tail.length > 0) {
          stream.write(tail);
          this.#midLine = true;
        }
        out.push(data.subarray(copied));
      }
    }
    this.#ctx.charge(this.#now() - t0);
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  /** What is held, given back to be written as it is (the line's rest will follow unchanged). */
  end(): Buffer {
    clearTimeout(this.#timer);
    if (this.#heldBytes === 0) return Buffer.alloc(0);
    const held = this.#held.length === 1 ? this.#held[0]! : Buffer.concat(this.#held, this.#heldBytes);
    this.#held = [];
    this.#heldBytes = 0;
    this.#ctx.stream()?.write(held);
    this.#midLine = true;
    return held;
  }

  /** The bytes to put before the closing brace, or undefined (not a JSON event, or the field is there already). */
  #insertFor(m: MinedEvent): Buffer | undefined {
    if (m.event.format !== 'json' || m.event.raw.includes(this.#idKey)) return undefined;
    const id = m.result.id;
    const text = this.#fields.textField === false ? undefined : m.result.template;
    const key = text === undefined ? id : `${id}\n${text}`;
    let b = this.#inserts.get(key);
    if (!b) {
      if (this.#inserts.size >= CACHE) this.#inserts.clear();
      let s = `,"${this.#fields.field}":"${id}"`;
      if (text !== undefined) s += `,"${this.#fields.textField as string}":${JSON.stringify(text)}`;
      b = Buffer.from(s);
      this.#inserts.set(key, b);
    }
    return b;
  }
}
