// createService: a Fastify app with the holdfast lifecycle around it. The pieces (checks,
// watchdog, connection tracking, drain, recovery, logs, metrics) live in their own modules;
// this file wires them and owns the state.
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import { Fastify, LogController, type FastifyInstance } from './fastify.ts';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { ServiceError } from './errors.ts';
import { HealthRegistry, type CheckFn, type CheckOptions, type CheckReport } from './health/checks.ts';
import { LoopMonitor } from './health/loop-monitor.ts';
import { installProbes } from './health/probes.ts';
import { ConnectionTracker } from './http/connections.ts';
import { forgetInheritedSockets, inheritedSockets } from './http/inherited-socket.ts';
import { recordRoutes, RequestObserver } from './http/observe.ts';
import { installRecovery } from './http/recovery.ts';
import { requestIdFrom } from './http/request-id.ts';
import { RequestIdResponse } from './http/response.ts';
import { applyFastifyServerOptions } from './http/server-options.ts';
import { acceptsTraffic, transition, type LifecycleEvent, type LifecycleState } from './lifecycle.ts';
import { lazyChildLoggerFactory } from './logging/lazy-child.ts';
import { createLogger } from './logging/logger.ts';
import { RequestLineWriter } from './logging/request-line.ts';
import { HttpMetrics } from './metrics/http-metrics.ts';
import { resolveOptions, type ResolvedOptions, type ServiceOptions } from './options.ts';
import { drain, type StopReport } from './shutdown/drain.ts';
import type { RegisteredHook, ShutdownHook } from './shutdown/hooks.ts';
// --- degradation, tracing, memory forensics (issue 6: src/resilience, src/dependency, src/redis, src/tracing, src/memory) ---
import type { Redis } from 'ioredis';
import type { Dependency } from './dependency/dependency.ts';
import type { DependencyOptions } from './dependency/options.ts';
import type { MemoryApi } from './memory/forensics.ts';
import { installResilience, type Resilience } from './resilience/install.ts';
import { withTraceIds } from './tracing/log-mixin.ts';
import { tracingState } from './tracing/state.ts';
// --- end ---
// --- readiness notice to the supervisor (issue 5: src/notify) ---
import { installReadyNotification } from './notify/supervisor-notify.ts';
// --- end ---

export interface HealthApi {
  register(name: string, fn: CheckFn, options?: CheckOptions): void;
  /** The last verdict of every check. */
  checks(): Record<string, CheckReport>;
  live(): boolean;
  ready(): boolean;
}

export interface ServiceEvents {
  state: [state: LifecycleState, previous: LifecycleState];
  stopped: [report: StopReport];
}

export interface Service extends EventEmitter<ServiceEvents> {
  /** The Fastify instance: add routes and plugins here before start(). */
  readonly app: FastifyInstance;
  readonly state: LifecycleState;
  readonly health: HealthApi;
  readonly logger: Logger;
  /** The Prometheus registry served at /metrics; register your own metrics on it. */
  readonly registry: Registry | undefined;
  readonly options: ResolvedOptions;
  /** Where the main server listens (after start()). */
  readonly url: string;
  readonly port: number;
  readonly adminUrl: string | undefined;
  start(): Promise<{ url: string; port: number }>;
  /** Drains gracefully; resolves with the per-phase report. Never exits the process itself. */
  stop(reason?: string): Promise<StopReport>;
  /** Registers cleanup to run during shutdown, in reverse registration order. */
  onShutdown(name: string, fn: ShutdownHook, options?: { timeoutMs?: number }): void;
  // --- degradation, tracing, memory forensics ---
  /** Declares an outbound dependency: timeout, retry budget, breaker, single-flight, stale-if-error cache, fallback. */
  dependency<K, V>(name: string, options: DependencyOptions<K, V>): Dependency<K, V>;
  /** The fail-fast Redis client (when `redis` or REDIS_URL is set). */
  readonly redis: Redis | undefined;
  /** Heap-growth detection (`leak_suspected`) and safe heap captures. */
  readonly memory: MemoryApi;
  // --- end ---
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGINT: 2, SIGTERM: 15 };

class HoldfastService extends EventEmitter<ServiceEvents> implements Service {
  readonly app: FastifyInstance;
  readonly options: ResolvedOptions;
  readonly logger: Logger;
  readonly registry: Registry | undefined;
  readonly health: HealthApi;
  readonly #flushLogs: () => void;
  readonly #flushLogsAsync: (timeoutMs: number) => Promise<void>;
  readonly #checks = new HealthRegistry();
  readonly #monitor: LoopMonitor;
  readonly #metrics: HttpMetrics | undefined;
  readonly #server: Server;
  readonly #tracker: ConnectionTracker;
  readonly #admin: FastifyInstance | undefined;
  readonly #hooks: RegisteredHook[] = [];
  #state: LifecycleState = 'STARTING';
  #started = false;
  #listening = false;
  #stopping: Promise<StopReport> | undefined;
  #port = 0;
  #adminUrl: string | undefined;
  #host = '';
  #processHandlers: [string, (...args: any[]) => void][] = [];
  #fatalDuringStop = false;
  readonly #resilience: Resilience;

