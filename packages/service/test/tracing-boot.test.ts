// The tracing preload and its boot check: with `--import @holdfast/service/tracing` every
// instrumentation is in place and log lines carry the trace ids; started late (after ioredis
// was imported, without the ESM hook), start() fails loudly instead of tracing nothing.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { startChild } from '@holdfast/testkit';
import { logLines } from './helpers.ts';
import { startRedis } from './redis-server.ts';

const app = fileURLToPath(new URL('./fixtures/tracing-app.ts', import.meta.url));
const preload = import.meta.resolve('@holdfast/service/tracing');

test('preloaded: http, undici, fastify and ioredis instrumented; trace ids in request log lines', async (t) => {
  const redis = await startRedis(t);
  const child = startChild(t, process.execPath, ['--import', preload, app], { env: { ...process.env, REDIS_URL: redis.url } });
  const ready = JSON.parse(await child.waitForLine('fixtureReady', 20_000)) as { fixtureReady: string };
  await child.waitForLine('"msg":"tracing:'); // log lines are batched: this one may follow the fixture's console line
  const boot = logLines(child.stdout()).find((l) => typeof l.msg === 'string' && l.msg.startsWith('tracing:'));
  assert.deepEqual((boot?.tracing as { instrumented: string[] }).instrumented.sort(), ['fastify', 'http', 'ioredis', 'undici']);
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const res = await fetch(`${ready.fixtureReady}/hello`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
  assert.equal(res.status, 200);
  await child.waitForLine('inside the handler');
  await child.waitForLine('"route":"/hello"');
  const lines = logLines(child.stdout());
  const handler = lines.find((l) => l.msg === 'inside the handler')!;
  assert.equal(handler.trace_id, traceId, 'the W3C trace id of the caller reaches the log line');
  assert.match(String(handler.span_id), /^[0-9a-f]{16}$/);
  const requestLine = lines.find((l) => l.route === '/hello');
  assert.equal(requestLine?.trace_id, traceId, 'the per-request log line carries it too');
});

test('started too late (inside the app, after its imports): start() fails loudly with HOLDFAST_E_TRACING', async (t) => {
  const redis = await startRedis(t);
  const child = startChild(t, process.execPath, [app], { env: { ...process.env, REDIS_URL: redis.url, TRACING_LATE: '1' } });
  const { code } = await child.exited;
  assert.equal(code, 3, child.stdout() + child.stderr());
  const failed = JSON.parse(child.lines.find((l) => l.includes('startFailed'))!) as { startFailed: string; message: string };
  assert.equal(failed.startFailed, 'HOLDFAST_E_TRACING');
  assert.match(failed.message, /http: http\.Server is not patched/);
  assert.match(failed.message, /--import @holdfast\/service\/tracing/);
});

test('bootCheck: warn starts anyway and logs what is missing', async (t) => {
  const child = startChild(t, process.execPath, [app], { env: { ...process.env, TRACING_LATE: '1', BOOT_CHECK: 'warn' } });
  await child.waitForLine('fixtureReady', 20_000);
  await child.waitForLine('tracing is preloaded but not in place'); // log lines are batched: may follow the console line
  const warn = logLines(child.stdout()).find((l) => typeof l.msg === 'string' && l.msg.startsWith('tracing is preloaded but not in place'));
  assert.ok(warn && warn.level === 40, child.stdout());
});
