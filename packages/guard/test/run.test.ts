import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlockError, type BreakerStateChange, type Entry, GuardError, createGuard } from '../src/index.ts';

const breakerRules = {
  breakers: [{ id: 'b', resource: 'up', strategy: 'consecutiveFailures' as const, threshold: 2, retryTimeoutMs: 60_000 }],
};

describe('guard.run', () => {
  it('runs the function, records success and RT, and returns its value', async () => {
    const g = createGuard({ autoSample: false });
    assert.equal(await g.run('r', async () => 42), 42);
    assert.equal(await g.run('r', () => 'sync'), 'sync');
    const s = g.snapshot().resources.find((r) => r.resource === 'r')!;
    assert.equal(s.success, 2);
    assert.equal(s.inflight, 0);
    assert.equal(s.rt.count, 2);
  });

  it('counts a throw as an error and rethrows it; fallback serves failures and blocks', async () => {
    const g = createGuard({ autoSample: false, rules: breakerRules });
    await assert.rejects(
      g.run('up', () => Promise.reject(new Error('boom'))),
      /boom/,
    );
    assert.equal(
      await g.run('up', () => Promise.reject(new Error('boom')), { fallback: (e) => `fallback: ${(e as Error).message}` }),
      'fallback: boom',
    );
    // Two failures in a row: the breaker is open now.
    const blocked = await g.run('up', async () => 'never', {
      fallback: (e) => (e instanceof BlockError ? `blocked by ${e.rule.id}` : 'other'),
    });
    assert.equal(blocked, 'blocked by b');
    await assert.rejects(
      g.run('up', async () => 'never'),
      (e: unknown) => e instanceof BlockError && e.reason === 'breaker',
    );
    assert.equal(g.snapshot().resources.find((r) => r.resource === 'up')!.error, 2);
  });

  it('settles through a thenable that is not a native promise: value, failure and fallback', async () => {
    const g = createGuard({ autoSample: false, rules: breakerRules });
    // A plain object with a then method (what some clients return), typed as the promise run() expects.
    const thenable = <T>(settle: (ok: (v: T) => void, fail: (e: unknown) => void) => void): Promise<T> => {
      const like: PromiseLike<T> = { then: (ok, fail) => new Promise<T>(settle).then(ok, fail) };
      return like as Promise<T>;
    };
    assert.equal(await g.run('up', () => thenable<number>((ok) => ok(7))), 7);
    await assert.rejects(
      g.run('up', () => thenable<number>((_, fail) => fail(new Error('thenable boom')))),
      /thenable boom/,
    );
    assert.equal(await g.run('up', () => thenable<string>((_, fail) => fail(new Error('x'))), { fallback: () => 'served' }), 'served');
    const s = g.snapshot().resources.find((r) => r.resource === 'up')!;
    assert.deepEqual([s.success, s.error, s.inflight], [1, 2, 0]);
    // Two failures in a row opened the consecutive-failures breaker.
    assert.equal(g.entry('up').blocked, true);
  });

  it('isError decides what counts against breakers (e.g. ignore 4xx-like errors)', async () => {
    const g = createGuard({ autoSample: false, rules: breakerRules });
    for (let i = 0; i < 5; i++)
      await g.run('up', () => Promise.reject(Object.assign(new Error('not found'), { status: 404 })), {
        fallback: () => null,
        isError: (e) => (e as { status: number }).status >= 500,
      });
    assert.equal(g.entry('up').blocked, false);
  });
});

