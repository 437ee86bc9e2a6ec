// Jepsen-style: three processes contend for one etcd lock and write to Redis with their token.
// The test pauses holders (SIGSTOP past the TTL, between their check and their write) and
// partitions them from etcd (etcd itself stopped). A store that checks tokens never accepts a
// write with a token below one it has accepted; the same run's plain store shows the overlap.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { cleanup, startEtcd, startRedis } from '@holdfast/testkit';

const client = fileURLToPath(new URL('./fixtures/lock-client.ts', import.meta.url));

interface Ev {
  id: string;
  ev: string;
  token?: number;
  accepted?: boolean;
  knewLost?: boolean;
  afterMs?: number;
}

test('paused and partitioned holders: fenced writes never go back, plain writes do', { timeout: 120_000 }, async (t) => {
  const etcd = await startEtcd(t);
  const redisServer = await startRedis(t);
  const redis = new Redis(redisServer.url);
  cleanup(t, () => redis.disconnect());
  const events: Ev[] = [];
  const waiters: { match: (e: Ev) => boolean; resolve: (e: Ev) => void }[] = [];
  const consumed = new Set<Ev>();
  // The first event matching, past (not yet consumed) or future.
  const next = (match: (e: Ev) => boolean, what: string, ms = 20_000) =>
    new Promise<Ev>((resolve, reject) => {
      const past = events.find((e) => !consumed.has(e) && match(e));
      if (past) {
        consumed.add(past);
        return resolve(past);
      }
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; events: ${JSON.stringify(events.slice(-8))}`)), ms);
      waiters.push({ match, resolve: (e) => (clearTimeout(timer), consumed.add(e), resolve(e)) });
    });
  const clients = new Map<string, ChildProcess>();
  for (const id of ['c1', 'c2', 'c3']) {
    const c = spawn(process.execPath, [client, etcd.endpoint, redisServer.url, id], { stdio: ['pipe', 'pipe', 'inherit'] });
    clients.set(id, c);
    cleanup(t, async () => {
      if (c.exitCode !== null || c.signalCode !== null) return;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGCONT');
      c.kill('SIGKILL');
      await gone;
    });
    createInterface({ input: c.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const e = JSON.parse(line) as Ev;
      events.push(e);
      const w = waiters.find((x) => x.match(e));
      if (w) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    });
  }
  const go = (id: string) => void clients.get(id)!.stdin!.write('go\n');

  // Normal rounds, then pause rounds: the holder is frozen after its check, past the TTL.
  const stale: Ev[] = [];
  for (let round = 0; round < 8; round++) {
    const w = await next((e) => e.ev === 'writing', 'a holder');
    const pause = round % 2 === 1;
    if (!pause) {
      go(w.id);
      await next((e) => e.ev === 'wrote' && e.id === w.id && e.token === w.token, `${w.id}'s write`);
      continue;
    }
    const proc = clients.get(w.id)!;
    proc.kill('SIGSTOP');
    // Another client takes the lock once the frozen holder's lease has expired, and writes.
    const other = await next((e) => e.ev === 'writing' && e.id !== w.id, 'a new holder while one is frozen');
    assert.ok(other.token! > w.token!, 'the new holder has a greater token');
    go(other.id);
    await next((e) => e.ev === 'wrote' && e.id === other.id, 'the new holder’s write');
    proc.kill('SIGCONT');
    go(w.id);
    stale.push(await next((e) => e.ev === 'wrote' && e.id === w.id && e.token === w.token, 'the frozen holder’s late write'));
  }

  // Partition: etcd stops answering while a client holds; it must give up before the TTL.
  const holder = await next((e) => e.ev === 'writing', 'a holder before the partition');
  const stoppedAt = performance.now();
  etcd.kill('SIGSTOP');
  const lost = await next((e) => e.ev === 'lost' && e.id === holder.id && e.token === holder.token, 'the partitioned holder to give up');
  const lostAfter = performance.now() - stoppedAt;
  etcd.kill('SIGCONT');
  assert.ok(lostAfter < 2000, `the holder gave up ${Math.round(lostAfter)} ms after etcd stopped, before its 2 s TTL`);
  go(holder.id);
  await next((e) => e.ev === 'wrote' && e.id === holder.id, 'the partitioned holder’s write');
  assert.ok(lost);

  const fenced = (await redis.lrange('fenced:history', 0, -1)).map((s) => Number(s.split(':')[0]));
  const plain = (await redis.lrange('plain:history', 0, -1)).map((s) => Number(s.split(':')[0]));
  for (let i = 1; i < fenced.length; i++)
    assert.ok(fenced[i]! >= fenced[i - 1]!, `fenced store accepted token ${fenced[i]} after ${fenced[i - 1]}: ${fenced.join(',')}`);
  const wentBack = plain.some((tok, i) => i > 0 && tok < plain[i - 1]!);
  assert.ok(wentBack, `the plain store shows the overlap (a write older than the one before it): ${plain.join(',')}`);
  assert.ok(stale.length >= 3, 'several pause rounds ran');
  for (const s of stale) assert.equal(s.accepted, false, `the frozen holder's stale token ${s.token} was refused`);
  assert.ok(
    stale.every((s) => s.knewLost),
    'each frozen holder had been told (signal aborted) by the time it wrote',
  );
  t.diagnostic(
    `writes: ${plain.length} ` +
      `plain, ${fenced.length} fenced ` +
      `accepted, ${stale.length} stale refused; partition ` +
      `noticed after ${Math.round(lostAfter)} ms`,
  );
});
