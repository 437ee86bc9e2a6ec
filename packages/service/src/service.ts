// createService: the lifecycle, the HTTP server and the drain. Every feature (checks and probes,
// metrics, recovery, Redis, dependencies, memory forensics, tracing, the supervisor notice) is a
// module installed through one contract (module.ts); this file owns the state and the order.
import { EventEmitter } from 'node:events';
import type { Service, ServiceEvents } from './api.ts';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Dependency } from './dependency/dependency.ts';
import type { DependencyOptions } from './dependency/options.ts';
import { ServiceError } from './errors.ts';
import type { FastifyInstance } from './fastify.ts';
import type { HealthApi } from './health/module.ts';
import { createHttpCore, listen, type HttpCore, type Listening } from './http/server.ts';
import { acceptsTraffic, transition, type LifecycleEvent, type LifecycleState } from './lifecycle.ts';
import { createLogger, type ServiceLogger } from './logging/logger.ts';
import type { MemoryApi } from './memory/forensics.ts';
import type { DistributedLock, DistributedLockOptions } from './lock/types.ts';
import type { LockObserver } from './concurrency/types.ts';
import { combinedLogMixin, installModules, type InstalledModules, type LifecycleView } from './module.ts';
import { MODULES } from './modules.ts';
import { resolveOptions, type ResolvedOptions, type ServiceOptions } from './options.ts';
import { ProcessHandlers } from './process-handlers.ts';
import { Reloader, type ReloadHook, type ReloadReport } from './reload.ts';
import { maxUnreadyMs } from './shutdown/budget.ts';
import { drain, emptyStopReport, type StopReport } from './shutdown/drain.ts';
import { validHook, type RegisteredHook, type ShutdownHook } from './shutdown/hooks.ts';
import { planUnready } from './shutdown/unready.ts';

class HoldfastService extends EventEmitter<ServiceEvents> implements Service {
  readonly app: FastifyInstance;
  readonly options: ResolvedOptions;
  readonly logger: Logger;
  readonly #log: ServiceLogger;
  readonly #http: HttpCore;
  readonly #modules: InstalledModules;
  readonly #hooks: RegisteredHook[] = [];
  readonly #process: ProcessHandlers;
  readonly #reloader: Reloader;
  /** The modules' lifecycle listeners: called before the 'state' event, whatever the app does with its listeners. */
  readonly #onState: ((state: LifecycleState, previous: LifecycleState) => void)[] = [];
  #state: LifecycleState = 'STARTING';
  #started = false;
  #stopping: Promise<StopReport> | undefined;
  /** Where the service listens, once it does. */
  #at: Listening | undefined;

