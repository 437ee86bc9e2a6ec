// Health checks with rise/fall hysteresis, by exec, http and tcp probes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { cleanup, freePort, tempDir, waitFor } from '@holdfast/testkit';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { HealthChecks, probe } from '../src/health.ts';
import { systemClock } from '../src/clock.ts';

const base = { interval: 20, timeout: 500, rise: 2, fall: 3 };

test('rise/fall: healthy after `rise` successes, unhealthy only after `fall` failures in a row', async (t) => {
  const dir = tempDir(t);
  const flag = join(dir, 'ok');
  writeFileSync(flag, '');
  const h = new HealthChecks([{ name: 'flag', exec: ['test', '-e', flag], ...base }], systemClock);
  cleanup(t, () => h.stop());
  assert.equal(h.healthy, false, 'a node proves itself before it may lead');
  const changes: boolean[] = [];
  h.on('change', (v) => changes.push(v));
  h.start();
  await waitFor('healthy', () => h.healthy);
  rmSync(flag);
  await waitFor('unhealthy', () => !h.healthy);
  assert.deepEqual(changes, [true, false]);
  const failing = h.status()[0]!;
  assert.equal(failing.streak >= 3, true);
  assert.match(failing.lastError ?? '', /exited 1/);
});

test('no checks: healthy from the start', () => {
  assert.equal(new HealthChecks([], systemClock).healthy, true);
});

test('http and tcp probes: 2xx and a connect pass; 5xx, refusal and timeouts fail with the reason', async (t) => {
  let status = 200;
  const server = createServer((req, res) => {
    if (req.url === '/slow') return;
    res.writeHead(status).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanup(t, () => {
    server.closeAllConnections();
    server.close();
  });
  const port = (server.address() as { port: number }).port;
  const run = (c: Parameters<typeof probe>[0]) => probe(c, AbortSignal.timeout(c.timeout));
  await run({ name: 'h', http: `http://127.0.0.1:${port}/`, ...base });
  status = 503;
  await assert.rejects(run({ name: 'h', http: `http://127.0.0.1:${port}/`, ...base }), /answered 503/);
  await assert.rejects(run({ name: 'h', http: `http://127.0.0.1:${port}/slow`, ...base, timeout: 100 }), /timed out after 100 ms/);
  await run({ name: 't', tcp: { host: '127.0.0.1', port }, ...base });
  const closed = await freePort();
  await assert.rejects(run({ name: 't', tcp: { host: '127.0.0.1', port: closed }, ...base }), /ECONNREFUSED/);
  await assert.rejects(run({ name: 'e', exec: ['sh', '-c', 'echo broken >&2; exit 3'], ...base }), /exited 3: broken/);
  await assert.rejects(run({ name: 'e', exec: ['sleep', '5'], ...base, timeout: 100 }), /timed out after 100 ms/);
});
