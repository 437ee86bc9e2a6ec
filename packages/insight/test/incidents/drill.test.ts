// The alert-storm drill through a real engine, store and webhook receiver: every signal counted,
// every incident's trigger delivered or recorded as held, the numbers the CLI prints.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { cleanup, freePort, tempDir } from '@holdfast/testkit';
import { IncidentEngine } from '../../src/incidents/engine.ts';
import { runAlertStorm } from '../../src/incidents/drill.ts';
import { SqliteIncidentStore } from '../../src/incidents/sqlite-store.ts';
import { config } from './helpers.ts';

const realClock = {
  now: () => Date.now(),
  setTimeout: (fn: () => void, ms: number) => {
    const h = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(h) };
  },
};

async function sink(t: Parameters<typeof cleanup>[0]) {
  const port = await freePort();
  const keys: string[] = [];
  const server = createServer((req, res) => {
    keys.push(String(req.headers['idempotency-key']));
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  cleanup(t, () => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${port}/hook`, keys };
}

test('a storm of 2,000 signals across 25 programs: 125 incidents, nothing lost, nothing sent twice', async (t) => {
  const { url, keys } = await sink(t);
  const file = join(tempDir(t), 'i.sqlite');
  const engine = new IncidentEngine({
    config: config({
      receivers: [{ name: 'ops', type: 'webhook', url }],
      routes: [{ receiver: 'ops', groupBy: ['...'], groupWait: 0, groupInterval: 0 }],
    }),
    openStore: () => new SqliteIncidentStore({ file }),
    storeLocation: file,
    clock: realClock,
  });
  cleanup(t, () => engine.close());
  const r = await runAlertStorm(engine, { storm: 2000, programs: 25, faults: 5, run: 'd1' });
  assert.equal(r.incidents, 125);
  assert.equal(r.dedupRatio, 16);
  assert.deepEqual(r.lost, { signals: 0, notifications: 0 });
  assert.equal(r.notifications.sent, 125);
  assert.equal(r.notifications.failed, 0);
  assert.ok(r.firstNotificationMs !== null && r.notifyP99Ms !== null);
  assert.equal(r.ok, true);
  await engine.deliveriesIdle();
  assert.equal(new Set(keys).size, keys.length, 'no notification twice');
  assert.equal(keys.length, 250, 'a trigger and, after the drill, a resolve per incident');
  assert.equal(engine.list({ state: 'live' }).length, 0, 'the drill resolves what it raised');
});

test('a storm under a silence: everything held back is accounted for, not lost', async (t) => {
  const { url } = await sink(t);
  const file = join(tempDir(t), 'i.sqlite');
  const engine = new IncidentEngine({
    config: config({
      receivers: [{ name: 'ops', type: 'webhook', url }],
      routes: [{ receiver: 'ops', groupWait: '1h' }],
      silences: [{ matchers: { program: 'drill-0' }, endsAt: '2999-01-01T00:00:00Z' }],
    }),
    openStore: () => new SqliteIncidentStore({ file }),
    storeLocation: file,
    clock: realClock,
  });
  cleanup(t, () => engine.close());
  const r = await runAlertStorm(engine, { storm: 300, programs: 3, faults: 2, run: 'd2', resolve: false, settleMs: 200 });
  assert.equal(r.incidents, 6);
  assert.equal(r.notifications.sent, 0);
  assert.equal(r.notifications.held, 6, '2 silenced, 4 waiting for group_wait');
  assert.deepEqual(r.lost, { signals: 0, notifications: 0 });
});
