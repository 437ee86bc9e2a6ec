// Per-request observation: one JSON log line per request (the request logger's binding adds
// `requestId`; the x-request-id echo is set where the request enters, in service.ts), and the
// metrics. Probes and metrics scrapes are counted but not logged unless asked.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RequestLineWriter } from '../logging/request-line.ts';
import type { HttpMetrics } from '../metrics/http-metrics.ts';

const UNMATCHED = '__unmatched__';

export interface ObserveOptions {
  metrics: HttpMetrics | undefined;
  logRequests: boolean;
  logProbes: boolean;
  quietPaths: ReadonlySet<string>;
  /** Fast path for the request line; undefined when lines must go through pino (mixin, level). */
  lineWriter: RequestLineWriter | undefined;
}

export function installObservation(app: FastifyInstance, o: ObserveOptions): void {
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED;
    const status = reply.statusCode;
    const ms = reply.elapsedTime;
    o.metrics?.observe(request.method, route, status, ms / 1000);
    if (o.logRequests && (o.logProbes || !o.quietPaths.has(route))) {
      const err = (request as FastifyRequest & { holdfastError?: unknown }).holdfastError;
      if (o.lineWriter !== undefined && err === undefined && status < 500) {
        o.lineWriter.write(request.id, request.method, route, request.url, status, ms, request.ip);
      } else {
        const line = {
          method: request.method,
          route,
          url: request.url,
          statusCode: status,
          responseTime: Math.round(ms * 1000) / 1000,
          remoteAddress: request.ip,
          ...(err ? { err } : {}),
        };
        if (status >= 500) request.log.error(line, 'request');
        else request.log.info(line, 'request');
      }
    }
    done();
  });
}
