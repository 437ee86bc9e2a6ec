// The service's HTTP server. Fastify is created with a `serverFactory`, and holdfast listens
// itself (on a port or an inherited fd), so Fastify's close() never touches the server: the
// drain decides when connections end. Every request passes the connection tracker (for the
// drain) and, when its response closes, the request observer (request line and metrics).
import { createServer, type Server } from 'node:http';
import { ServiceError } from '../errors.ts';
import { Fastify, LogController, type FastifyBaseLogger, type FastifyInstance } from '../fastify.ts';
import { lazyChildLoggerFactory } from '../logging/lazy-child.ts';
import type { ServiceLogger } from '../logging/logger.ts';
import { RequestLineWriter } from '../logging/request-line.ts';
import type { ModuleContext, RequestMetricsSink } from '../module.ts';
import type { ResolvedOptions } from '../options.ts';
import { ConnectionTracker } from './connections.ts';
import { forgetInheritedSockets, inheritedSockets } from './inherited-socket.ts';
import { recordRoutes, RequestObserver } from './observe.ts';
import { requestIdFrom } from './request-id.ts';
import { RequestIdResponse } from './response.ts';
import { applyFastifyServerOptions } from './server-options.ts';

export interface HttpCore {
  readonly app: FastifyInstance;
  /** The separate app for probes and metrics (`admin`), if any. */
  readonly admin: FastifyInstance | undefined;
  readonly server: Server;
  readonly tracker: ConnectionTracker;
  readonly observer: RequestObserver;
  /** What the modules see of the server. */
  readonly forModules: ModuleContext['server'];
}

export interface Listening {
  url: string;
  port: number;
  adminUrl: string | undefined;
  /** The inherited fd listened on, if any. */
  inheritedFd: number | undefined;
}

/** `mixin`: the log mixin in force (the request line takes its fast path only without one). */
export function createHttpCore(o: ResolvedOptions, log: ServiceLogger, mixin: (() => object) | undefined): HttpCore {
  // Fastify's view of the logger; request loggers are pino's (logging/lazy-child.ts).
  const logger: FastifyBaseLogger = log.logger;
  const quiet = new Set([o.probes.livez, o.probes.readyz, o.probes.startupz, o.probes.metrics]);
  // The request line takes the fast path unless something must see every line (a mixin adding
  // trace ids) or info lines are not written at all.
  const fastLines = mixin === undefined && log.logger.isLevelEnabled('info') ? new RequestLineWriter(log.destination, log.base) : undefined;
  const observer = new RequestObserver({
    logRequests: o.logger.requests,
    logProbes: o.logger.logProbes,
    quietPaths: quiet,
    lineWriter: fastLines,
    logger: log.logger,
  });
  let made: { server: Server; tracker: ConnectionTracker } | undefined;
  const app = Fastify({
    // Reject unknown body fields instead of silently dropping them (Fastify's default strips
    // them), so `additionalProperties: false` means what it says: bad input gets a 400.
    ajv: { customOptions: { removeAdditional: false } },
    ...o.fastify,
    loggerInstance: logger,
    // holdfast writes its own single line per request (see http/observe.ts).
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    // Most requests never log through their own logger: create it on first use.
    childLoggerFactory: lazyChildLoggerFactory,
    genReqId: (req) => (req as { holdfastRequestId?: string }).holdfastRequestId ?? requestIdFrom(req),
    forceCloseConnections: false,
    return503OnClosing: false,
    serverFactory: (handler, opts) => {
      const server = createServer({ ServerResponse: RequestIdResponse }, (req, res) => {
        tracker.onRequest(req, res);
        // Echoed by the response class when the head is written (see http/response.ts):
        // cheaper than a setHeader() here or a Fastify hook.
        res.holdfastRequestId = requestIdFrom(req);
        handler(req, res);
      });
      // What Fastify applies to a server it creates itself, and would skip for ours: its
      // keep-alive timeout (72 s, longer than the common 60 s load-balancer idle timeout, so the
      // balancer, not the service, closes idle connections) and the request and connection
      // timeouts, including any the application set in `fastify` options.
      applyFastifyServerOptions(server, opts);
      const tracker = new ConnectionTracker(server, (req, res, ms) => observer.observe(req, res, ms));
      made = { server, tracker };
      return server;
    },
  });
  if (!made) throw new ServiceError('HOLDFAST_E_INTERNAL', 'Fastify did not call the server factory');
  recordRoutes(app, o.fastify['trustProxy']);
  const admin = o.admin
    ? Fastify({ loggerInstance: logger, logController: new LogController({ disableRequestLogging: true }) })
    : undefined;
  const tracker = made.tracker;
  const forModules = { inFlight: () => tracker.inFlight, countRequests: (sink: RequestMetricsSink) => observer.countRequests(sink) };
  return { app, admin, server: made.server, tracker, observer, forModules };
}

/** Listens on the inherited socket or the configured port, then the admin port. */
export async function listen(core: HttpCore, o: ResolvedOptions): Promise<Listening> {
  const server = core.server;
  const inherited =
    o.inheritSocket === false ? [] : typeof o.inheritSocket === 'number' ? [{ fd: o.inheritSocket, name: undefined }] : inheritedSockets();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if (inherited[0]) server.listen({ fd: inherited[0].fd }, done);
    else server.listen(o.port, o.host, done);
  }).catch((err: NodeJS.ErrnoException) => {
    const where = inherited[0] ? `inherited fd ${inherited[0].fd}` : `${o.host}:${o.port}`;
    const hint = err.code === 'EADDRINUSE' ? ' (another process holds the port: pick another one, or stop it)' : '';
    throw new ServiceError('HOLDFAST_E_LISTEN', `cannot listen on ${where}: ${err.message}${hint}`, undefined, { cause: err });
  });
  if (inherited.length && o.inheritSocket === 'auto') forgetInheritedSockets();
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  const host =
    typeof addr === 'object' && addr
      ? addr.family === 'IPv6'
        ? `[${addr.address}]`
        : addr.address === '0.0.0.0'
          ? '127.0.0.1'
          : addr.address
      : o.host;
  let adminUrl: string | undefined;
  if (core.admin && o.admin) {
    await core.admin.listen({ port: o.admin.port, host: o.admin.host });
    const a = core.admin.server.address();
    adminUrl = `http://${o.admin.host}:${typeof a === 'object' && a ? a.port : o.admin.port}`;
  }
  return { url: `http://${host}:${port}`, port, adminUrl, inheritedFd: inherited[0]?.fd };
}
