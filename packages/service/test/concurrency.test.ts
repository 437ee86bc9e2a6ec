import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hasCode } from '@holdfast/config/errors';
import { keyedMutex, mutex, rwLock, semaphore, type LockObserver } from '@holdfast/service/concurrency';

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('mutex', () => {
  test('hands over in arrival order (FIFO), one holder at a time', async () => {
    const m = mutex({ name: 'fifo' });
    const order: number[] = [];
    let inside = 0;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        m.run(async () => {
          inside++;
          assert.equal(inside, 1);
          order.push(i);
          await tick();
          inside--;
        }),
      ),
    );
    assert.deepEqual(
      order,
      Array.from({ length: 20 }, (_, i) => i),
    );
    assert.equal(m.stats.acquired, 20);
    assert.equal(m.stats.contended, 19);
    assert.equal(m.locked, false);
  });

  test('the uncontended path returns the same resolved promise (nothing allocated)', async () => {
    const m = mutex();
    const a = m.acquire();
    m.release();
    const b = m.acquire();
    m.release();
    assert.equal(a, b);
    await a;
  });

  test('a timed-out waiter leaves the queue and the next one still gets it', async () => {
    const m = mutex({ name: 'orders' });
    await m.acquire();
    const late = m.acquire({ timeoutMs: 20 });
    const patient = m.acquire();
    await assert.rejects(
      late,
      (err: Error) => hasCode(err, 'HOLDFAST_E_LOCK_TIMEOUT') && /orders: not acquired within 20 ms/.test(err.message),
    );
    assert.equal(m.waiting, 1);
    m.release();
    await patient;
    assert.equal(m.locked, true);
    m.release();
    assert.equal(m.stats.timeouts, 1);
  });

  test('an aborted wait rejects with the signal reason as cause; an aborted signal never queues', async () => {
    const m = mutex({ name: 'db' });
    await m.acquire();
    const ac = new AbortController();
    const waiting = m.acquire({ signal: ac.signal });
    ac.abort(new Error('client went away'));
    await assert.rejects(
      waiting,
      (err: Error) => hasCode(err, 'HOLDFAST_E_LOCK_ABORTED') && (err.cause as Error).message === 'client went away',
    );
    await assert.rejects(m.acquire({ signal: ac.signal }), (err: Error) => hasCode(err, 'HOLDFAST_E_LOCK_ABORTED'));
    assert.equal(m.waiting, 0);
    m.release();
    assert.equal(m.locked, false);
  });

  test('a release of a mutex that is not held is refused precisely', () => {
    const m = mutex({ name: 'cache' });
    assert.throws(
      () => m.release(),
      (err: Error) => hasCode(err, 'HOLDFAST_E_LOCK_STATE') && /cache: release of permit 0, which is not held/.test(err.message),
    );
  });

  test('a hold past holdWarnMs is logged with its owner', async () => {
    const lines: { obj: { holders: { owner: string }[] }; msg: string }[] = [];
    let seen!: () => void;
    const logged = new Promise<void>((r) => (seen = r));
    const m = mutex({ name: 'ledger', holdWarnMs: 30, logger: { warn: (obj, msg) => (lines.push({ obj: obj as never, msg }), seen()) } });
    await m.acquire({ owner: 'nightly-reconcile' });
    await logged;
    m.release();
    assert.match(lines[0]!.msg, /lock 'ledger' held past 30 ms by nightly-reconcile \(\d+ ms\)/);
    assert.equal(lines[0]!.obj.holders[0]!.owner, 'nightly-reconcile');
  });

  test('the observer gets the time waited and held of each acquisition', async () => {
    let now = 0;
    const waited: number[] = [];
    const held: number[] = [];
    const observer: LockObserver = { waited: (_l, ms) => waited.push(ms), held: (_l, ms) => held.push(ms) };
    const m = mutex({ name: 'x', observer, now: () => now });
    await m.acquire();
    const second = m.acquire();
    now = 40;
    m.release();
    await second;
    now = 50;
    m.release();
    assert.deepEqual(waited, [0, 40]);
    assert.deepEqual(held, [40, 10]);
    assert.equal(m.stats.maxWaitedMs, 40);
  });

  test('bad options are refused with the field named', () => {
    assert.throws(() => mutex({ name: 'm', timeoutMs: -1 }), /m: timeoutMs must be a finite number/);
    assert.throws(() => semaphore(0, { name: 's' }), /semaphore 's': permits must be an integer of at least 1, got 0/);
  });
});

