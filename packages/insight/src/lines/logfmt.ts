// logfmt lines (key=value pairs, values quoted when they hold spaces), as Heroku, Go's logfmt
// and slog's TextHandler write them: mined on msg/message, with level/lvl and err/error kept.
import { withError, type LogEvent } from './event.ts';
import { NO_LEVEL, parseLevel } from './levels.ts';

/** The pairs of a logfmt line, or undefined when the line is not logfmt. */
export function parseLogfmtPairs(line: string): Map<string, string> | undefined {
  const pairs = new Map<string, string>();
  const n = line.length;
  let i = 0;
  while (i < n) {
    while (i < n && line.charCodeAt(i) === 32) i++;
    if (i >= n) break;
    const k0 = i;
    while (i < n && isKeyChar(line.charCodeAt(i))) i++;
    if (i === k0 || i >= n || line.charCodeAt(i) !== 61) return undefined;
    const key = line.slice(k0, i);
    i++;
    let value: string;
    if (line.charCodeAt(i) === 34) {
      i++;
      // Most quoted values hold no escape: cut out at once.
      const q = line.indexOf('"', i);
      if (q < 0) return undefined;
      const bs = line.indexOf('\\', i);
      if (bs < 0 || bs > q) {
        value = line.slice(i, q);
        i = q + 1;
        if (i < n && line.charCodeAt(i) !== 32) return undefined;
        pairs.set(key, value);
        continue;
      }
      let v = '';
      for (;;) {
        if (i >= n) return undefined;
        const c = line.charCodeAt(i);
        if (c === 92 && i + 1 < n) {
          const e = line[i + 1]!;
          v += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          i += 2;
          continue;
        }
        if (c === 34) break;
        v += line[i];
        i++;
      }
      i++;
      value = v;
      if (i < n && line.charCodeAt(i) !== 32) return undefined;
    } else {
      const v0 = i;
      while (i < n && line.charCodeAt(i) !== 32) i++;
      value = line.slice(v0, i);
    }
    pairs.set(key, value);
  }
  return pairs.size ? pairs : undefined;
}

const isKeyChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 45 || c === 47;

/** The event in a logfmt line that has a msg (or message) key, else undefined. */
export function parseLogfmtLine(line: string): LogEvent | undefined {
  // Cheap rejections first: logfmt starts with a key and has msg= or message= somewhere.
  if (line.indexOf('=') < 1 || (!line.includes('msg=') && !line.includes('message='))) return undefined;
  const pairs = parseLogfmtPairs(line.trim());
  if (!pairs) return undefined;
  const message = pairs.get('msg') ?? pairs.get('message');
  if (message === undefined) return undefined;
  const level = parseLevel(pairs.get('level') ?? pairs.get('lvl') ?? pairs.get('severity'));
  const err = pairs.get('err') ?? pairs.get('error') ?? pairs.get('error.message');
  return {
    message: withError(message, pairs.get('error.type'), err),
    level: level === NO_LEVEL ? NO_LEVEL : level,
    raw: line,
    format: 'logfmt',
    header: '',
    lines: 1,
  };
}
