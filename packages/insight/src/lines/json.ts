// JSON lines as the common loggers write them: the message (pino, bunyan, Go slog and zap `msg`;
// winston and ECS `message`; Python structlog `event`), the level (a pino/bunyan number or a
// name, under `level`, `lvl`, `severity`, `levelname`, `log.level`), and an error beside the
// message (pino `err: {type, message}`, bunyan `err: {name, message}`, zap/slog `error`/`err`
// strings, ECS `error.type`/`error.message`, structlog `exception` tracebacks).
import { withError, type LogEvent } from './event.ts';
import { NO_LEVEL, parseLevel } from './levels.ts';

const MESSAGE_KEYS = ['msg', 'message', 'event', '@message'];
const LEVEL_KEYS = ['level', 'lvl', 'severity', 'levelname', 'log.level', '@level', 'loglevel'];

/** The event in a JSON line, or undefined when the line is not a JSON object with a message. */
export function parseJsonLine(line: string): LogEvent | undefined {
  const s = line.trim();
  if (s.length < 2 || s.charCodeAt(0) !== 123 || s.charCodeAt(s.length - 1) !== 125) return undefined;
  const fast = scanLine(s, line);
  if (fast !== FALLBACK) return fast;
  let o: unknown;
  try {
    o = JSON.parse(s);
  } catch {
    return undefined;
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return undefined;
  return eventOf(o as Record<string, unknown>, line);
}

function eventOf(r: Record<string, unknown>, line: string): LogEvent | undefined {
  let message: string | undefined;
  for (const k of MESSAGE_KEYS) {
    if (typeof r[k] === 'string') {
      message = r[k];
      break;
    }
  }
  let level = NO_LEVEL;
  for (const k of LEVEL_KEYS) {
    if (r[k] !== undefined) {
      level = parseLevel(r[k]);
      if (level !== NO_LEVEL) break;
    }
  }
  if (level === NO_LEVEL && typeof r.log === 'object' && r.log !== null) level = parseLevel((r.log as Record<string, unknown>).level);
  const [type, errorMessage] = errorOf(r);
  if (message === undefined && errorMessage === undefined) return undefined;
  return { message: withError(message ?? '', type, errorMessage), level, raw: line, format: 'json', header: '', lines: 1 };
}

/** The error's type and message, from the shapes loggers use. */
function errorOf(r: Record<string, unknown>): [string | undefined, string | undefined] {
  for (const k of ['err', 'error']) {
    const e = r[k];
    if (typeof e === 'string' && e !== '') return [undefined, firstLine(e)];
    if (typeof e === 'object' && e !== null) {
      const x = e as Record<string, unknown>;
      const type = typeof x.type === 'string' ? x.type : typeof x.name === 'string' ? x.name : undefined;
      const message = typeof x.message === 'string' ? firstLine(x.message) : undefined;
      if (type !== undefined || message !== undefined) return [type, message];
    }
  }
  if (typeof r['error.message'] === 'string' || typeof r['error.type'] === 'string') {
    return [r['error.type'] as string | undefined, r['error.message'] as string | undefined];
  }
  if (typeof r.exception === 'string' && r.exception !== '') {
    // A Python traceback: its last line names the exception (ValueError: bad input).
    const lines = r.exception.trimEnd().split('\n');
    return [undefined, lines[lines.length - 1]!.trim()];
  }
  return [undefined, undefined];
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return i < 0 ? s : s.slice(0, i);
}

// The fast path: the fields eventOf reads, found where they lie in the line (no object built,
// no key cut out, only the values used are decoded), with eventOf's order of preference. Anything
// unusual (an escaped key, a malformed value) answers FALLBACK, and JSON.parse settles it.
const FALLBACK = Symbol('fallback');

// Field slots, in eventOf's order of preference within each group.
const MSG = 0; // msg, message, event, @message: 0..3
const LEVEL = 4; // level, lvl, severity, levelname, log.level, @level, loglevel: 4..10
const LOG = 11;
const ERR = 12;
const ERROR = 13;
const ERROR_MESSAGE = 14;
const ERROR_TYPE = 15;
const EXCEPTION = 16;
const SLOTS = 17;
// Inside an error object: type, name, message; inside log: level.
const TYPE = 0;
const NAME = 1;
const MESSAGE = 2;
const INNER_LEVEL = 3;

const TOP_KEYS: [string, number][] = [
  ...MESSAGE_KEYS.map((k, i): [string, number] => [k, MSG + i]),
  ...LEVEL_KEYS.map((k, i): [string, number] => [k, LEVEL + i]),
  ['log', LOG],
  ['err', ERR],
  ['error', ERROR],
  ['error.message', ERROR_MESSAGE],
  ['error.type', ERROR_TYPE],
  ['exception', EXCEPTION],
];
const INNER_KEYS: [string, number][] = [
  ['type', TYPE],
  ['name', NAME],
  ['message', MESSAGE],
  ['level', INNER_LEVEL],
];

/** Keys by length, so a key is compared in place with the few of its length. */
function byLength(keys: [string, number][]): ([string, number][] | undefined)[] {
  const out: ([string, number][] | undefined)[] = [];
  for (const k of keys) (out[k[0].length] ??= []).push(k);
  return out;
}
const TOP = byLength(TOP_KEYS);
const INNER = byLength(INNER_KEYS);

// Where each slot's value starts and ends in the line (-1: absent). Reused: parsing is synchronous.
const topStart = new Int32Array(SLOTS);
const topEnd = new Int32Array(SLOTS);
const innerStart = new Int32Array(4);
const innerEnd = new Int32Array(4);

/**
 * Records the wanted members of the object s[i0] = '{' … into start/end; the index after its
 * closing brace, or -1 when anything is unusual.
 */
function scanObject(
  s: string,
  i0: number,
  keys: ([string, number][] | undefined)[],
  start: Int32Array,
  end: Int32Array,
  bs: number,
): number {
  start.fill(-1);
  let i = skipWs(s, i0 + 1);
  if (s.charCodeAt(i) === 125) return i + 1;
  for (;;) {
    if (s.charCodeAt(i) !== 34) return -1;
    const kEnd = s.indexOf('"', i + 1);
    if (kEnd < 0) return -1;
    const kLen = kEnd - i - 1;
    let slot = -1;
    const candidates = kLen < keys.length ? keys[kLen] : undefined;
    if (candidates) {
      for (let c = 0; c < candidates.length; c++) {
        const kn = candidates[c]!;
        if (s.startsWith(kn[0], i + 1)) {
          slot = kn[1];
          break;
        }
      }
    }
    // A key with an escape in it may spell a wanted key: JSON.parse decides. (`bs` is the line's
    // first backslash: most lines have none.)
    if (slot < 0 && bs >= 0 && bs < kEnd) {
      const k = s.indexOf('\\', i + 1);
      if (k >= 0 && k < kEnd) return -1;
    }
    i = skipWs(s, kEnd + 1);
    if (s.charCodeAt(i) !== 58) return -1;
    i = skipWs(s, i + 1);
    const v = i;
    i = skipValue(s, i);
    if (i < 0) return -1;
    if (slot >= 0) {
      start[slot] = v;
      end[slot] = i;
    }
    i = skipWs(s, i);
    const c = s.charCodeAt(i);
    if (c === 125) return i + 1;
    if (c !== 44) return -1;
    i = skipWs(s, i + 1);
  }
}

/** The event of a trimmed JSON object line, undefined when it has no message, FALLBACK when JSON.parse must decide. */
function scanLine(s: string, line: string): LogEvent | undefined | typeof FALLBACK {
  const bs = s.indexOf('\\');
  if (scanObject(s, 0, TOP, topStart, topEnd, bs) !== s.length) return FALLBACK;
  let message: string | undefined;
  for (let k = MSG; k < LEVEL && message === undefined; k++) {
    if (topStart[k]! >= 0 && s.charCodeAt(topStart[k]!) === 34) {
      const m = stringAt(s, topStart[k]!, topEnd[k]!, bs);
      if (m === FALLBACK) return FALLBACK;
      message = m;
    }
  }
  let level = NO_LEVEL;
  for (let k = LEVEL; k < LOG && level === NO_LEVEL; k++) {
    if (topStart[k]! >= 0) {
      const v = valueAt(s, topStart[k]!, topEnd[k]!, bs);
      if (v === FALLBACK) return FALLBACK;
      level = parseLevel(v);
    }
  }
  if (level === NO_LEVEL && topStart[LOG]! >= 0 && s.charCodeAt(topStart[LOG]!) === 123) {
    if (scanObject(s, topStart[LOG]!, INNER, innerStart, innerEnd, bs) !== topEnd[LOG]) return FALLBACK;
    if (innerStart[INNER_LEVEL]! >= 0) {
      const v = valueAt(s, innerStart[INNER_LEVEL]!, innerEnd[INNER_LEVEL]!, bs);
      if (v === FALLBACK) return FALLBACK;
      level = parseLevel(v);
    }
  }
  let type: string | undefined;
  let errorMessage: string | undefined;
  let found = false;
  for (let k = ERR; k <= ERROR; k++) {
    const a = topStart[k]!;
    if (a < 0) continue;
    const c = s.charCodeAt(a);
    if (c === 34) {
      const e = stringAt(s, a, topEnd[k]!, bs);
      if (e === FALLBACK) return FALLBACK;
      if (e !== '') {
        errorMessage = firstLine(e);
        found = true;
        break;
      }
    } else if (c === 123) {
      if (scanObject(s, a, INNER, innerStart, innerEnd, bs) !== topEnd[k]) return FALLBACK;
      const t =
        innerStart[TYPE]! >= 0 && s.charCodeAt(innerStart[TYPE]!) === 34 ? stringAt(s, innerStart[TYPE]!, innerEnd[TYPE]!, bs) : undefined;
      const n =
        t === undefined && innerStart[NAME]! >= 0 && s.charCodeAt(innerStart[NAME]!) === 34
          ? stringAt(s, innerStart[NAME]!, innerEnd[NAME]!, bs)
          : undefined;
      const m =
        innerStart[MESSAGE]! >= 0 && s.charCodeAt(innerStart[MESSAGE]!) === 34
          ? stringAt(s, innerStart[MESSAGE]!, innerEnd[MESSAGE]!, bs)
          : undefined;
      if (t === FALLBACK || n === FALLBACK || m === FALLBACK) return FALLBACK;
      type = t ?? n;
      errorMessage = m === undefined ? undefined : firstLine(m);
      if (type !== undefined || errorMessage !== undefined) {
        found = true;
        break;
      }
    }
  }
  if (!found) {
    const em =
      topStart[ERROR_MESSAGE]! >= 0 && s.charCodeAt(topStart[ERROR_MESSAGE]!) === 34
        ? stringAt(s, topStart[ERROR_MESSAGE]!, topEnd[ERROR_MESSAGE]!, bs)
        : undefined;
    const et =
      topStart[ERROR_TYPE]! >= 0 && s.charCodeAt(topStart[ERROR_TYPE]!) === 34
        ? stringAt(s, topStart[ERROR_TYPE]!, topEnd[ERROR_TYPE]!, bs)
        : undefined;
    if (em === FALLBACK || et === FALLBACK) return FALLBACK;
    if (em !== undefined || et !== undefined) {
      type = et;
      errorMessage = em;
    } else if (topStart[EXCEPTION]! >= 0 && s.charCodeAt(topStart[EXCEPTION]!) === 34) {
      const x = stringAt(s, topStart[EXCEPTION]!, topEnd[EXCEPTION]!, bs);
      if (x === FALLBACK) return FALLBACK;
      if (x !== '') {
        // A Python traceback: its last line names the exception (ValueError: bad input).
        const lines = x.trimEnd().split('\n');
        errorMessage = lines[lines.length - 1]!.trim();
      }
    }
  }
  if (message === undefined && errorMessage === undefined) return undefined;
  return { message: withError(message ?? '', type, errorMessage), level, raw: line, format: 'json', header: '', lines: 1 };
}

/** The string s[a, b) (quotes included) decoded; escapes go through JSON.parse. `bs`: the line's first backslash. */
function stringAt(s: string, a: number, b: number, bs: number): string | typeof FALLBACK {
  if (bs < 0 || bs >= b) return s.slice(a + 1, b - 1);
  const k = s.indexOf('\\', a + 1);
  if (k < 0 || k >= b - 1) return s.slice(a + 1, b - 1);
  try {
    return JSON.parse(s.slice(a, b)) as string;
  } catch {
    return FALLBACK;
  }
}

/** The JSON value s[a, b): a string, number, true, false, null; objects and arrays as undefined (no level is one). */
function valueAt(s: string, a: number, b: number, bs: number): unknown {
  const c = s.charCodeAt(a);
  if (c === 34) return stringAt(s, a, b, bs);
  if (c === 123 || c === 91) {
    try {
      JSON.parse(s.slice(a, b));
      return undefined;
    } catch {
      return FALLBACK;
    }
  }
  // Small whole numbers (pino's levels) without cutting the text out.
  if (b - a <= 3) {
    let n = 0;
    let k = a;
    while (k < b && s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) n = n * 10 + s.charCodeAt(k++) - 48;
    if (k === b && k > a) return n;
  }
  const lit = s.slice(a, b);
  if (lit === 'true') return true;
  if (lit === 'false') return false;
  if (lit === 'null') return null;
  const num = Number(lit);
  return Number.isNaN(num) ? FALLBACK : num;
}

function skipWs(s: string, i: number): number {
  let c = s.charCodeAt(i);
  while (c === 32 || c === 9 || c === 10 || c === 13) c = s.charCodeAt(++i);
  return i;
}

/** The index after the JSON value starting at i, or -1. */
function skipValue(s: string, i: number): number {
  const n = s.length;
  const c = s.charCodeAt(i);
  if (c === 34) return skipString(s, i);
  if (c === 123 || c === 91) {
    let depth = 0;
    while (i < n) {
      const d = s.charCodeAt(i);
      if (d === 34) {
        i = skipString(s, i);
        if (i < 0) return -1;
        continue;
      }
      if (d === 123 || d === 91) depth++;
      else if (d === 125 || d === 93) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return -1;
  }
  let j = i;
  while (j < n) {
    const d = s.charCodeAt(j);
    if (d === 44 || d === 125 || d === 32 || d === 9 || d === 10 || d === 13) break;
    j++;
  }
  return j > i ? j : -1;
}

function skipString(s: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = s.indexOf('"', j);
    if (q < 0) return -1;
    // An escaped quote has an odd number of backslashes before it.
    let b = q - 1;
    while (s.charCodeAt(b) === 92) b--;
    if ((q - 1 - b) % 2 === 0) return q + 1;
    j = q + 1;
  }
}
