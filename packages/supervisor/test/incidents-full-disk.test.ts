// The daemon with its incident store on a file system that fills up (a real tmpfs): it keeps
// supervising and answering, its status says the store is failing and why, the metric counts the
// failures, incidents go on in memory; once there is room, everything is written.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fillFileSystem, smallFileSystem, waitFor } from '@holdfast/testkit';
import { IncidentsClient } from '../src/index.ts';
import { startDaemon, writeConfig } from './helpers.ts';

test('a full disk under the incident store: the daemon lives, says so, and catches up', async (t) => {
  const small = smallFileSystem(t, '16m');
  const { config } = await writeConfig(
    t,
    `programs:\n  idle:\n    command: [sleep, '1000']\n    ready: {afterMs: 0}\nincidents:\n` +
      `  store: ${join(small, 'incidents.sqlite')}\n  quietPeriod: 1h\n`,
  );
  const { client } = await startDaemon(t, config);
  const inc = new IncidentsClient({ socket: config.supervisor.socket });
  const signal = (i: number, text = '') => ({
    kind: 'log.error' as const,
    at: Date.now(),
    summary: `fault ${i} ${text}`,
    program: `p${i}`,
  });
  await inc.signals([signal(0)]);
  await waitFor('written', async () => (await inc.incidentsStatus()).store.pending.incidents === 0);

  const filler = fillFileSystem(small);
  const big = 'x'.repeat(3000);
  for (let b = 0; b < 10; b++) await inc.signals(Array.from({ length: 40 }, (_, i) => signal(1 + b * 40 + i, big)));
  const failing = await waitFor('the store reported failing', async () => {
    const s = (await client.status()).daemon.incidents!;
    return s.store.ok ? undefined : s;
  });
  assert.match(failing.store.error!, /full/i);
  assert.ok(failing.store.errors >= 1);
  assert.equal(failing.store.pending.incidents, 400);
  assert.match(await client.metrics(), /holdfast_incident_store_up 0\n[^]*holdfast_incident_store_errors_total [1-9]/);
  // Everything else goes on: the programs, the API, the incidents in memory.
  assert.equal((await client.status()).programs[0]!.state, 'READY');
  const live = await inc.list({ limit: 1000 });
  assert.equal(live.length, 401);
  await inc.ack(live[0]!.id);

  rmSync(filler);
  const ok = await waitFor(
    'caught up',
    async () => {
      const s = await inc.incidentsStatus();
      return s.store.ok && s.store.pending.incidents === 0 ? s : undefined;
    },
    { timeoutMs: 60_000 },
  );
  assert.ok(ok.store.errors >= 1, 'the failures stay counted');
  assert.equal((await inc.list({ limit: 1000 })).length, 401);
});
