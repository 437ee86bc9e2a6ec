// The store on a file system that fills up (a real 16 MiB tmpfs, so this needs root): the engine
// goes on, says what is wrong and counts it; the database holds every batch whole or not at all;
// once there is room again, everything kept in memory is written.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { test } from 'node:test';
import { cleanup, fillFileSystem, smallFileSystem } from '@holdfast/testkit';
import { IncidentEngine } from '../../src/incidents/engine.ts';
import { SqliteIncidentStore } from '../../src/incidents/sqlite-store.ts';
import { config, ManualClock } from './helpers.ts';

const count = (file: string) => {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const inc = (db.prepare('SELECT COUNT(*) AS n FROM incidents').get() as { n: number }).n;
    const hist = (db.prepare('SELECT COUNT(*) AS n FROM history').get() as { n: number }).n;
    return { incidents: inc, history: hist };
  } finally {
    db.close();
  }
};

test('a full disk: the engine goes on, reports it, writes nothing half, and catches up when space returns', (t) => {
  const dir = smallFileSystem(t, '16m');
  const file = join(dir, 'incidents.sqlite');
  const clock = new ManualClock();
  const engine = new IncidentEngine({
    config: config({ quietPeriod: '1d' }),
    openStore: () => new SqliteIncidentStore({ file }),
    storeLocation: file,
    clock,
  });
  cleanup(t, () => engine.close());
  for (let i = 0; i < 5; i++) engine.ingest({ kind: 'log.error', at: clock.now(), summary: 'x', program: `before-${i}` });
  assert.equal(engine.flush().ok, true);
  assert.deepEqual(count(file), { incidents: 5, history: 5 });

  const filler = fillFileSystem(dir);
  const big = 'y'.repeat(3000);
  for (let i = 0; i < 400; i++) engine.ingest({ kind: 'log.error', at: clock.now(), summary: `${big} ${i}`, program: `during-${i}` });
  const h = engine.flush(true);
  assert.equal(h.ok, false);
  assert.match(h.error!, /full/i);
  assert.ok(h.errors >= 1);
  assert.deepEqual(h.pending, { incidents: 400, history: 400, notifications: 400 });
  assert.deepEqual(count(file), { incidents: 5, history: 5 }, 'the failed batch left nothing behind');
  // Still working: counting, commands, listing from memory.
  const r = engine.ingest({ kind: 'log.error', at: clock.now(), summary: `${big} 0`, program: 'during-0' });
  assert.equal(r.outcome, 'counted');
  engine.ack(r.incident.id);
  assert.equal(engine.list({ state: 'live', limit: 1000 }).length, 405);
  assert.equal(engine.flush(true).ok, false);

  rmSync(filler);
  const after = engine.flush(true);
  assert.equal(after.ok, true, after.error ?? '');
  assert.equal(after.errors >= 2, true, 'every failed write was counted');
  assert.deepEqual(after.pending, { incidents: 0, history: 0, notifications: 0 });
  assert.deepEqual(count(file), { incidents: 405, history: 406 });
  assert.equal(engine.get(r.incident.id)!.state, 'acknowledged');
});
