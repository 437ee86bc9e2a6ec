// Delivery over real sockets: a webhook receiver that is down and comes back gets every
// notification exactly once; a notification still pending when the daemon stops is delivered by
// the next one with the same idempotency key; requests are HMAC-signed; a refusal is not retried.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { cleanup, freePort, tempDir, waitFor } from '@holdfast/testkit';
import { IncidentEngine } from '../../src/incidents/engine.ts';
import { SqliteIncidentStore } from '../../src/incidents/sqlite-store.ts';
import { signatureOf } from '../../src/notify/deliver.ts';
import { config } from './helpers.ts';

const realClock = {
  now: () => Date.now(),
  setTimeout: (fn: () => void, ms: number) => {
    const h = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(h) };
  },
};

interface Received {
  key: string;
  signature?: string;
  timestamp?: string;
  raw: string;
  body: { incidents: { id: number; action: string; dedup_key: string }[] };
}

async function receiver(
  t: Parameters<typeof cleanup>[0],
  port: number,
  status: (body: Received['body']) => number = () => 200,
): Promise<{ got: Received[]; server: Server }> {
  const got: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw) as Received['body'];
      const code = status(body);
      if (code === 200)
        got.push({
          key: String(req.headers['idempotency-key']),
          signature: req.headers['x-holdfast-signature'] as string | undefined,
          timestamp: req.headers['x-holdfast-timestamp'] as string | undefined,
          raw,
          body,
        });
      res.writeHead(code).end();
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  cleanup(t, () => new Promise<void>((r) => server.close(() => r())));
  return { got, server };
}

function engineFor(t: Parameters<typeof cleanup>[0], file: string, port: number, extra: Record<string, unknown> = {}) {
  const engine = new IncidentEngine({
    config: config({
      receivers: [{ name: 'ops', type: 'webhook', url: `http://127.0.0.1:${port}/hook`, timeoutMs: 2000, ...extra }],
      routes: [{ receiver: 'ops', groupBy: ['...'], groupWait: 0, groupInterval: 0 }],
      retry: { initial: '50ms', max: '200ms' },
    }),
    openStore: () => new SqliteIncidentStore({ file }),
    storeLocation: file,
    clock: realClock,
  });
  cleanup(t, () => engine.close());
  return engine;
}

test('a receiver that is down, then back: every notification arrives, none twice', async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  const engine = engineFor(t, join(dir, 'i.sqlite'), port);
  for (let i = 0; i < 20; i++) engine.ingest({ kind: 'program.crash_loop', at: Date.now(), summary: `p${i} crash loop`, program: `p${i}` });
  await waitFor('retries while the receiver is down', () => engine.stats().notifications.retries >= 3);
  assert.equal(engine.stats().notifications.sent, 0);
  const { got } = await receiver(t, port);
  await engine.deliveriesIdle();
  assert.equal(got.length, 20);
  assert.equal(new Set(got.map((g) => g.key)).size, 20, 'each notification once');
  assert.deepEqual(
    got.map((g) => g.body.incidents[0]!.id).sort((x, y) => x - y),
    Array.from({ length: 20 }, (_, i) => i + 1),
    'each incident',
  );
  const sent = engine.notifications({ status: 'sent', limit: 100 });
  assert.equal(sent.length, 20);
  assert.ok(sent.every((n) => n.attempts >= 1));
  assert.equal(
    sent.reduce((sum, n) => sum + n.attempts, 0),
    20 + engine.stats().notifications.retries,
  );
});

test('pending when the daemon stops: the next one delivers it, with the same idempotency key', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'i.sqlite');
  const port = await freePort();
  const first = engineFor(t, file, port);
  first.ingest({ kind: 'program.fatal', at: Date.now(), summary: 'web FATAL', program: 'web' });
  await waitFor('a failed attempt', () => first.stats().notifications.retries >= 1);
  const [pending] = first.notifications({ status: 'pending' });
  first.close();
  const { got } = await receiver(t, port);
  const second = engineFor(t, file, port);
  await waitFor('delivered by the restarted engine', () => got.length === 1);
  await second.deliveriesIdle();
  assert.equal(got[0]!.key.endsWith(`-${pending!.id}`), true);
  assert.equal(second.notifications({ status: 'sent' }).length, 1);
  assert.equal(second.notifications({ status: 'pending' }).length, 0);
});

test('webhook requests are signed: HMAC-SHA256 over timestamp and body', async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  const { got } = await receiver(t, port);
  const secret = 'a-secret-of-24-characters';
  const engine = engineFor(t, join(dir, 'i.sqlite'), port, { secret });
  engine.ingest({ kind: 'program.oom', at: Date.now(), summary: 'worker OOM-killed', program: 'worker' });
  await engine.deliveriesIdle();
  const [r] = got;
  assert.match(r!.signature!, /^sha256=[0-9a-f]{64}$/);
  assert.equal(r!.signature, signatureOf(secret, r!.timestamp!, r!.raw));
  assert.notEqual(r!.signature, signatureOf('another-secret-24-chars!', r!.timestamp!, r!.raw));
});

test('the notifications of one incident arrive in order, however many are in flight', async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  const { got } = await receiver(t, port);
  const engine = engineFor(t, join(dir, 'i.sqlite'), port);
  const ids: number[] = [];
  for (let i = 0; i < 30; i++)
    ids.push(engine.ingest({ kind: 'program.fatal', at: Date.now(), summary: `p${i}`, program: `p${i}` }).incident.id);
  for (const id of ids) engine.ack(id);
  for (const id of ids) engine.resolve(id);
  await engine.deliveriesIdle();
  assert.equal(got.length, 90);
  for (const id of ids) {
    assert.deepEqual(
      got.flatMap((g) => g.body.incidents.filter((i) => i.id === id).map((i) => i.action)),
      ['trigger', 'acknowledge', 'resolve'],
    );
  }
});

test('a refusal (4xx) is recorded as failed and not retried; a 503 is retried', async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  // Incident 1 (program a) meets a busy receiver twice; incident 2 (program b) is refused.
  const busy = [503, 503];
  const { got } = await receiver(t, port, (b) => (b.incidents[0]!.id === 2 ? 422 : (busy.shift() ?? 200)));
  const engine = engineFor(t, join(dir, 'i.sqlite'), port);
  engine.ingest({ kind: 'program.oom', at: Date.now(), summary: 'a', program: 'a' });
  engine.ingest({ kind: 'program.oom', at: Date.now(), summary: 'b', program: 'b' });
  await engine.deliveriesIdle();
  assert.equal(got.length, 1);
  const [failed] = engine.notifications({ status: 'failed' });
  assert.match(failed!.lastError!, /HTTP 422 .*not retried/);
  assert.equal(failed!.attempts, 1);
  const [sent] = engine.notifications({ status: 'sent' });
  assert.equal(sent!.attempts, 3);
});