  constructor(input: ServiceOptions | undefined) {
    super();
    const adjusted: string[] = [];
    const o = (this.options = resolveOptions(input, process.env, (m) => adjusted.push(m)));
    const mixin = combinedLogMixin(MODULES, o, o.logger.mixin);
    this.#log = createLogger({ name: o.name, level: o.logger.level, destination: o.logger.destination, mixin });
    this.logger = this.#log.logger;
    for (const m of adjusted) this.logger.warn(m);
    this.#http = createHttpCore(o, this.#log, mixin);
    this.app = this.#http.app;
    const lifecycle: LifecycleView = {
      state: () => this.#state,
      started: () => this.#started,
      ready: () => this.#ready(),
      onChange: (fn) => this.#onState.push(fn),
    };
    this.#modules = installModules(MODULES, {
      options: o,
      logger: this.logger,
      app: this.app,
      adminApp: this.#http.admin ?? this.app,
      lifecycle,
      server: this.#http.forModules,
      onShutdown: (name, fn, opts) => this.onShutdown(name, fn, opts),
    });
    this.#modules.apis.health.checks.on('change', () => this.#evaluate());
    this.#reloader = new Reloader(this.logger, () => this.#log.reopen());
    this.#process = new ProcessHandlers({
      ...o,
      logger: this.logger,
      stopping: () => this.#stopping !== undefined,
      stop: (reason, exitCode) => this.#stop(reason, exitCode),
      reload: (reason) => this.reload(reason),
      flushLogs: () => this.#log.flushSync(),
    });
  }

  get state(): LifecycleState {
    return this.#state;
  }
  get port(): number {
    return this.#at?.port ?? 0;
  }
  get url(): string {
    return this.#at?.url ?? 'http://:0';
  }
  get adminUrl(): string | undefined {
    return this.#at?.adminUrl;
  }
  get health(): HealthApi {
    return this.#modules.apis.health.public;
  }
  get registry(): Registry | undefined {
    return this.#modules.apis.metrics.registry;
  }
  get redis(): Redis | undefined {
    return this.#modules.apis.redis?.client;
  }
  get memory(): MemoryApi {
    return this.#modules.apis.memory;
  }
  lock(name: string, options: DistributedLockOptions): Promise<DistributedLock> {
    return this.#modules.apis.locks.lock(name, options);
  }
  get lockObserver(): LockObserver {
    return this.#modules.apis.locks.observer;
  }
  dependency<K, V>(name: string, options: DependencyOptions<K, V>): Dependency<K, V> {
    return this.#modules.apis.dependency.add(name, options);
  }

  #ready(): boolean {
    return acceptsTraffic(this.#state) && this.#modules.apis.health.checks.criticalOk();
  }

  #fire(event: LifecycleEvent): void {
    const next = transition(this.#state, event);
    if (next === undefined || next === this.#state) return;
    const prev = this.#state;
    this.#state = next;
    if (next === 'READY' || next === 'DEGRADED') this.#started = true;
    for (const fn of this.#onState) fn(next, prev);
    this.logger.info({ state: next, previous: prev }, `lifecycle: ${prev} -> ${next}`);
    this.emit('state', next, prev);
  }

  /** Moves the lifecycle after a check changed or the server started listening. */
  #evaluate(): void {
    if (this.#at === undefined) return;
    const checks = this.#modules.apis.health.checks;
    if (this.#state === 'STARTING' && checks.criticalOk()) this.#fire('started');
    if (this.#state === 'READY' && checks.anyDegraded()) this.#fire('degraded');
    else if (this.#state === 'DEGRADED' && !checks.anyDegraded()) this.#fire('recovered');
  }

  onShutdown(name: string, fn: ShutdownHook, options: { timeoutMs?: number } = {}): void {
    this.#hooks.push(validHook('onShutdown', name, fn, options.timeoutMs ?? this.options.hookTimeoutMs));
  }

  onReload(name: string, fn: ReloadHook, options: { timeoutMs?: number } = {}): void {
    this.#reloader.register(name, fn, options.timeoutMs ?? this.options.hookTimeoutMs);
  }

  reload(reason = 'reload() called'): Promise<ReloadReport> {
    return this.#reloader.run(reason);
  }

  async start(): Promise<{ url: string; port: number }> {
    if (this.#at !== undefined || this.#stopping)
      throw new ServiceError('HOLDFAST_E_STATE', `start() called in state ${this.#state}; a service starts once`);
    await this.app.ready();
    await this.#modules.beforeListen();
    const at = (this.#at = await listen(this.#http, this.options));
    this.#process.install();
    this.#modules.listening();
    this.logger.info({ url: at.url, admin: at.adminUrl, inheritedFd: at.inheritedFd }, `listening on ${this.url}`);
    this.#evaluate();
    return { url: at.url, port: at.port };
  }

  stop(reason = 'stop() called'): Promise<StopReport> {
    return this.#stop(reason, 0);
  }

  #stop(reason: string, exitCode: number): Promise<StopReport> {
    // The stop promise never rejects: a bug in a phase must still end in an exit code and a
    // log line, never in an unhandled rejection that re-enters the fatal-error handler.
    this.#stopping ??= this.#runStop(reason, exitCode).catch((err: unknown) => {
      this.logger.fatal({ err }, 'shutdown failed unexpectedly; exiting non-zero');
      this.#log.flushSync();
      const report = emptyStopReport(reason, false, Math.max(1, exitCode));
      this.emit('stopped', report);
      return report;
    });
    return this.#stopping;
  }

  async #runStop(reason: string, exitCode: number): Promise<StopReport> {
    if (this.#at === undefined) {
      // Never started listening: nothing to drain.
      this.#fire('stopped');
      this.#modules.quiesce();
      await this.app.close();
      const report = emptyStopReport(reason, true, exitCode);
      this.emit('stopped', report);
      return report;
    }
    const report = await drain({
      reason,
      exitCode,
      graceMs: this.options.terminationGracePeriodMs,
      unready: planUnready(
        {
          ...this.options,
          inheritedSocket: this.#at?.inheritedFd !== undefined,
          maxMs: maxUnreadyMs(this.options.terminationGracePeriodMs),
        },
        this.#modules.apis.health.pollers,
      ),
      keepAliveGraceMs: this.options.keepAliveGraceMs,
      servers: [this.#http.server],
      tracker: this.#http.tracker,
      hooks: this.#hooks,
      log: this.logger,
      onPhase: (phase) => this.#fire(phase === 'unready' ? 'drain' : 'close'),
      closeApp: async () => {
        await this.app.close();
        await this.#http.admin?.close();
      },
      stopBackground: () => this.#modules.quiesce(),
    });
    this.#fire('stopped');
    // Logs last, and fully: every line of the drain reaches its file or pipe before exit.
    await this.#log.flush(1000);
    this.emit('stopped', report);
    return report;
  }
}

/** Creates a service; throws ServiceOptionsError naming every invalid option. */
export function createService(options?: ServiceOptions): Service {
  return new HoldfastService(options);
}
