// The drain, against a real child process under real keep-alive load.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { waitFor } from '@holdfast/testkit';
import { get, logLines, newLoadResult, runLoad, startFixture } from './helpers.ts';

test('SIGTERM under keep-alive load: 0 failed requests, 0 resets, 503 readiness before the listener closes, exit 0', async (t) => {
  // 600 ms of unready-but-serving: longer than the load balancer's 50 ms probe period below.
  const { child, url } = await startFixture(t, { DELAY_MS: '600', GRACE_MS: '10000' });
  let lbSawUnready = false;
  let exited = false;
  void child.exited.then(() => (exited = true));
  let readyzDuringDrain: number[] = [];
  // The "load balancer": polls readiness and stops routing once it sees 503.
  const lb = (async () => {
    while (!lbSawUnready) {
      const r = await get(url + '/readyz');
      if (r.status === 503) {
        readyzDuringDrain.push(r.status);
        lbSawUnready = true;
      } else if (r.error || exited) break;
      await delay(50);
    }
  })();
  const until = performance.now() + 90_000;
  // Bounded: the clients also stop if the child dies or the test overruns, so a broken drain
  // fails the assertions below instead of hanging.
  const live = newLoadResult();
  const load = runLoad(url, {
    keepAliveClients: 8,
    closeClients: 2,
    paths: ['/hello', '/items/7', '/slow?ms=30', '/hello'],
    stop: () => lbSawUnready || exited || performance.now() > until,
    live,
  });
  // Let the load reach steady state, then ask for shutdown while requests are in flight.
  await waitFor('300 requests served', () => live.ok >= 300, { timeoutMs: 60_000 });
  child.kill('SIGTERM');
  const [result, exit] = await Promise.all([load, child.exited, lb]);

  t.diagnostic(`requests sent ${result.sent}, ok ${result.ok}, failed ${result.failed.length}, resets ${result.resets}`);
  assert.ok(result.sent > 200, `the load was real (${result.sent} requests)`);
  assert.deepEqual(result.failed, [], 'no request failed');
  assert.equal(result.resets, 0);
  assert.ok(readyzDuringDrain.includes(503), 'readiness answered 503 while the listener still accepted connections');
  assert.deepEqual(exit, { code: 0, signal: null });

  const logs = logLines(child.stdout());
  const done = logs.find((l) => l.msg === 'shutdown complete') as { phases: Record<string, number> } | undefined;
  assert.ok(done, 'a per-phase timing report is logged');
  assert.ok(done.phases.unready! >= 550, `stayed unready-but-serving for the delay (${done.phases.unready} ms)`);
  const states = logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('lifecycle:')).map((l) => l.state);
  assert.deepEqual(states, ['READY', 'DRAINING', 'CLOSING', 'STOPPED']);
  readyzDuringDrain = [];
});

test('a request longer than the drain deadline: exit 1, and the log names the pending request', async (t) => {
  const { child, url } = await startFixture(t, { GRACE_MS: '2000' });
  const slow = get(url + '/slow?ms=8000');
  // The request must be in flight before the signal.
  await child.waitForLine('"state":"READY"');
  await delay(150);
  child.kill('SIGTERM');
  const exit = await child.exited;
  assert.deepEqual(exit, { code: 1, signal: null });
  const pendingLine = logLines(child.stdout()).find((l) => Array.isArray(l.pending)) as
    { pending: { url: string; method: string }[]; msg: string } | undefined;
  assert.ok(pendingLine, 'a line lists the pending requests');
  assert.deepEqual(
    pendingLine.pending.map((p) => `${p.method} ${p.url}`),
    ['GET /slow?ms=8000'],
  );
  assert.match(pendingLine.msg, /drain deadline/);
  const outcome = await slow;
  assert.ok(outcome.error, 'the unfinished request was cut off at the deadline');
});

test('onShutdown hooks run in reverse order; a hook past its timeout is reported and the next still runs', async (t) => {
  const { child } = await startFixture(t, { HOOKS: 'first:0,second:0,slow:3000,last:0', HOOK_TIMEOUT_MS: '300' });
  child.kill('SIGTERM');
  const exit = await child.exited;
  const ran = logLines(child.stdout())
    .filter((l) => typeof l.hookRan === 'string')
    .map((l) => l.hookRan);
  assert.deepEqual(ran, ['last', 'second', 'first'], 'reverse registration order; the slow hook never finished');
  const report = logLines(child.stdout()).find(
    (l) => Array.isArray(l.hooks) && l.msg !== undefined && String(l.msg).startsWith('shutdown'),
  ) as { hooks: { name: string; status: string; ms: number }[] };
  const ours = new Set(['first', 'second', 'slow', 'last']);
  assert.deepEqual(
    report.hooks.filter((h) => ours.has(h.name)).map((h) => [h.name, h.status]),
    [
      ['last', 'ok'],
      ['slow', 'timeout'],
      ['second', 'ok'],
      ['first', 'ok'],
    ],
  );
  const slow = report.hooks.find((h) => h.name === 'slow')!;
  assert.ok(slow.ms >= 280 && slow.ms < 2500, `the timeout was enforced (${slow.ms} ms)`);
  assert.equal(exit.code, 1, 'a hook that timed out makes the exit non-zero');
});

test('a second signal during the drain exits at once', async (t) => {
  const { child, url } = await startFixture(t, { GRACE_MS: '20000' });
  void get(url + '/slow?ms=15000');
  await delay(200);
  child.kill('SIGTERM');
  await child.waitForLine('shutdown: unready');
  const t0 = performance.now();
  child.kill('SIGTERM');
  const exit = await child.exited;
  assert.ok(performance.now() - t0 < 8000, 'exited without waiting for the drain');
  assert.equal(exit.code, 128 + 15);
  assert.ok(child.stdout().includes('second SIGTERM during shutdown'));
});

test(
  'the stop budget a supervisor sets (HOLDFAST_TERMINATION_GRACE_MS) caps a longer option: a slow request within ' +
    'it finishes; past it the service reports and exits before the kill',
  async (t) => {
    // The application asks for 30 s; the supervisor kills 4 s after SIGTERM.
    const env = { GRACE_MS: '30000', HOLDFAST_TERMINATION_GRACE_MS: '4000' };
    const a = await startFixture(t, env);
    // the trim is logged at start
    await a.child.waitForLine('HOLDFAST_TERMINATION_GRACE_MS says this process is killed 4000 ms after SIGTERM');
    const finishing = get(a.url + '/slow?ms=2500');
    await delay(150);
    a.child.kill('SIGTERM');
    assert.equal((await finishing).status, 200, 'the slow request finished during the drain');
    assert.equal((await a.child.exited).code, 0);

    const b = await startFixture(t, env);
    void get(b.url + '/slow?ms=8000');
    await delay(150);
    const t0 = performance.now();
    b.child.kill('SIGTERM');
    const exit = await b.child.exited;
    const took = performance.now() - t0;
    assert.deepEqual(exit, { code: 1, signal: null }, 'ended by itself, not killed');
    assert.ok(took < 4000, `within the supervisor's 4 s (${Math.round(took)} ms)`);
    assert.ok(
      logLines(b.child.stdout()).some((l) => Array.isArray(l.pending) && String(l.msg).includes('drain deadline')),
      'and said which request was cut off',
    );
  },
);
