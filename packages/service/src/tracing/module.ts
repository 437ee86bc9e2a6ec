// The `tracing` module. Tracing itself starts in the `--import @holdfast/service/tracing` preload,
// before the app loads; this module adds trace ids to log lines, checks at start that the
// instrumentations really are in place (`tracing.bootCheck`), and flushes spans at shutdown.
import { ServiceError } from '../errors.ts';
import type { ServiceModule } from '../module.ts';
import { inspectInstrumentation, selfTest } from './boot-check.ts';
import { traceLogMixin } from './log-mixin.ts';
import { tracingState } from './state.ts';

export const tracingModule: ServiceModule<'tracing'> = {
  name: 'tracing',
  dependencies: ['redis'],
  logMixin: (o) => (tracingState() && o.tracing.logIds ? traceLogMixin : undefined),
  install(ctx) {
    const o = ctx.options;
    const tracing = tracingState();
    // Spans still buffered go out before exit.
    if (tracing) ctx.onShutdown('tracing', () => tracing.shutdown(), { timeoutMs: 2000 });
    const checkIoredis = ctx.use('redis') !== undefined;
    return {
      api: undefined,
      async beforeListen() {
        const mode = o.tracing.bootCheck;
        if (mode === 'off') return;
        if (!tracing) {
          if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
            ctx.logger.warn(
              'OTEL_EXPORTER_OTLP_ENDPOINT is set but tracing was not preloaded: no spans will be exported. Start ' +
                'with `node --import @holdfast/service/tracing app.ts`',
            );
          }
          return;
        }
        const report = inspectInstrumentation({ hasFastifyPlugin: ctx.app.hasPlugin('@fastify/otel'), checkIoredis });
        const problems = report.problems.concat(report.problems.length ? [] : await selfTest(tracing));
        if (problems.length === 0) {
          ctx.logger.info(
            { tracing: { exporter: tracing.exporter, instrumented: report.instrumented } },
            `tracing: ${report.instrumented.join(', ')} instrumented; exporting to ${tracing.exporter}`,
          );
          return;
        }
        const message =
          `tracing is preloaded but not in place:\n` +
          `  ${problems.join('\n  ')}\nStart the process with ` +
          `\`node --import @holdfast/service/tracing <app>\` (not an import inside the app), so the SDK patches ` +
          `modules before anything loads them; set tracing.bootCheck: 'warn' to start anyway.`;
        if (mode === 'warn') ctx.logger.warn({ problems }, message);
        else throw new ServiceError('HOLDFAST_E_TRACING', message);
      },
    };
  },
};
