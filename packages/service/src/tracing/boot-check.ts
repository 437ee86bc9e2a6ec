// The check at boot that tracing really is in place. Monkey-patching instrumentations fail
// silently: a module imported before the SDK started, or through an ESM path the SDK's hook did
// not see, simply produces no spans (opentelemetry-js-contrib#1942). So look at what was patched,
// then prove it: one loopback request must produce an HTTP server span and a fetch client span
// in the same trace.
import diagnosticsChannel from 'node:diagnostics_channel';
import { createServer, Server } from 'node:http';
import { createRequire } from 'node:module';
import { context, trace } from '@opentelemetry/api';
import type { TracingState } from './state.ts';

export interface BootCheckReport {
  ok: boolean;
  problems: string[];
  instrumented: string[];
}

const wrapped = (fn: unknown): boolean => typeof fn === 'function' && (fn as { __wrapped?: boolean }).__wrapped === true;

/** Static checks: hooks and patches in place. `hasFastifyPlugin` tells whether @fastify/otel joined the app. */
export function inspectInstrumentation(opts: { hasFastifyPlugin: boolean; checkIoredis: boolean }): BootCheckReport {
  const problems: string[] = [];
  const instrumented: string[] = [];
  if (wrapped(Server.prototype.emit)) instrumented.push('http');
  else problems.push('http: http.Server is not patched, so incoming requests make no spans and carry no trace context');
  if (diagnosticsChannel.hasSubscribers('undici:request:create')) instrumented.push('undici');
  else problems.push('undici: nothing listens on undici:request:create, so fetch() calls make no spans and send no traceparent');
  if (opts.hasFastifyPlugin) instrumented.push('fastify');
  else
    problems.push(
      'fastify: @fastify/otel did not register on this app (it registers on fastify.initialization, which fired before the SDK started)',
    );
  if (opts.checkIoredis) {
    let redisProto: { sendCommand?: unknown } | undefined;
    try {
      // The same module instance the app uses (the CommonJS cache is shared with ESM imports).
      // Requiring it lets require-in-the-middle patch it now if only an ESM import had loaded
      // it; the prototype is shared, so what this reports is what the app gets.
      redisProto = (createRequire(import.meta.url)('ioredis') as { Redis: { prototype: { sendCommand?: unknown } } }).Redis.prototype;
    } catch {}
    if (redisProto && wrapped(redisProto.sendCommand)) instrumented.push('ioredis');
    else
      problems.push(
        'ioredis: Redis.prototype.sendCommand is not patched, so Redis commands make no spans (ioredis was imported ' +
          'before the SDK, or without its ESM hook)',
      );
  }
  return { ok: problems.length === 0, problems, instrumented };
}

/** Live check: a loopback request under a root span must yield HTTP server and undici client spans. */
export async function selfTest(state: TracingState): Promise<string[]> {
  const counts = state.spansByScope;
  const before = {
    http: counts.get('@opentelemetry/instrumentation-http') ?? 0,
    undici: counts.get('@opentelemetry/instrumentation-undici') ?? 0,
  };
  let sawTraceparent = false;
  const server = createServer((req, res) => {
    sawTraceparent = typeof req.headers.traceparent === 'string';
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const root = trace.getTracer('holdfast-boot-check').startSpan('holdfast.tracing.boot_check');
  try {
    await context.with(trace.setSpan(context.active(), root), async () => {
      const res = await fetch(`http://127.0.0.1:${port}/holdfast-boot-check`, { signal: AbortSignal.timeout(2000) });
      await res.text();
    });
  } catch (err) {
    return [`self-test request failed: ${(err as Error).message}`];
  } finally {
    root.end();
    server.close();
  }
  const problems: string[] = [];
  if ((counts.get('@opentelemetry/instrumentation-http') ?? 0) <= before.http)
    problems.push('http: a loopback request produced no server span');
  if ((counts.get('@opentelemetry/instrumentation-undici') ?? 0) <= before.undici)
    problems.push('undici: a loopback fetch produced no client span');
  if (!sawTraceparent) problems.push('propagation: the loopback fetch carried no W3C traceparent header');
  return problems;
}
