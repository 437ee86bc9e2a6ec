// The response class of the service's HTTP server: it adds the x-request-id echo inside
// writeHead instead of through an earlier res.setHeader(). Node's writeHead takes a fast path
// when no header was set progressively (the headers object Fastify passes is used as is); one
// setHeader() before it moves every response onto the slow path, which re-validates and
// re-stores each of Fastify's headers. On the bench that single header cost about 10 % of the
// requests per second of a hello-world route.
import { ServerResponse, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';

const HEADER = 'x-request-id';

export class RequestIdResponse<Req extends IncomingMessage = IncomingMessage> extends ServerResponse<Req> {
  /**
   * Echoed as x-request-id unless the application set that header itself. Declared only (set
   * by the request handler): a field initializer would run on every response's construction.
   */
  declare holdfastRequestId: string | undefined;

  override writeHead(
    statusCode: number,
    reason?: string | OutgoingHttpHeaders | unknown[],
    headers?: OutgoingHttpHeaders | unknown[],
  ): this {
    const id = this.holdfastRequestId;
    if (id !== undefined && !this.hasHeader(HEADER)) {
      if (typeof reason === 'string') headers = withId(headers, id);
      else reason = withId(reason, id);
    }
    return super.writeHead(statusCode, reason as string, headers as OutgoingHttpHeaders);
  }
}

function withId(headers: OutgoingHttpHeaders | unknown[] | undefined, id: string): OutgoingHttpHeaders | unknown[] {
  if (headers === undefined || headers === null) return { [HEADER]: id };
  if (Array.isArray(headers)) {
    // Raw [name, value, ...] pairs: keep a header the application passed, otherwise append.
    for (let i = 0; i < headers.length; i += 2) if (String(headers[i]).toLowerCase() === HEADER) return headers;
    return [...headers, HEADER, id];
  }
  // Fastify passes its own per-reply object with lower-cased names; adding to it is what
  // reply.header() would have done.
  if ((headers as OutgoingHttpHeaders)[HEADER] === undefined) (headers as OutgoingHttpHeaders)[HEADER] = id;
  return headers;
}
