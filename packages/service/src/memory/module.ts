// The `memory` module: GC pauses, the post-GC heap trend (`leak_suspected`), heap captures on
// demand (the admin routes behind the admin token, and a signal).
import type { ServiceModule } from '../module.ts';
import { installMemoryAdmin } from './admin-routes.ts';
import { MemoryForensics } from './forensics.ts';

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
      },
    };
  },
};
