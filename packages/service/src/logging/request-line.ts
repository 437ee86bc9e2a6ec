// The one-line-per-request log, written without going through pino's serializer: the fields are
// known, so the line is a template with JSON.stringify only on the strings that come from the
// client. The output is byte-for-byte the shape pino writes for the same call (level, time,
// base fields, requestId binding, fields, msg), to the same destination, so log pipelines see
// one format. Lines with an error, a mixin (trace ids) or a level other than info go through
// pino as usual.

export interface RawDestination {
  write(line: string): unknown;
}

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export class RequestLineWriter {
  readonly #dest: RawDestination;
  /** `,"service":"…","pid":…` — the logger's base fields, serialized once. */
  readonly #base: string;

  constructor(dest: RawDestination, base: Record<string, unknown>) {
    this.#dest = dest;
    this.#base = Object.entries(base)
      .map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v)}`)
      .join('');
  }

  write(requestId: string, method: string, route: string, url: string, statusCode: number, responseTimeMs: number, remoteAddress: string | undefined): void {
    const m = KNOWN_METHODS.has(method) ? `"${method}"` : JSON.stringify(method);
    this.#dest.write(
      `{"level":30,"time":${Date.now()}${this.#base},"requestId":${JSON.stringify(requestId)},"method":${m},"route":${JSON.stringify(route)},"url":${JSON.stringify(url)},"statusCode":${statusCode},"responseTime":${Math.round(responseTimeMs * 1000) / 1000},"remoteAddress":${remoteAddress === undefined ? 'null' : JSON.stringify(remoteAddress)},"msg":"request"}\n`,
    );
  }
}
