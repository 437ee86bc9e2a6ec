// The one contract every feature of a service is installed through, in the manner of Fastify's
// plugins with declared dependencies: a module names the modules whose API it uses, gets a
// context (options, logger, the app and the admin app for its routes, the lifecycle, shutdown
// hooks), and returns its API plus the steps it takes at start and stop. Its options live beside
// it (`<module>/options.ts`); the core (service.ts) knows only this contract and the order.
import type { Logger } from 'pino';
import type { DependencySet } from './dependency/set.ts';
import { ServiceError } from './errors.ts';
import type { FastifyInstance } from './fastify.ts';
import type { HealthModuleApi } from './health/module.ts';
import type { LifecycleState } from './lifecycle.ts';
import type { LocksApi } from './lock/module.ts';
import type { MemoryForensics } from './memory/forensics.ts';
import type { MetricsModuleApi } from './metrics/module.ts';
import type { ResolvedOptions } from './options.ts';
import type { RedisIntegration } from './redis/module.ts';
import type { ShutdownHook } from './shutdown/hooks.ts';

/** What each module gives the modules that depend on it (and the core). */
export interface ModuleApis {
  metrics: MetricsModuleApi;
  health: HealthModuleApi;
  recovery: void;
  redis: RedisIntegration | undefined;
  dependency: DependencySet;
  memory: MemoryForensics;
  tracing: void;
  notify: void;
  locks: LocksApi;
}
export type ModuleName = keyof ModuleApis;

/** The lifecycle as a module sees it: read-only, with change notifications. */
export interface LifecycleView {
  state(): LifecycleState;
  /** Has been READY (or DEGRADED) once. */
  started(): boolean;
  /** Whether a load balancer should send traffic here now. */
  ready(): boolean;
  /** Called on every state change. */
  onChange(fn: (state: LifecycleState, previous: LifecycleState) => void): void;
}

/** Plugs request counting into the per-request observation (one sink; it runs on every request). */
export interface RequestMetricsSink {
  observe(method: string, route: string, status: number, seconds: number): void;
}

export interface ModuleContext {
  readonly options: ResolvedOptions;
  readonly logger: Logger;
  /** The application's Fastify instance. */
  readonly app: FastifyInstance;
  /** Where probes, metrics and admin routes go: the admin app when `admin` is set, else `app`. */
  readonly adminApp: FastifyInstance;
  readonly lifecycle: LifecycleView;
  readonly server: {
    /** Requests being served right now. */
    inFlight(): number;
    countRequests(sink: RequestMetricsSink): void;
  };
  /** Cleanup run during shutdown, in reverse registration order, under its own timeout. */
  onShutdown(name: string, fn: ShutdownHook, options?: { timeoutMs?: number }): void;
  /** The API of a module this one declared in `dependencies`. */
  use<D extends ModuleName>(name: D): ModuleApis[D];
}

export interface InstalledModule<Api> {
  readonly api: Api;
  /** After the app is ready, before the server listens; throwing refuses the start. */
  beforeListen?(): Promise<void> | void;
  /** Once the server listens. */
  listening?(): void;
  /** After the requests in flight have finished, before the shutdown hooks: stop background work. */
  quiesce?(): void;
}

export interface ServiceModule<N extends ModuleName> {
  readonly name: N;
  /** Modules whose API `install` uses; they must be installed first. */
  readonly dependencies: readonly ModuleName[];
  /** Fields the module adds to every log line; asked once, before the logger exists. */
  logMixin?(options: ResolvedOptions): (() => object) | undefined;
  install(ctx: ModuleContext): InstalledModule<ModuleApis[N]>;
}

/** Any module of the list, whatever its name. */
export type AnyModule = { [N in ModuleName]: ServiceModule<N> }[ModuleName];

export interface InstalledModules {
  readonly apis: ModuleApis;
  beforeListen(): Promise<void>;
  listening(): void;
  quiesce(): void;
}

/** The modules' log mixins and the user's, in one; the user's fields win. Undefined if none. */
export function combinedLogMixin(
  modules: readonly AnyModule[],
  options: ResolvedOptions,
  user: (() => object) | undefined,
): (() => object) | undefined {
  const all = modules.map((m) => m.logMixin?.(options)).filter((f) => f !== undefined);
  if (user) all.push(user);
  if (all.length <= 1) return all[0];
  return () => Object.assign({}, ...all.map((f) => f()));
}

/**
 * Installs `modules` in order. A module whose dependency is missing or comes later, or that uses
 * a module it did not declare, is a bug in the list: it fails at once, naming both.
 */
export function installModules(modules: readonly AnyModule[], base: Omit<ModuleContext, 'use'>): InstalledModules {
  const apis: Partial<ModuleApis> = {};
  const installed = new Set<ModuleName>();
  const steps: InstalledModule<unknown>[] = [];
  for (const module of modules) {
    for (const dep of module.dependencies) {
      if (!installed.has(dep))
        throw new ServiceError(
          'HOLDFAST_E_INTERNAL',
          `service module '${module.name}' depends on '${dep}', which is not installed before it`,
        );
    }
    const use = <D extends ModuleName>(name: D): ModuleApis[D] => {
      if (!module.dependencies.includes(name))
        throw new ServiceError(
          'HOLDFAST_E_INTERNAL',
          `service module '${module.name}' uses '${name}' without declaring it in its dependencies`,
        );
      return apis[name] as ModuleApis[D];
    };
    const done = install(module, { ...base, use });
    Object.assign(apis, { [module.name]: done.api });
    installed.add(module.name);
    steps.push(done);
  }
  return {
    apis: apis as ModuleApis,
    async beforeListen() {
      for (const s of steps) await s.beforeListen?.();
    },
    listening() {
      for (const s of steps) s.listening?.();
    },
    quiesce() {
      for (const s of steps) s.quiesce?.();
    },
  };
}

function install<N extends ModuleName>(module: ServiceModule<N>, ctx: ModuleContext): InstalledModule<ModuleApis[N]> {
  return module.install(ctx);
}
