// Every dependency of one service: one guard holding a breaker rule per dependency (rules are
// swapped as a whole, so each new dependency reloads the full set), one set of metric families,
// and the shared Redis level when the service has one.
import { createGuard, type BreakerRule, type Guard } from '@holdfast/guard';
import { registerGuardMetrics } from '@holdfast/guard/prometheus';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { ServiceOptionsError } from '../errors.ts';
import type { RemoteStore } from '../redis/store.ts';
import { Dependency } from './dependency.ts';
import { DependencyMetrics } from './metrics.ts';
import { DEFAULT_BREAKER, DEFAULT_DEPENDENCY_TIMEOUT_MS, resolveDependencyOptions, type DependencyOptions } from './options.ts';

export class DependencySet {
  readonly #deps = new Map<string, Dependency<any, any>>();
  readonly #rules: BreakerRule[] = [];
  readonly #logger: Logger;
  readonly #registry: Registry | undefined;
  readonly #remote: () => RemoteStore | undefined;
  #metrics: DependencyMetrics | undefined;
  #guard: Guard | undefined;

  constructor(ctx: { logger: Logger; registry: Registry | undefined; remote: () => RemoteStore | undefined }) {
    this.#logger = ctx.logger;
    this.#registry = ctx.registry;
    this.#remote = ctx.remote;
  }

  /** The guard holding the dependencies' breakers (created with the first dependency). */
  get guard(): Guard | undefined {
    return this.#guard;
  }

  get(name: string): Dependency<unknown, unknown> | undefined {
    return this.#deps.get(name);
  }

  add<K, V>(name: string, input: DependencyOptions<K, V>): Dependency<K, V> {
    const o = resolveDependencyOptions(name, input);
    if (this.#deps.has(name))
      throw new ServiceOptionsError([
        { option: `dependency('${name}')`, message: 'a dependency with this name is already declared; declare it once and share it' },
      ]);
    if (o.timeoutDefaulted) {
      this.#logger.warn(
        { dependency: name, timeoutMs: DEFAULT_DEPENDENCY_TIMEOUT_MS },
        `dependency ` +
          `'${name}' has no timeoutMs: ` +
          `using ${DEFAULT_DEPENDENCY_TIMEOUT_MS} ms. Set timeoutMs to what the ` +
          `upstream needs; an unbounded call is how one slow dependency hangs a service`,
      );
    }
    if (!this.#metrics) this.#metrics = new DependencyMetrics(this.#registry);
    if (o.breaker) {
      const rule = { ...DEFAULT_BREAKER, ...o.breaker, id: `dependency:${name}`, resource: `dependency:${name}` } as BreakerRule;
      this.#guard ??= this.#createGuard();
      try {
        this.#guard.loadRules({ breakers: [...this.#rules, rule] });
      } catch (err) {
        throw new ServiceOptionsError([
          { option: `dependency('${name}').breaker`, message: err instanceof Error ? err.message : String(err) },
        ]);
      }
      this.#rules.push(rule);
    }
    const dep = new Dependency<K, V>(name, o, {
      guard: this.#guard,
      remote: this.#remote(),
      metrics: this.#metrics.bind(name),
      logger: this.#logger,
    });
    this.#deps.set(name, dep);
    return dep;
  }

  #createGuard(): Guard {
    const log = this.#logger;
    const guard = createGuard({
      logger: {
        info: (o: object, m: string) => log.debug(o, m),
        warn: (o: object, m: string) => log.warn(o, m),
        error: (o: object, m: string) => log.error(o, m),
      },
    });
    if (this.#registry) registerGuardMetrics(guard, this.#registry, { prefix: 'holdfast_dependency_guard_' });
    return guard;
  }

  close(): void {
    this.#guard?.close();
  }
}
