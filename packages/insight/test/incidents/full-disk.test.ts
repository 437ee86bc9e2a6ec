// The store on a file system that fills up (a real 16 MiB tmpfs, so this needs root): the engine
// goes on, says what is wrong and counts it; the database holds every batch whole or not at all;
// once there is room again, everything kept in memory is written.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { test } from 'node:test';
import { cleanup, tempDir } from '@holdfast/testkit';
import { IncidentEngine } from '../../src/incidents/engine.ts';
import { SqliteIncidentStore } from '../../src/incidents/sqlite-store.ts';
import { config, ManualClock } from './helpers.ts';

/** A tmpfs of `size` at a fresh directory, unmounted when the test ends. */
export function smallFileSystem(t: Parameters<typeof cleanup>[0], size = '1m'): string {
  const dir = join(tempDir(t), 'small');
  mkdirSync(dir);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`this test needs a small file system to fill: 'mount -t tmpfs' failed (run the tests as root): ${(err as Error).message}`, { cause: err });
  }
  cleanup(t, () => execFileSync('umount', ['-l', dir]));
  return dir;
}

/** Fills the file system at `dir` to the last byte; returns the filler's path. */
export function fill(dir: string): string {
  const filler = join(dir, 'filler');
  const chunk = Buffer.alloc(64 * 1024, 1);
  let n = 0;
  try {
    for (;;) writeFileSync(filler, chunk, { flag: n++ === 0 ? 'w' : 'a' });
  } catch (err) {
    assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
  }
  // The last partial block too.
  try {
    for (;;) writeFileSync(filler, Buffer.alloc(512, 1), { flag: 'a' });
  } catch {}
  return filler;
}

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
  const engine = new IncidentEngine({ config: config({ quietPeriod: '1d' }), openStore: () => new SqliteIncidentStore({ file }), storeLocation: file, clock });
  cleanup(t, () => engine.close());
  for (let i = 0; i < 5; i++) engine.ingest({ kind: 'log.error', at: clock.now(), summary: 'x', program: `before-${i}` });
  assert.equal(engine.flush().ok, true);
  assert.deepEqual(count(file), { incidents: 5, history: 5 });

  const filler = fill(dir);
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
