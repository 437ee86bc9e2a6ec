// The one-line-per-request log, written without going through pino's serializer: the fields are
// known, so the line is a template with JSON.stringify only on the strings that come from the
// client. The output is byte-for-byte the shape pino writes for the same call (level, time,
// base fields, requestId binding, fields, msg), to the same destination, so log pipelines see
// one format. Lines with an error, a mixin (trace ids) or a level other than info go through
// pino as usual.

export interface RawDestination {
  write(line: string): unknown;
}

/** The method as a JSON string; the common ones without a JSON.stringify call. */
function quotedMethod(method: string): string {
  switch (method) {
    case 'GET':
      return '"GET"';
    case 'POST':
      return '"POST"';
    case 'PUT':
      return '"PUT"';
    case 'DELETE':
      return '"DELETE"';
    case 'PATCH':
      return '"PATCH"';
    case 'HEAD':
      return '"HEAD"';
    case 'OPTIONS':
      return '"OPTIONS"';
    default:
      return JSON.stringify(method);
  }
}

/**
 * `JSON.stringify(s)` for a string: ids, routes, paths and addresses almost never need an
 * escape, and a scan of their characters costs a fraction of the stringify call.
 */
export function jsonString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // What JSON.stringify escapes: control characters, the quote, the backslash, and (as \uXXXX)
    // lone surrogates; any surrogate sends the string to it.
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return `"${s}"`;
}

// ".5", ".05", ".123" for 500, 50, 123 thousandths: the digits JavaScript prints for a number
// rounded to three decimals, without its double-to-string conversion (the costliest step of
// the line when it ran per request).
const THOUSANDTHS = Array.from({ length: 1000 }, (_, i) => (i === 0 ? '' : `.${String(i).padStart(3, '0').replace(/0+$/, '')}`));

/** `String(Math.round(ms * 1000) / 1000)`, the value pino would print for responseTime. */
export function formatMillis(ms: number): string {
  const micros = Math.round(ms * 1000);
  if (!(micros >= 0 && micros < 1e12)) return String(micros / 1000);
  const whole = Math.floor(micros / 1000);
  return `${whole}${THOUSANDTHS[micros - whole * 1000]}`;
}

export class RequestLineWriter {
  readonly #dest: RawDestination;
  /** `,"service":"…","pid":…` — the logger's base fields, serialized once. */
  readonly #base: string;
  /** The line up to the request id, rebuilt once per millisecond (time is the only change). */
  #head = '';
  #headAt = -1;

  constructor(dest: RawDestination, base: Record<string, unknown>) {
    this.#dest = dest;
    this.#base = Object.entries(base)
      .map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v)}`)
      .join('');
  }

  write(
    requestId: string,
    method: string,
    route: string,
    url: string,
    statusCode: number,
    responseTimeMs: number,
    remoteAddress: string | undefined,
  ): void {
    const now = Date.now();
    if (now !== this.#headAt) {
      this.#headAt = now;
      this.#head = `{"level":30,"time":${now}${this.#base},"requestId":`;
    }
    this.#dest.write(
      `${this.#head}${jsonString(requestId)},"method":${quotedMethod(method)},"route":${jsonString(route)},` +
        `"url":${jsonString(url)},"statusCode":${statusCode},` +
        `"responseTime":${formatMillis(responseTimeMs)},` +
        `"remoteAddress":${remoteAddress === undefined ? 'null' : jsonString(remoteAddress)},"msg":"request"}\n`,
    );
  }
}
