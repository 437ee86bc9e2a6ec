// Retries with a manual clock: the backoff doubles from retry.initial up to retry.max, a receiver
// that stays down past retry.maxAge ends as failed (recorded, never dropped), and which answers
// are worth asking again (5xx, 408, 429, no answer) and which are not (other 4xx).
// Over real sockets: an answer lost to the timeout is retried with the same Idempotency-Key.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { cleanup, freePort, tempDir } from '@holdfast/testkit';
import { IncidentEngine } from '../../src/incidents/engine.ts';
import { SqliteIncidentStore } from '../../src/incidents/sqlite-store.ts';
import type { PostResult } from '../../src/notify/post.ts';
import { config, ManualClock } from './helpers.ts';

type Answer = PostResult | Error;

/** An engine whose receiver answers from `answers` (then 200), on a manual clock. */
function setup(t: TestContext, answers: Answer[], retry = { initial: '1s', max: '8s', maxAge: '1m' }) {
  const file = join(tempDir(t), 'i.sqlite');
  const clock = new ManualClock();
  const attempts: { at: number; key: string }[] = [];
  const engine = new IncidentEngine({
    config: config({
      receivers: [{ name: 'ops', type: 'webhook', url: 'http://127.0.0.1:9/hook' }],
      routes: [{ receiver: 'ops', groupBy: ['...'], groupWait: 0 }],
      retry,
    }),
    openStore: () => new SqliteIncidentStore({ file }),
    storeLocation: file,
    clock,
    send: (_url, _body, headers) => {
      attempts.push({ at: clock.now(), key: headers['idempotency-key']! });
      const a = answers.shift() ?? { status: 200, body: '' };
      return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
    },
  });
  t.after(() => engine.close());
  // Lets the attempt in flight settle (its promise, then the record's update).
  const settle = () => new Promise((r) => setImmediate(r));
  const advance = async (ms: number) => {
    clock.advance(ms);
    await settle();
  };
  return { engine, clock, attempts, settle, advance };
}

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });

test('backoff doubles from retry.initial and stays at retry.max; every attempt carries the same idempotency key', async (t) => {
  const { engine, clock, attempts, settle, advance } = setup(t, Array.from({ length: 6 }, refused));
  const start = clock.now();
  engine.ingest({ kind: 'program.fatal', at: start, summary: 'web is FATAL', program: 'web' });
  await settle();
  for (let i = 0; i < 60 && attempts.length < 7; i++) await advance(1000);
  assert.equal(attempts.length, 7, 'six refusals, then delivered');
  const gaps = attempts.slice(1).map((a, i) => (a.at - attempts[i]!.at) / 1000);
  assert.deepEqual(gaps, [1, 2, 4, 8, 8, 8]);
  assert.equal(new Set(attempts.map((a) => a.key)).size, 1);
  const [sent] = engine.notifications({ status: 'sent' });
  assert.equal(sent!.attempts, 7);
  assert.equal(engine.stats().notifications.retries, 6);
});

test('a receiver down past retry.maxAge: the notification is failed, with the last error and the attempts, not dropped', async (t) => {
  const { engine, attempts, settle, advance } = setup(t, Array.from({ length: 100 }, refused), { initial: '1s', max: '4s', maxAge: '20s' });
  engine.ingest({ kind: 'program.oom', at: 1, summary: 'worker OOM-killed', program: 'worker' });
  await settle();
  for (let i = 0; i < 40; i++) await advance(1000);
  const [failed] = engine.notifications({ status: 'failed' });
  assert.ok(failed, 'recorded as failed');
  assert.match(failed.lastError!, /^ECONNREFUSED \(gave up after \d+ attempts\)$/);
  assert.equal(failed.attempts, attempts.length);
  // 0, 1, 3, 7, 11, 15, 19, 23 s: the attempt at 23 s is the first past 20 s.
  assert.equal(attempts.length, 8);
  assert.equal(engine.stats().notifications.pending, 0);
  assert.equal(engine.stats().notifications.failed, 1);
  await advance(60_000);
  assert.equal(attempts.length, 8, 'no attempt after giving up');
});

test('5xx, 408, 429 and no answer are retried; other 4xx are refusals, recorded once', async (t) => {
  const status = (s: number): PostResult => ({ status: s, body: `answer ${s}` });
  const { engine, attempts, settle, advance } = setup(t, [
    status(500),
    status(502),
    status(408),
    status(429),
    new Error('no answer within 10000 ms'),
    status(200),
    status(404),
  ]);
  engine.ingest({ kind: 'program.fatal', at: 1, summary: 'a is FATAL', program: 'a' });
  await settle();
  for (let i = 0; i < 60 && engine.notifications({ status: 'sent' }).length === 0; i++) await advance(1000);
  assert.equal(attempts.length, 6);
  assert.equal(engine.notifications({ status: 'sent' })[0]!.attempts, 6);
  engine.ingest({ kind: 'program.fatal', at: 2, summary: 'b is FATAL', program: 'b' });
  await settle();
  await advance(60_000);
  const [refusal] = engine.notifications({ status: 'failed' });
  assert.equal(refusal!.attempts, 1);
  assert.equal(refusal!.lastError, 'HTTP 404: answer 404 (not retried: the receiver refused it)');
  assert.equal(attempts.length, 7);
});

test('an answer lost to the timeout: the retry has the same Idempotency-Key, so the receiver keeps one copy', async (t) => {
  const port = await freePort();
  const seen = new Map<string, number>();
  let first = true;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const key = String(req.headers['idempotency-key']);
      seen.set(key, (seen.get(key) ?? 0) + 1);
      // The first request is taken (counted) but answered after holdfast stopped waiting.
      if (first) {
        first = false;
        setTimeout(() => res.writeHead(204).end(), 600);
      } else res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  cleanup(t, () => new Promise<void>((r) => server.close(() => r())));
  const file = join(tempDir(t), 'i.sqlite');
  const engine = new IncidentEngine({
    config: config({
      receivers: [{ name: 'ops', type: 'webhook', url: `http://127.0.0.1:${port}/`, timeoutMs: 200 }],
      routes: [{ receiver: 'ops', groupBy: ['...'], groupWait: 0 }],
      retry: { initial: '50ms', max: '50ms' },
    }),
    openStore: () => new SqliteIncidentStore({ file }),
    storeLocation: file,
    clock: {
      now: () => Date.now(),
      setTimeout: (fn, ms) => {
        const h = setTimeout(fn, ms);
        return { cancel: () => clearTimeout(h) };
      },
    },
  });
  cleanup(t, () => engine.close());
  engine.ingest({ kind: 'program.fatal', at: Date.now(), summary: 'web is FATAL', program: 'web' });
  await engine.deliveriesIdle();
  const [sent] = engine.notifications({ status: 'sent' });
  assert.equal(sent!.attempts, 2);
  assert.deepEqual([...seen.values()], [2], 'two requests, one key: the receiver can drop the copy');
});
