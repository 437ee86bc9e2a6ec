// Recovery and request logs, against the fixture as a real child process.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@holdfast/testkit';
import { get, logLines, startFixture } from './helpers.ts';

test('a throwing handler answers 500 JSON without the stack, and the log has the stack', async (t) => {
  const { child, url } = await startFixture(t);
  const r = await get(url + '/boom', { headers: { 'x-request-id': 'req-boom-1' } });
  assert.equal(r.status, 500);
  const body = JSON.parse(r.body!) as Record<string, unknown>;
  assert.deepEqual(body, { error: 'Internal Server Error', code: 'HOLDFAST_E_INTERNAL', requestId: 'req-boom-1' });
  assert.ok(!r.body!.includes('kaboom') && !r.body!.includes('at '), 'no message or stack leaks to the client');
  assert.equal(r.headers!['x-request-id'], 'req-boom-1', 'the request id is echoed');
  await child.waitForLine('"msg":"request failed"');
  const failed = logLines(child.stdout()).find((l) => l.msg === 'request failed') as { err: { stack: string }; requestId: string };
  assert.match(failed.err.stack, /kaboom: handler failed\n\s+at /);
  assert.equal(failed.requestId, 'req-boom-1');
  // The service keeps serving.
  assert.equal((await get(url + '/hello')).status, 200);
});

test('an uncaught exception logs a fatal line, drains and exits non-zero', async (t) => {
  const { child, url } = await startFixture(t);
  const r = await get(url + '/crash');
  assert.equal(r.status, 200);
  const exit = await child.exited;
  assert.equal(exit.code, 1);
  const logs = logLines(child.stdout());
  const fatal = logs.find((l) => l.level === 60) as { err: { message: string }; msg: string };
  assert.equal(fatal.err.message, 'uncaught: crash route');
  assert.match(fatal.msg, /uncaughtException: draining/);
  assert.ok(
    logs.some((l) => l.msg === 'shutdown complete' || l.msg === 'shutdown finished with work left pending'),
    'the drain ran before exit',
  );
});

test('an unhandled rejection is never resumed silently: fatal line, drain, non-zero exit', async (t) => {
  const { child, url } = await startFixture(t);
  await get(url + '/reject');
  const exit = await child.exited;
  assert.equal(exit.code, 1);
  assert.ok(logLines(child.stdout()).some((l) => l.level === 60 && String(l.msg).startsWith('unhandledRejection')));
});

test('one JSON line per request with the route template, status, time and request id', async (t) => {
  const { child, url } = await startFixture(t);
  await get(url + '/items/42?x=1', { headers: { 'x-request-id': 'abc-123' } });
  const given = await get(url + '/hello');
  const line = JSON.parse(await child.waitForLine('"url":"/items/42?x=1"')) as Record<string, unknown>;
  assert.equal(line.method, 'GET');
  assert.equal(line.route, '/items/:id');
  assert.equal(line.statusCode, 200);
  assert.equal(line.requestId, 'abc-123');
  assert.equal(line.remoteAddress, '127.0.0.1');
  assert.equal(typeof line.responseTime, 'number');
  assert.equal(typeof line.time, 'number');
  // Without an incoming id, one is generated and echoed.
  // A random per-process prefix and a sequence number: unique across processes and requests.
  const id = String(given.headers!['x-request-id']);
  assert.match(id, /^[0-9a-f]{12}-\d+$/);
  const next = String((await get(url + '/hello')).headers!['x-request-id']);
  assert.equal(next.split('-')[0], id.split('-')[0]);
  assert.notEqual(next, id);
  // An id that is not safe to echo is replaced.
  const evil = await get(url + '/hello', { headers: { 'x-request-id': 'x'.repeat(500) } });
  assert.notEqual(evil.headers!['x-request-id'], 'x'.repeat(500));
});

test('malformed requests get a 4xx, never a 500', async (t) => {
  const { url } = await startFixture(t);
  const badJson = await get(url + '/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
  assert.equal(badJson.status, 400);
  assert.equal((JSON.parse(badJson.body!) as { code: string }).code, 'FST_ERR_CTP_INVALID_JSON_BODY');
  const badType = await get(url + '/echo', { method: 'POST', headers: { 'content-type': 'application/x-nope' }, body: 'zzz' });
  assert.equal(badType.status, 415);
  // Declared too large: answered 413 from the headers, without reading the body. (Sending the
  // whole 2 MiB races the server closing the connection after its answer: EPIPE on the client.)
  const huge = await get(url + '/echo', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': String(2 * 1024 * 1024) },
    body: '{"a":"x"}',
  });
  assert.equal(huge.status, 413);
  const notFound = await get(url + '/no/such/route');
  assert.equal(notFound.status, 404);
  assert.equal((JSON.parse(notFound.body!) as { code: string }).code, 'HOLDFAST_E_NOT_FOUND');
  const badUrl = await get(url + '/items/%E0%A4%A');
  assert.ok(badUrl.status! >= 400 && badUrl.status! < 500, `bad percent-encoding: ${badUrl.status}`);
  const bigHeader = await get(url + '/hello', { headers: { 'x-big': 'y'.repeat(20_000) } });
  assert.equal(bigHeader.status, 431);
});

test('no log line is lost at exit after a burst of requests', async (t) => {
  const dir = tempDir(t);
  const logFile = join(dir, 'service.log');
  const { child, url } = await startFixture(t, { LOG_FILE: logFile });
  const N = 1500;
  let next = 0;
  let ok = 0;
  await Promise.all(
    Array.from({ length: 25 }, async () => {
      while (next < N) {
        next++;
        const r = await get(url + '/hello');
        if (r.status === 200) ok++;
      }
    }),
  );
  // Exit right after the burst: lines still in the 4 KiB file buffer must be written out.
  child.kill('SIGTERM');
  assert.equal((await child.exited).code, 0);
  const lines = logLines(readFileSync(logFile, 'utf8'));
  assert.equal(lines.filter((l) => l.msg === 'request' && l.route === '/hello').length, ok);
  assert.equal(ok, N);
  assert.equal(lines.at(-1)!.msg, 'lifecycle: CLOSING -> STOPPED', 'the last line is the last thing that happened');
});
