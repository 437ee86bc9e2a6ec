// The signal forwarder over virtual time, with a send function that plays the supervisor: down,
// back, refusing, answering after storing. What the queue keeps, in which order, how long it
// waits between attempts, what it drops when full and what it says. The same forwarder against
// a real supervisor daemon: failover-signals.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Signal } from '@holdfast/supervisor/client';
import { SignalForwarder, type ForwarderLog } from '../src/signals/forwarder.ts';
import { NodeClock, VirtualTime } from '../src/testing/virtual-time.ts';

const sig = (n: number): Signal => ({ kind: 'failover.promotion', at: n, summary: `s${n}`, id: `c/${n}` });

function setup(o: { maxQueue?: number; batchSize?: number } = {}) {
  const vt = new VirtualTime();
  const clock = new NodeClock(vt, { offset: 0 });
  const lines: { level: string; msg: string; o: Record<string, unknown> }[] = [];
  const log: ForwarderLog = {
    info: (obj, msg) => void lines.push({ level: 'info', msg, o: obj as Record<string, unknown> }),
    warn: (obj, msg) => void lines.push({ level: 'warn', msg, o: obj as Record<string, unknown> }),
    error: (obj, msg) => void lines.push({ level: 'error', msg, o: obj as Record<string, unknown> }),
  };
  // The daemon: what it stored (ids, in order), whether it is up, and the attempts it saw (when).
  const daemon = { up: false, stored: [] as string[], attempts: [] as number[], loseAnswers: 0, refuse: false };
  const send = async (batch: Signal[]) => {
    daemon.attempts.push(vt.now);
    if (!daemon.up) throw Object.assign(new Error('ECONNREFUSED'), { code: 'HOLDFAST_E_DAEMON_UNREACHABLE' });
    if (daemon.refuse) throw Object.assign(new Error('signals[0].kind: bad'), { details: { status: 400 } });
    // Dedup by id, as the daemon does.
    for (const s of batch) if (!daemon.stored.includes(s.id!)) daemon.stored.push(s.id!);
    if (daemon.loseAnswers > 0) {
      daemon.loseAnswers--;
      throw new Error('socket hang up'); // stored, but the answer never came back
    }
  };
  const f = new SignalForwarder({
    send,
    clock,
    log,
    to: '/run/sup.sock',
    maxQueue: o.maxQueue ?? 100,
    retry: { initialMs: 100, maxMs: 1000 },
    ...(o.batchSize ? { batchSize: o.batchSize } : {}),
  });
  return { vt, f, daemon, lines };
}

test('a daemon that is down then back gets every signal once, in order, after backoff doubling to its max', async () => {
  const { vt, f, daemon, lines } = setup();
  f.push(sig(1));
  f.push(sig(2));
  await vt.advance(5000);
  // Attempts at 0, then waits 100, 200, 400, 800, 1000, 1000, … (capped).
  assert.deepEqual(daemon.attempts, [0, 100, 300, 700, 1500, 2500, 3500, 4500]);
  assert.equal(f.stats().queued, 2);
  assert.equal(lines.filter((l) => l.level === 'warn').length, 1, 'one warning per outage, not one per attempt');
  assert.match(lines[0]!.msg, /wait in the queue and are retried/);
  f.push(sig(3));
  daemon.up = true;
  await vt.advance(1000);
  assert.deepEqual(daemon.stored, ['c/1', 'c/2', 'c/3']);
  assert.deepEqual(f.stats(), { to: '/run/sup.sock', queued: 0, sent: 3, dropped: 0, refused: 0, failures: 8, lastError: null });
  assert.match(lines.at(-1)!.msg, /takes signals again/);
  // Backoff starts over after a success.
  daemon.up = false;
  const before = daemon.attempts.length;
  f.push(sig(4));
  await vt.advance(150);
  assert.deepEqual(
    daemon.attempts.slice(before).map((t) => t - daemon.attempts[before]!),
    [0, 100],
  );
});

test('an answer lost after the daemon stored the batch: sent again under the same ids, stored once', async () => {
  const { vt, f, daemon } = setup();
  daemon.up = true;
  daemon.loseAnswers = 1;
  f.push(sig(1));
  await vt.advance(1000);
  assert.equal(daemon.attempts.length, 2, 'retried');
  assert.deepEqual(daemon.stored, ['c/1']);
  assert.equal(f.stats().sent, 1);
});

test('a long outage: the queue keeps the newest maxQueue, drops the oldest, counts them and says so', async () => {
  const { vt, f, daemon, lines } = setup({ maxQueue: 3 });
  for (let i = 1; i <= 6; i++) f.push(sig(i));
  await vt.advance(100);
  assert.deepEqual(f.stats().dropped, 3);
  const drops = lines.filter((l) => l.level === 'error');
  assert.equal(drops.length, 1, 'logged once per outage');
  assert.match(drops[0]!.msg, /queue is full \(3.*dropped the oldest signal \(raise signals\.queue/);
  // 1 was in flight when 4 came: 2 went first, then 3; 1 itself when its send failed.
  assert.equal(drops[0]!.o.id, 'c/2');
  daemon.up = true;
  await vt.advance(1000);
  assert.deepEqual(daemon.stored, ['c/4', 'c/5', 'c/6']);
});

test('a batch the daemon refuses as invalid is dropped and counted, not retried forever', async () => {
  const { vt, f, daemon, lines } = setup();
  daemon.up = true;
  daemon.refuse = true;
  f.push(sig(1));
  await vt.advance(1000);
  assert.equal(daemon.attempts.length, 1);
  assert.equal(f.stats().refused, 1);
  assert.equal(f.stats().queued, 0);
  assert.match(lines.find((l) => l.level === 'error')!.msg, /refused signals as invalid/);
});

test('drain sends a waiting retry at once and resolves when delivered; close reports what is lost', async () => {
  const { vt, f, daemon, lines } = setup();
  f.push(sig(1));
  await vt.advance(50); // first attempt failed; the retry waits for 100 ms
  daemon.up = true;
  const drained = f.drain(10);
  await vt.advance(1);
  assert.equal(await drained, true);
  assert.deepEqual(daemon.stored, ['c/1']);

  daemon.up = false;
  f.push(sig(2));
  const timedOut = f.drain(500);
  await vt.advance(600);
  assert.equal(await timedOut, false);
  f.close();
  assert.match(lines.at(-1)!.msg, /never took: they are lost/);
  assert.equal(lines.at(-1)!.o.lost, 1);
  const attempts = daemon.attempts.length;
  await vt.advance(5000);
  assert.equal(daemon.attempts.length, attempts, 'no attempt after close');
});