describe('semaphore', () => {
  test('at most N holders; permits go to waiters in order', async () => {
    const s = semaphore(3, { name: 'pool' });
    let inside = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        s.run(async () => {
          inside++;
          peak = Math.max(peak, inside);
          order.push(i);
          await tick();
          await tick();
          inside--;
        }),
      ),
    );
    assert.equal(peak, 3);
    assert.deepEqual(
      order,
      Array.from({ length: 12 }, (_, i) => i),
    );
  });

  test('a newcomer does not barge past waiters even when tryAcquire is used', async () => {
    const s = semaphore(1);
    const p = await s.acquire();
    const waiter = s.acquire();
    assert.equal(s.tryAcquire(), -1);
    s.release(p);
    assert.equal(s.tryAcquire(), -1, 'the permit went to the waiter');
    s.release(await waiter);
  });

  test('holders() names who holds what', async () => {
    const s = semaphore(2);
    const a = await s.acquire({ owner: 'import-a' });
    await s.acquire({ owner: 'import-b' });
    assert.deepEqual(
      s
        .holders()
        .map((h) => h.owner)
        .sort(),
      ['import-a', 'import-b'],
    );
    s.release(a);
    assert.throws(() => s.release(a), /not held/);
  });
});

describe('rwLock', () => {
  test('readers share; a writer waits for them and blocks readers that come after it (FIFO)', async () => {
    const rw = rwLock({ name: 'config' });
    const r1 = await rw.read();
    const r2 = await rw.read();
    assert.equal(rw.readers, 2);
    const events: string[] = [];
    const w = rw.write().then(() => events.push('write'));
    const r3 = rw.read().then((p) => (events.push('read-3'), p));
    await tick();
    assert.deepEqual(events, []);
    rw.releaseRead(r1);
    rw.releaseRead(r2);
    await w;
    assert.deepEqual(events, ['write']);
    assert.equal(rw.writing, true);
    rw.releaseWrite();
    const p3 = await r3;
    assert.deepEqual(events, ['write', 'read-3']);
    rw.releaseRead(p3);
  });

  test('consecutive readers at the head are all woken together', async () => {
    const rw = rwLock();
    await rw.write();
    const readers = [rw.read(), rw.read(), rw.read()];
    const w2 = rw.write();
    rw.releaseWrite();
    const permits = await Promise.all(readers);
    assert.equal(rw.readers, 3);
    assert.equal(rw.writing, false);
    for (const p of permits) rw.releaseRead(p);
    await w2;
    assert.equal(rw.writing, true);
    rw.releaseWrite();
  });

  test('write timeout and abort', async () => {
    const rw = rwLock({ name: 'idx' });
    const r = await rw.read();
    await assert.rejects(rw.write({ timeoutMs: 10 }), /idx:write: not acquired within 10 ms/);
    rw.releaseRead(r);
    await rw.write();
    rw.releaseWrite();
  });
});

describe('keyedMutex', () => {
  test('one holder per key, keys independent, entries freed when idle', async () => {
    const km = keyedMutex<string>({ name: 'accounts' });
    await km.acquire('a');
    await km.acquire('b');
    assert.equal(km.size, 2);
    const order: string[] = [];
    const a2 = km.acquire('a').then(() => order.push('a2'));
    const a3 = km.acquire('a').then(() => order.push('a3'));
    km.release('b');
    assert.equal(km.size, 1, 'b is idle: its entry is gone');
    km.release('a');
    await a2;
    km.release('a');
    await a3;
    km.release('a');
    assert.deepEqual(order, ['a2', 'a3']);
    assert.equal(km.size, 0);
    assert.throws(() => km.release('a'), /accounts: release of key 'a', which is not held/);
  });

  test('a timed-out waiter on a key leaves the entry to its holder, then the entry is freed', async () => {
    const km = keyedMutex({ name: 'k' });
    await km.acquire('x');
    await assert.rejects(km.acquire('x', { timeoutMs: 5 }), /k\[x\]: not acquired within 5 ms/);
    km.release('x');
    assert.equal(km.size, 0);
  });
});
