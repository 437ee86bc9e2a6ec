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
  let o: unknown;
  try {
    o = JSON.parse(s);
  } catch {
    return undefined;
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return undefined;
  const r = o as Record<string, unknown>;
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
