// The feature modules a service installs, in installation order: each after the modules it
// depends on (module.ts is the contract they share).
import type { AnyModule } from './module.ts';
import { dependencyModule } from './dependency/module.ts';
import { healthModule } from './health/module.ts';
import { locksModule } from './lock/module.ts';
import { memoryModule } from './memory/module.ts';
import { metricsModule } from './metrics/module.ts';
import { notifyModule } from './notify/module.ts';
import { recoveryModule } from './http/recovery.ts';
import { redisModule } from './redis/module.ts';
import { tracingModule } from './tracing/module.ts';

export const MODULES: readonly AnyModule[] = [
  metricsModule,
  healthModule,
  recoveryModule,
  redisModule,
  memoryModule,
  dependencyModule,
  tracingModule,
  notifyModule,
  locksModule,
];
