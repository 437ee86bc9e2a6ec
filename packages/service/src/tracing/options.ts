// The `tracing` option of createService. Tracing itself starts in the `--import` preload (before
// the app loads); here the service decides what to do when that did not work.
import { z } from 'zod';

export const tracingOptionsSchema = z.strictObject({
  /**
   * What start() does when the preload ran but an instrumentation is not in place (a module
   * loaded before the SDK, or through a loader that bypassed it): 'error' fails start(),
   * 'warn' logs, 'off' skips the check.
   */
  bootCheck: z.enum(['error', 'warn', 'off']).default('error'),
  /** Add trace_id/span_id of the active span to every log line. */
  logIds: z.boolean().default(true),
});

export type TracingOptions = z.output<typeof tracingOptionsSchema>;

export const tracingOptionsShape = { tracing: tracingOptionsSchema.prefault({}) };
