// Every shop service protects its routes with the same rules file (guard-rules.yaml, or
// SHOP_GUARD_RULES), hot-reloaded on change, with the guard's metrics on /metrics.
import { fileURLToPath } from 'node:url';
import { guardPlugin } from '@holdfast/guard/fastify';
import { registerGuardMetrics } from '@holdfast/guard/prometheus';
import type { Service } from '@holdfast/service';

export const defaultRulesFile = fileURLToPath(new URL('../guard-rules.yaml', import.meta.url));

export async function protect(service: Service, key?: (req: { params: unknown }) => unknown): Promise<void> {
  await service.app.register(guardPlugin, {
    rulesFile: process.env.SHOP_GUARD_RULES || defaultRulesFile,
    ...(key ? { key: (req) => key(req as { params: unknown }) } : {}),
  });
  if (service.registry) registerGuardMetrics(service.app.guard, service.registry);
}
