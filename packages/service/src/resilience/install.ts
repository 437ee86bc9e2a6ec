// Wires degradation, tracing and memory forensics into a service: the Redis client and its
// health check, the dependency set, the memory forensics and their admin routes, the tracing boot
// check. service.ts calls installResilience() once in its constructor and start() once at start.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { FastifyInstance } from '../fastify.ts';
import { ServiceError } from '../errors.ts';
import type { CheckFn, CheckOptions } from '../health/checks.ts';
import type { Dependency } from '../dependency/dependency.ts';
import type { DependencyOptions } from '../dependency/options.ts';
import { DependencySet } from '../dependency/set.ts';
import { installMemoryAdmin } from '../memory/admin-routes.ts';
import { MemoryForensics } from '../memory/forensics.ts';
import type { ResolvedOptions } from '../options.ts';
import { installRedis, type RedisIntegration } from '../redis/integration.ts';
import { inspectInstrumentation, selfTest } from '../tracing/boot-check.ts';
import { tracingState } from '../tracing/state.ts';

export interface Resilience {
  readonly redis: Redis | undefined;
  readonly memory: MemoryForensics;
  dependency<K, V>(name: string, options: DependencyOptions<K, V>): Dependency<K, V>;
  /** At start(): the tracing boot check, the GC observer and the capture signal. */
  start(app: FastifyInstance): Promise<void>;
}

export function installResilience(ctx: {
  options: ResolvedOptions;
  logger: Logger;
  registry: Registry | undefined;
  adminApp: FastifyInstance;
  registerCheck: (name: string, fn: CheckFn, options: CheckOptions) => void;
  onShutdown: (name: string, fn: () => Promise<void> | void, options: { timeoutMs: number }) => void;
}): Resilience {
  const o = ctx.options;
  let redis: RedisIntegration | undefined;
  if (o.redis) redis = installRedis(o.redis, { logger: ctx.logger, registry: ctx.registry, register: ctx.registerCheck, onShutdown: ctx.onShutdown });
  const deps = new DependencySet({ logger: ctx.logger, registry: ctx.registry, remote: () => redis?.store });
  const memory = new MemoryForensics(o.memory, { logger: ctx.logger, registry: ctx.registry, serviceName: o.name });
  installMemoryAdmin(ctx.adminApp, memory, o.adminToken);
  ctx.onShutdown('memory-forensics', () => memory.stop(), { timeoutMs: 500 });
  ctx.onShutdown('dependencies', () => deps.close(), { timeoutMs: 500 });
  const tracing = tracingState();
  // Spans still buffered go out before exit; registered first, so it runs after the other hooks.
  if (tracing) ctx.onShutdown('tracing', () => tracing.shutdown(), { timeoutMs: 2000 });

  return {
    redis: redis?.client,
    memory,
    dependency: (name, options) => deps.add(name, options),
    async start(app) {
      memory.start();
      const mode = o.tracing.bootCheck;
      if (mode === 'off') return;
      if (!tracing) {
        if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
          ctx.logger.warn('OTEL_EXPORTER_OTLP_ENDPOINT is set but tracing was not preloaded: no spans will be exported. Start with `node --import @holdfast/service/tracing app.ts`');
        }
        return;
      }
      const report = inspectInstrumentation({ hasFastifyPlugin: app.hasPlugin('@fastify/otel'), checkIoredis: redis !== undefined });
      const problems = report.problems.concat(report.problems.length ? [] : await selfTest(tracing));
      if (problems.length === 0) {
        ctx.logger.info({ tracing: { exporter: tracing.exporter, instrumented: report.instrumented } }, `tracing: ${report.instrumented.join(', ')} instrumented; exporting to ${tracing.exporter}`);
        return;
      }
      const message = `tracing is preloaded but not in place:\n  ${problems.join('\n  ')}\nStart the process with \`node --import @holdfast/service/tracing <app>\` (not an import inside the app), so the SDK patches modules before anything loads them; set tracing.bootCheck: 'warn' to start anyway.`;
      if (mode === 'warn') ctx.logger.warn({ problems }, message);
      else throw new ServiceError('HOLDFAST_E_TRACING', message);
    },
  };
}
