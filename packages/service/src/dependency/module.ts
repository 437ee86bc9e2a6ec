// The `dependency` module: `service.dependency(name, options)` declares an outbound dependency
// (timeout, retry budget, breaker, single-flight, stale-if-error cache, fallback); the shared
// cache level is the `redis` module's store when Redis is configured.
import type { ServiceModule } from '../module.ts';
import { DependencySet } from './set.ts';

export const dependencyModule: ServiceModule<'dependency'> = {
  name: 'dependency',
  dependencies: ['metrics', 'redis'],
  install(ctx) {
    const redis = ctx.use('redis');
    const deps = new DependencySet({ logger: ctx.logger, registry: ctx.use('metrics').registry, remote: () => redis?.store });
    ctx.onShutdown('dependencies', () => deps.close(), { timeoutMs: 500 });
    return { api: deps };
  },
};
