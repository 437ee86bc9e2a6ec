// What the `--import @holdfast/service/tracing` preload leaves behind for the service to find:
// the running SDK, the instrumentations it enabled and which instrumentation scopes have
// produced spans. Kept on globalThis under a registered symbol because the preload and the app
// may load this package through different module instances (--import resolves from the cwd).

export interface TracingState {
  /** When the preload ran (epoch ms). */
  startedAt: number;
  serviceName: string;
  /** Where spans go: an OTLP endpoint, or 'none' when spans stay in process (ids and propagation only). */
  exporter: string;
  /** Instrumentation scope name → how many spans it has started. */
  spansByScope: Map<string, number>;
  /** Modules the instrumentations saw loaded, with a flag telling whether they were patched. */
  instrumentations: { name: string; scope: string; instance: unknown }[];
  /** Flushes pending spans and stops the SDK. */
  shutdown(): Promise<void>;
}

const KEY = Symbol.for('holdfast.tracing');

export function tracingState(): TracingState | undefined {
  return (globalThis as Record<symbol, TracingState | undefined>)[KEY];
}

export function setTracingState(state: TracingState): void {
  (globalThis as Record<symbol, TracingState | undefined>)[KEY] = state;
}
