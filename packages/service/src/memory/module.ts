// The `memory` module: GC pauses, the post-GC heap trend (`leak_suspected`), heap captures on
// demand (the admin routes behind the admin token, and a signal).
import type { Logger } from 'pino';
import type { ServiceModule } from '../module.ts';
import { installMemoryAdmin } from './admin-routes.ts';
import { MemoryForensics } from './forensics.ts';
import { HEAP_SHARE, heapFit } from './heap-fit.ts';

export const memoryModule: ServiceModule<'memory'> = {
  name: 'memory',
  dependencies: ['metrics'],
  install(ctx) {
    const o = ctx.options;
    const memory = new MemoryForensics(o.memory, { logger: ctx.logger, registry: ctx.use('metrics').registry, serviceName: o.name });
    installMemoryAdmin(ctx.adminApp, memory, o.adminToken);
    ctx.onShutdown('memory-forensics', () => memory.stop(), { timeoutMs: 500 });
    return {
      api: memory,
      beforeListen() {
        memory.start();
        if (o.memory.heapFit === 'warn') reportHeapFit(ctx.logger);
      },
    };
  },
};

const mib = (n: number) => Math.round(n / 2 ** 20);

function reportHeapFit(log: Logger): void {
  const fit = heapFit();
  if (!fit.limit) return;
  const memory = { limitBytes: fit.limit.bytes, limitSource: fit.limit.source, heapLimitBytes: fit.heapLimitBytes };
  if (fit.fits) {
    log.info(
      { memory },
      `memory limit ${mib(fit.limit.bytes)} MiB; the V8 heap may grow to ${mib(fit.heapLimitBytes)} MiB (within ${HEAP_SHARE * 100} %)`,
    );
    return;
  }
  log.warn(
    { memory, suggestedNodeOptions: fit.suggestedNodeOptions },
    `the V8 heap may grow ` +
      `to ${mib(fit.heapLimitBytes)} MiB, but this process may ` +
      `use ${mib(fit.limit.bytes)} MiB ` +
      (`(${fit.limit.source}): the kernel would kill it (SIGKILL: no drain, no heap error) before V8 ran out of heap. ` +
        `Start it with NODE_OPTIONS='${fit.suggestedNodeOptions}' to keep the heap within ${HEAP_SHARE * 100} % of the limit`),
  );
}
