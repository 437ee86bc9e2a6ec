// Starts the OpenTelemetry SDK with the instrumentations a holdfast service needs: incoming
// HTTP (instrumentation-http, which also extracts W3C trace context), Fastify routes
// (@fastify/otel, registered on every Fastify instance through its initialization channel),
// outbound fetch/undici (instrumentation-undici, which injects traceparent) and ioredis.
// Spans go to OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is set;
// otherwise they are still created, so trace ids propagate and reach the logs, but nothing is
// exported (no exporter spamming connection errors at localhost:4318).
import { basename, extname } from 'node:path';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { ScopeRecorder } from './scope-recorder.ts';
import { setTracingState, tracingState, type TracingState } from './state.ts';

/** Paths whose requests are not traced: probes and scrapes at their rate are noise. */
const DEFAULT_IGNORED_PATHS = ['/livez', '/readyz', '/startupz', '/metrics'];

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const n = Number(env[name]);
  return env[name] !== undefined && Number.isFinite(n) && n > 0 ? n : fallback;
}

/** The service name for the trace resource: OTEL_SERVICE_NAME, else the main script's name. */
function serviceNameFrom(env: NodeJS.ProcessEnv): string {
  if (env.OTEL_SERVICE_NAME) return env.OTEL_SERVICE_NAME;
  const main = process.argv[1];
  return main ? basename(main, extname(main)) : 'service';
}

export function startTracing(env: NodeJS.ProcessEnv = process.env): TracingState {
  const existing = tracingState();
  if (existing) return existing;
  const ignored = new Set(
    (env.HOLDFAST_TRACING_IGNORE_PATHS ?? DEFAULT_IGNORED_PATHS.join(','))
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
  );
  const pathOf = (url: string | undefined) => (url ?? '').split('?')[0]!;
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const recorder = new ScopeRecorder();
  const processors: SpanProcessor[] = [recorder];
  if (endpoint) {
    processors.push(
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter(),
        scheduledDelayMillis: positive(env, 'OTEL_BSP_SCHEDULE_DELAY', 1000),
        maxQueueSize: positive(env, 'OTEL_BSP_MAX_QUEUE_SIZE', 2048),
        maxExportBatchSize: positive(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512),
        exportTimeoutMillis: positive(env, 'OTEL_BSP_EXPORT_TIMEOUT', 5000),
      }),
    );
  }
  const instrumentations = [
    {
      name: 'http',
      scope: '@opentelemetry/instrumentation-http',
      instance: new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => ignored.has(pathOf(req.url)) }),
    },
    { name: 'undici', scope: '@opentelemetry/instrumentation-undici', instance: new UndiciInstrumentation() },
    { name: 'ioredis', scope: '@opentelemetry/instrumentation-ioredis', instance: new IORedisInstrumentation() },
    {
      name: 'fastify',
      scope: '@fastify/otel',
      // Hook spans (one per onRequest/onSend/... hook) cost more than they tell; the request
      // and handler spans stay.
      instance: new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        instrumentHooks: false,
        ignorePaths: (route: { url: string }) => ignored.has(route.url),
      } as never),
    },
  ];
  const serviceName = serviceNameFrom(env);
  const sdk = new NodeSDK({ serviceName, spanProcessors: processors, instrumentations: instrumentations.map((i) => i.instance as never) });
  sdk.start();
  const state: TracingState = {
    startedAt: Date.now(),
    serviceName,
    exporter: endpoint ?? 'none',
    spansByScope: recorder.counts,
    instrumentations,
    shutdown: () => sdk.shutdown(),
  };
  setTracingState(state);
  return state;
}