describe('guard.wrap', () => {
  it('passes an AbortSignal that fires at timeoutMs; a timeout counts as an error and opens the breaker', async () => {
    const g = createGuard({ autoSample: false, rules: breakerRules });
    const changes: BreakerStateChange[] = [];
    g.on('breakerStateChange', (c) => changes.push(c));
    let aborted = 0;
    const slow = g.wrap(
      'up',
      (signal: AbortSignal, ms: number) =>
        new Promise<string>((resolve) => {
          const t = setTimeout(() => resolve('late'), ms);
          signal.addEventListener('abort', () => {
            aborted++;
            clearTimeout(t);
          });
        }),
      { timeoutMs: 30 },
    );
    assert.equal(await slow(1), 'late');
    await assert.rejects(slow(1000), (e: unknown) => e instanceof GuardError && e.code === 'HOLDFAST_E_TIMEOUT');
    await assert.rejects(slow(1000), /no answer within 30 ms/);
    assert.equal(aborted, 2, 'the call saw its signal abort');
    assert.deepEqual(
      changes.map((c) => c.to),
      ['open'],
    );
    await assert.rejects(slow(1), (e: unknown) => e instanceof BlockError);
  });

  it('serves the fallback with the call arguments on block, failure and timeout', async () => {
    const g = createGuard({ autoSample: false, rules: breakerRules });
    const get = g.wrap(
      'up',
      async (_signal: AbortSignal, id: number) => {
        if (id < 0) throw new Error('bad id');
        return { id, from: 'upstream' };
      },
      { fallback: (err, id) => ({ id, from: err instanceof BlockError ? 'fallback:blocked' : 'fallback:error' }) },
    );
    assert.deepEqual(await get(1), { id: 1, from: 'upstream' });
    assert.deepEqual(await get(-1), { id: -1, from: 'fallback:error' });
    assert.deepEqual(await get(-2), { id: -2, from: 'fallback:error' });
    assert.deepEqual(await get(3), { id: 3, from: 'fallback:blocked' });
  });

  it('derives the hotspot key from the arguments', async () => {
    const g = createGuard({ autoSample: false, rules: { hotspot: [{ id: 'h', resource: 'up', threshold: 1 }] } });
    const call = g.wrap('up', async (_s: AbortSignal, user: string) => user, { key: (user) => user });
    assert.equal(await call('a'), 'a');
    assert.equal(await call('b'), 'b');
    await assert.rejects(call('a'), (e: unknown) => e instanceof BlockError && e.reason === 'hotkey');
  });
});

describe('entries', () => {
  it('are pooled: exit returns them, a second exit is ignored, and in-flight counts stay right', () => {
    const g = createGuard({ autoSample: false });
    const a = g.entry('r') as Entry;
    a.exit();
    a.exit();
    const b = g.entry('r') as Entry;
    assert.equal(b.resource, 'r');
    assert.equal(g.snapshot().resources[0]!.inflight, 1);
    b.exit({ error: new Error('x'), rt: 12 });
    const s = g.snapshot().resources[0]!;
    assert.equal(s.inflight, 0);
    assert.equal(s.error, 1);
    assert.equal(s.success, 1);
    assert.equal(s.rt.sumMs >= 12, true);
  });

  it('exit({ error: false }) and exit({ error: null }) count as success', () => {
    const g = createGuard({ autoSample: false });
    (g.entry('r') as Entry).exit({ error: false });
    (g.entry('r') as Entry).exit({ error: null });
    assert.equal(g.snapshot().resources[0]!.success, 2);
  });

  it('a flood of resource names is capped: extra names share one untracked node', () => {
    const g = createGuard({ autoSample: false, maxResources: 10 });
    for (let i = 0; i < 100; i++) (g.entry(`/raw/url/${i}`) as Entry).exit();
    const names = g.snapshot().resources.map((r) => r.resource);
    assert.equal(names.length, 11);
    assert.ok(names.includes('(overflow)'));
  });

  it('emits a block event carrying the BlockError, only built when someone listens', () => {
    const g = createGuard({ autoSample: false, rules: { isolation: [{ id: 'i', resource: 'r', maxConcurrency: 0 }] } });
    const seen: BlockError[] = [];
    g.on('block', (e) => seen.push(e));
    g.entry('r');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.reason, 'concurrency');
  });
});
