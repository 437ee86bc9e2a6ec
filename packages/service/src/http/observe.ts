// Per-request observation: one JSON log line per request and the request metrics, taken when
// the response closes, from the raw request and response the connection tracker already
// follows (http/connections.ts). A Fastify onResponse hook did the same at about three times
// the cost: it makes Fastify add and remove two listeners, read two clocks and build the
// route-options object on every request. Probes and metrics scrapes are counted but not
// logged unless asked.
//
// What the raw request does not carry, Fastify hands over while it routes: the route template
// and the request's logger come from the child-logger factory Fastify calls for every routed
// request (see `recordRoute` and logging/lazy-child.ts), the error from the error handler
// (http/recovery.ts), and the client address from an onRequest hook only when `trustProxy`
// makes it differ from the socket's.
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { LoggedRequest } from '../logging/lazy-child.ts';
import type { RequestLineWriter } from '../logging/request-line.ts';
import type { RequestMetricsSink } from '../module.ts';

export const UNMATCHED = '__unmatched__';
/**
 * The status recorded for a request whose client went away before the response was complete
 * (nginx's "client closed request"); its handler may still have been running.
 */
export const CLIENT_CLOSED = 499;

/** What holdfast attaches to the raw request on its way through Fastify. */
export interface ObservedRequest extends LoggedRequest {
  holdfastRequestId?: string;
  /** The route template, e.g. `/items/:id`; unset when no route matched. */
  holdfastRoute?: string;
  /** The error the handler threw, set by the error handler. */
  holdfastError?: unknown;
  /** The client address as Fastify computes it under `trustProxy`. */
  holdfastIp?: string;
}

export interface ObserveOptions {
  logRequests: boolean;
  logProbes: boolean;
  quietPaths: ReadonlySet<string>;
  /** Fast path for the request line; undefined when lines must go through pino (mixin, level). */
  lineWriter: RequestLineWriter | undefined;
  /** For lines of requests Fastify never routed (no request logger). */
  logger: Logger;
}

export class RequestObserver {
  readonly #o: ObserveOptions;
  #metrics: RequestMetricsSink | undefined;

  constructor(o: ObserveOptions) {
    this.#o = o;
  }

  /** Where request counts and durations go (the metrics module plugs itself in here). */
  countRequests(sink: RequestMetricsSink): void {
    this.#metrics = sink;
  }

  /** Called once per request, when its response closes; `ms` is the time since it arrived. */
  observe(req: ObservedRequest, res: ServerResponse, ms: number): void {
    const o = this.#o;
    const route = req.holdfastRoute ?? UNMATCHED;
    // A response that closed before it finished lost its client; the status it was about to
    // send (often the 200 default) would count it as a success.
    const status = res.writableFinished ? res.statusCode : CLIENT_CLOSED;
    const method = req.method ?? 'GET';
    this.#metrics?.observe(method, route, status, ms / 1000);
    if (!o.logRequests || (!o.logProbes && o.quietPaths.has(route))) return;
    const err = req.holdfastError;
    const ip = req.holdfastIp ?? req.socket.remoteAddress;
    const requestId = req.holdfastRequestId ?? '';
    if (o.lineWriter !== undefined && err === undefined && status < 500 && status !== CLIENT_CLOSED) {
      o.lineWriter.write(requestId, method, route, req.url ?? '', status, ms, ip);
      return;
    }
    const line = {
      method,
      route,
      url: req.url,
      statusCode: status,
      responseTime: Math.round(ms * 1000) / 1000,
      remoteAddress: ip ?? null,
      ...(status === CLIENT_CLOSED ? { aborted: true } : {}),
      ...(err ? { err } : {}),
    };
    const log = req.holdfastLog ?? o.logger.child({ requestId });
    if (status >= 500 && status !== CLIENT_CLOSED) log.error(line, 'request');
    else log.info(line, 'request');
  }
}

/**
 * Makes every route record its template and logger on the raw request. Fastify calls a route's
 * child-logger factory once per routed request, before any hook, with the raw request: the
 * one place where the route is known and the raw request is at hand without a hook.
 */
export function recordRoutes(app: FastifyInstance, trustProxy: unknown): void {
  app.addHook('onRoute', function (this: FastifyInstance, route) {
    const url = route.url;
    const inner = route.childLoggerFactory ?? this.childLoggerFactory;
    route.childLoggerFactory = function (logger, bindings, opts, raw: ObservedRequest) {
      const child = inner.call(this, logger, bindings, opts, raw);
      raw.holdfastRoute = url;
      raw.holdfastLog = child;
      return child;
    };
  });
  // Behind a proxy Fastify derives the client address from X-Forwarded-For; take its answer.
  if (trustProxy) {
    app.addHook('onRequest', (request, _reply, done) => {
      (request.raw as ObservedRequest).holdfastIp = request.ip;
      done();
    });
  }
}
