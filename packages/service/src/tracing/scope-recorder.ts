// A span processor that only counts spans per instrumentation scope. The boot check reads it to
// prove that an instrumentation really produces spans, instead of trusting that it was enabled.
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';

export class ScopeRecorder implements SpanProcessor {
  readonly counts = new Map<string, number>();

  onStart(span: Span, _parent: Context): void {
    const scope = span.instrumentationScope.name;
    this.counts.set(scope, (this.counts.get(scope) ?? 0) + 1);
  }
  onEnd(_span: ReadableSpan): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
