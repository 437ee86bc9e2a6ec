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
  let r = scanTopLevel(s);
  if (r === undefined) {
    let o: unknown;
    try {
      o = JSON.parse(s);
    } catch {
      return undefined;
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) return undefined;
    r = o as Record<string, unknown>;
  }
  return eventOf(r, line);
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

// The keys eventOf reads; the fast scanner decodes only these and skips every other value.
const WANTED = new Set([...MESSAGE_KEYS, ...LEVEL_KEYS, 'log', 'err', 'error', 'exception', 'error.message', 'error.type']);

/**
 * The wanted top-level fields of a JSON object, read without building the whole object (most of a
 * log line is fields the miner does not need). Undefined when anything is unusual (an escaped
 * key, a malformed value); the caller then uses JSON.parse, which also settles validity.
 */
function scanTopLevel(s: string): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  const n = s.length;
  let i = 1;
  for (let first = true; ; first = false) {
    i = skipWs(s, i);
    if (first && s.charCodeAt(i) === 125 && i === n - 1) return out;
    if (s.charCodeAt(i) !== 34) return undefined;
    const kEnd = s.indexOf('"', i + 1);
    if (kEnd < 0) return undefined;
    const key = s.slice(i + 1, kEnd);
    if (key.includes('\\')) return undefined;
    i = skipWs(s, kEnd + 1);
    if (s.charCodeAt(i) !== 58) return undefined;
    i = skipWs(s, i + 1);
    const v = i;
    i = skipValue(s, i);
    if (i < 0) return undefined;
    if (WANTED.has(key)) {
      const c = s.charCodeAt(v);
      if (c === 34) {
        const raw = s.slice(v + 1, i - 1);
        if (raw.includes('\\')) {
          try {
            out[key] = JSON.parse(s.slice(v, i));
          } catch {
            return undefined;
          }
        } else out[key] = raw;
      } else if (c === 123 || c === 91) {
        try {
          out[key] = JSON.parse(s.slice(v, i));
        } catch {
          return undefined;
        }
      } else {
        const lit = s.slice(v, i);
        if (lit === 'true') out[key] = true;
        else if (lit === 'false') out[key] = false;
        else if (lit === 'null') out[key] = null;
        else {
          const num = Number(lit);
          if (lit === '' || Number.isNaN(num)) return undefined;
          out[key] = num;
        }
      }
    }
    i = skipWs(s, i);
    const c = s.charCodeAt(i);
    if (c === 44) {
      i++;
      continue;
    }
    return c === 125 && i === n - 1 ? out : undefined;
  }
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
