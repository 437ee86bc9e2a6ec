// The `incidents:` section's schema in the supervisor config: insight's own validator (hand
// written, dependency-free) inside zod, so its issues come out with file, line and column like
// every other config error. Runs in the config-loading child, never in the daemon.
import { incidentsJsonSchema, validateIncidentsConfig, type IncidentsConfig } from '@holdfast/insight/incidents';
import { z } from 'zod';

export const incidentsConfigSchema = z
  .unknown()
  .transform((v, ctx): IncidentsConfig => {
    const r = validateIncidentsConfig(v);
    if (r.ok) return r.config;
    for (const i of r.issues)
      ctx.addIssue({ code: 'custom', path: i.path, message: i.hint ? `${i.message} (${i.hint})` : i.message, input: v });
    return z.NEVER;
  })
  // Editors see the shape through the exported JSON Schema.
  .meta(incidentsJsonSchema as unknown as Record<string, unknown>);
