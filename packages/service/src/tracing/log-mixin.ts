// trace_id/span_id in log lines, read from the active span through @opentelemetry/api. No
// patching of pino (which ESM breaks): pino calls the mixin for each line, and the API's
// context lookup works wherever the span's context is active.
import { isSpanContextValid, trace } from '@opentelemetry/api';

export function traceLogMixin(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const ctx = span.spanContext();
  if (!isSpanContextValid(ctx)) return {};
  return { trace_id: ctx.traceId, span_id: ctx.spanId, trace_flags: `0${ctx.traceFlags.toString(16)}` };
}