  constructor(input: ServiceOptions | undefined) {
    super();
    const o = (this.options = resolveOptions(input));
    const mixin = tracingState() && o.tracing.logIds ? withTraceIds(o.logger.mixin as (() => object) | undefined) : (o.logger.mixin as (() => object) | undefined);
    const log = createLogger({ name: o.name, level: o.logger.level, destination: o.logger.destination, mixin });
    this.logger = log.logger;
    this.#flushLogs = log.flushSync;
    this.#flushLogsAsync = log.flush;
    this.#metrics = o.metrics.enabled ? new HttpMetrics({ service: o.name, buckets: o.metrics.buckets, defaultMetrics: o.metrics.defaultMetrics }) : undefined;
    this.registry = this.#metrics?.registry;
    this.#monitor = new LoopMonitor({ ...o.watchdog, onSample: this.#metrics ? (ms) => this.#metrics!.observeLoopDelay(ms) : undefined });

    // The request line and request metrics, taken when each response closes (http/observe.ts).
    const quiet = new Set([o.probes.livez, o.probes.readyz, o.probes.startupz, o.probes.metrics]);
    // The request line takes the fast path unless something must see every line (a mixin adding
    // trace ids) or info lines are not written at all.
    const fastLines = mixin === undefined && this.logger.isLevelEnabled('info') ? new RequestLineWriter(log.destination, log.base) : undefined;
    const observer = new RequestObserver({ metrics: this.#metrics, logRequests: o.logger.requests, logProbes: o.logger.logProbes, quietPaths: quiet, lineWriter: fastLines, logger: this.logger });
    let tracker: ConnectionTracker | undefined;
    let server: Server | undefined;
    this.app = Fastify({
      // Reject unknown body fields instead of silently dropping them (Fastify's default strips
      // them), so `additionalProperties: false` means what it says: bad input gets a 400.
      ajv: { customOptions: { removeAdditional: false } },
      ...o.fastify,
      loggerInstance: this.logger,
      // holdfast writes its own single line per request (see http/observe.ts).
      logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
      // Most requests never log through their own logger: create it on first use.
      childLoggerFactory: lazyChildLoggerFactory as never,
      genReqId: (req) => (req as { holdfastRequestId?: string }).holdfastRequestId ?? requestIdFrom(req),
      forceCloseConnections: false,
      return503OnClosing: false,
      serverFactory: (handler, opts) => {
        server = createServer({ ServerResponse: RequestIdResponse }, (req, res) => {
          tracker!.onRequest(req, res);
          // Echoed by the response class when the head is written (see http/response.ts):
          // cheaper than a setHeader() here or a Fastify hook.
          res.holdfastRequestId = requestIdFrom(req);
          handler(req, res);
        });
        // What Fastify applies to a server it creates itself, and would skip for ours: its
        // keep-alive timeout (72 s, longer than the common 60 s load-balancer idle timeout, so
        // the balancer, not the service, closes idle connections) and the request and
        // connection timeouts, including any the application set in `fastify` options.
        applyFastifyServerOptions(server, opts);
        tracker = new ConnectionTracker(server, (req, res, ms) => observer.observe(req, res, ms));
        return server;
      },
    }) as unknown as FastifyInstance;
    this.#server = server!;
    this.#tracker = tracker!;
    if (this.#metrics) {
      const t = this.#tracker;
      const gauge = this.#metrics.inFlight;
      // Read at scrape time instead of inc/dec on every request.
      (gauge as unknown as { collect: () => void }).collect = () => gauge.set(t.inFlight);
    }

    recordRoutes(this.app, (o.fastify as { trustProxy?: unknown } | undefined)?.trustProxy);
    installRecovery(this.app);

    const probeSource = {
      state: () => this.#state,
      started: () => this.#started,
      live: () => this.#monitor.live(),
      ready: () => this.#ready(),
      checks: () => this.#checks.reports(),
    };
    let probeApp = this.app;
    if (o.admin) {
      this.#admin = Fastify({ loggerInstance: this.logger, logController: new LogController({ disableRequestLogging: true }) }) as unknown as FastifyInstance;
      probeApp = this.#admin;
    }
    installProbes(probeApp, o.probes, probeSource);
    if (this.#metrics) {
      const registry = this.#metrics.registry;
      probeApp.get(o.probes.metrics, async (_req, reply) => reply.header('content-type', registry.contentType).send(await registry.metrics()));
    }

    this.#resilience = installResilience({
      options: o,
      logger: this.logger,
      registry: this.registry,
      adminApp: probeApp,
      registerCheck: (name, fn, opts) => this.#checks.register(name, fn, opts),
      onShutdown: (name, fn, opts) => this.onShutdown(name, fn, opts),
    });

    this.health = {
      register: (name, fn, opts) => this.#checks.register(name, fn, opts),
      checks: () => this.#checks.reports(),
      live: () => this.#monitor.live().ok,
      ready: () => this.#ready(),
    };
    this.#checks.on('change', (name, report) => {
      this.logger[report.status === 'pass' ? 'info' : 'warn']({ check: name, ...report }, `health check '${name}' is now ${report.status}`);
      this.#evaluate();
    });
    // issue 5: tell a supervisor (NOTIFY_FD or IPC) when this instance first turns READY.
    installReadyNotification(this as unknown as Parameters<typeof installReadyNotification>[0], this.logger);
  }

  get state(): LifecycleState {
    return this.#state;
  }
  get port(): number {
    return this.#port;
  }
  get url(): string {
    return `http://${this.#host}:${this.#port}`;
  }
  get adminUrl(): string | undefined {
    return this.#adminUrl;
  }
  get redis(): Redis | undefined {
    return this.#resilience.redis;
  }
  get memory(): MemoryApi {
    return this.#resilience.memory;
  }
  dependency<K, V>(name: string, options: DependencyOptions<K, V>): Dependency<K, V> {
    return this.#resilience.dependency(name, options);
  }

  #ready(): boolean {
    return acceptsTraffic(this.#state) && this.#checks.criticalOk();
  }

  #fire(event: LifecycleEvent): void {
    const next = transition(this.#state, event);
    if (next === undefined) return;
    const prev = this.#state;
    this.#state = next;
    if (next === 'READY' || next === 'DEGRADED') this.#started = true;
    this.#metrics?.setState(next);
    if (next !== prev) {
      this.logger.info({ state: next, previous: prev }, `lifecycle: ${prev} -> ${next}`);
      this.emit('state', next, prev);
    }
  }

  /** Moves the lifecycle after a check changed or the server started listening. */
  #evaluate(): void {
    if (!this.#listening) return;
    if (this.#state === 'STARTING' && this.#checks.criticalOk()) this.#fire('started');
    if (this.#state === 'READY' && this.#checks.anyDegraded()) this.#fire('degraded');
    else if (this.#state === 'DEGRADED' && !this.#checks.anyDegraded()) this.#fire('recovered');
  }

  onShutdown(name: string, fn: ShutdownHook, options: { timeoutMs?: number } = {}): void {
    if (typeof name !== 'string' || !name) throw new ServiceError('HOLDFAST_E_OPTIONS', 'onShutdown: name must be a non-empty string');
    if (typeof fn !== 'function') throw new ServiceError('HOLDFAST_E_OPTIONS', `onShutdown('${name}'): fn must be a function`);
    const timeoutMs = options.timeoutMs ?? this.options.hookTimeoutMs;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new ServiceError('HOLDFAST_E_OPTIONS', `onShutdown('${name}'): timeoutMs must be a positive number, got ${timeoutMs}`);
    this.#hooks.push({ name, fn, timeoutMs });
  }

  async start(): Promise<{ url: string; port: number }> {
    if (this.#listening || this.#stopping) throw new ServiceError('HOLDFAST_E_STATE', `start() called in state ${this.#state}; a service starts once`);
    const o = this.options;
    await this.app.ready();
    await this.#resilience.start(this.app);
    const inherited = o.inheritSocket === false ? [] : typeof o.inheritSocket === 'number' ? [{ fd: o.inheritSocket, name: undefined }] : inheritedSockets();
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      const done = () => {
        this.#server.off('error', reject);
        resolve();
      };
      if (inherited[0]) this.#server.listen({ fd: inherited[0].fd }, done);
      else this.#server.listen(o.port, o.host, done);
    }).catch((err: NodeJS.ErrnoException) => {
      const where = inherited[0] ? `inherited fd ${inherited[0].fd}` : `${o.host}:${o.port}`;
      const hint = err.code === 'EADDRINUSE' ? ' (another process holds the port: pick another one, or stop it)' : '';
      throw new ServiceError('HOLDFAST_E_LISTEN', `cannot listen on ${where}: ${err.message}${hint}`, undefined, { cause: err });
    });
    if (inherited.length && o.inheritSocket === 'auto') forgetInheritedSockets();
    const addr = this.#server.address();
    this.#port = typeof addr === 'object' && addr ? addr.port : o.port;
    this.#host = typeof addr === 'object' && addr ? (addr.family === 'IPv6' ? `[${addr.address}]` : addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address) : o.host;
    if (this.#admin && o.admin) {
      await this.#admin.listen({ port: o.admin.port, host: o.admin.host });
      const a = this.#admin.server.address();
      this.#adminUrl = `http://${o.admin.host}:${typeof a === 'object' && a ? a.port : o.admin.port}`;
    }
    this.#listening = true;
    this.#installProcessHandlers();
    this.#monitor.start();
    this.#checks.start();
    this.logger.info({ url: this.url, admin: this.#adminUrl, inheritedFd: inherited[0]?.fd }, `listening on ${this.url}`);
    this.#evaluate();
    return { url: this.url, port: this.#port };
  }

  stop(reason = 'stop() called', exitCode = 0): Promise<StopReport> {
    if (this.#stopping) return this.#stopping;
    // The stop promise never rejects: a bug in a phase must still end in an exit code and a
    // log line, never in an unhandled rejection that re-enters the fatal-error handler.
    this.#stopping = this.#runStop(reason, exitCode).catch((err: unknown) => {
      this.logger.fatal({ err }, 'shutdown failed unexpectedly; exiting non-zero');
      this.#flushLogs();
      const report: StopReport = { reason, ok: false, exitCode: Math.max(1, exitCode), phases: { unready: 0, close: 0, hooks: 0, app: 0, total: 0 }, pendingRequests: [], hooks: [] };
      this.emit('stopped', report);
      return report;
    });
    return this.#stopping;
  }

  async #runStop(reason: string, exitCode: number): Promise<StopReport> {
    if (!this.#listening) {
      // Never started listening: nothing to drain.
      this.#fire('stopped');
      this.#checks.stop();
      await this.app.close();
      const report: StopReport = { reason, ok: true, exitCode, phases: { unready: 0, close: 0, hooks: 0, app: 0, total: 0 }, pendingRequests: [], hooks: [] };
      this.emit('stopped', report);
      return report;
    }
    const report = await drain({
      reason,
      exitCode,
      graceMs: this.options.terminationGracePeriodMs,
      delayMs: this.options.shutdownDelayMs,
      keepAliveGraceMs: this.options.keepAliveGraceMs,
      servers: [this.#server],
      tracker: this.#tracker,
      hooks: this.#hooks,
      log: this.logger,
      onPhase: (phase) => this.#fire(phase === 'unready' ? 'drain' : 'close'),
      closeApp: async () => {
        await this.app.close();
        await this.#admin?.close();
      },
      stopBackground: () => {
        this.#checks.stop();
        this.#monitor.stop();
      },
    });
    this.#fire('stopped');
    this.#removeProcessHandlers();
    // Logs last, and fully: every line of the drain reaches its file or pipe before exit.
    await this.#flushLogsAsync(1000);
    this.emit('stopped', report);
    return report;
  }

  #installProcessHandlers(): void {
    const o = this.options;
    const on = (event: string, fn: (...args: any[]) => void) => {
      process.on(event, fn);
      this.#processHandlers.push([event, fn]);
    };
    if (o.handleSignals) {
      for (const sig of ['SIGTERM', 'SIGINT'] as const) {
        on(sig, () => {
          if (this.#stopping) {
            this.logger.warn({ signal: sig }, `second ${sig} during shutdown: exiting now`);
            this.#flushLogs();
            process.exit(128 + (SIGNAL_NUMBERS[sig] ?? 0));
          }
          void this.stop(sig).then((r) => process.exit(this.#fatalDuringStop ? Math.max(1, r.exitCode) : r.exitCode));
        });
      }
    }
    if (o.handleProcessErrors) {
      const fatal = (kind: string) => (err: unknown) => {
        if (this.#stopping) {
          // Already shutting down: record it; the drain in progress finishes, and the exit is
          // non-zero.
          this.#fatalDuringStop = true;
          this.logger.fatal({ err }, `${kind} during shutdown`);
          return;
        }
        this.logger.fatal({ err }, `${kind}: draining, then exiting non-zero`);
        void this.stop(kind, 1).then((r) => process.exit(Math.max(1, r.exitCode)));
      };
      on('uncaughtException', fatal('uncaughtException'));
      on('unhandledRejection', fatal('unhandledRejection'));
    }
  }

  #removeProcessHandlers(): void {
    // Signal handlers stay until exit so a second signal still forces it; error handlers too,
    // so a late error is still logged. Only a stop() that will not exit removes them.
    if (this.options.handleSignals || this.options.handleProcessErrors) return;
    for (const [event, fn] of this.#processHandlers) process.off(event, fn);
    this.#processHandlers = [];
  }
}

/** Creates a service; throws ServiceOptionsError naming every invalid option. */
export function createService(options?: ServiceOptions): Service {
  return new HoldfastService(options);
}
