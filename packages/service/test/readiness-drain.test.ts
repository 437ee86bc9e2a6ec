// The unready phase follows whoever polls readiness: who counts as watching, how the wait ends,
// which plan a stop takes, and a service that nobody polls stopping at once.
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { test } from 'node:test';
import { cleanup } from '@holdfast/testkit';
import { createService } from '../src/index.ts';
import { MAX_INTERVAL_MS, OVERDUE_SLACK_MS, ReadinessPollers } from '../src/health/readiness-pollers.ts';
import { planUnready } from '../src/shutdown/unready.ts';
import { get } from './helpers.ts';

function clock() {
  let t = 1000;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

test('a poller watches after two polls at a balancer-like interval, until it is overdue', () => {
  const c = clock();
  const p = new ReadinessPollers(c.now);
  p.answered('10.0.0.1 lb', true);
  assert.deepEqual(p.watching(), [], 'one poll is not a balancer');
  c.advance(200);
  p.answered('10.0.0.1 lb', true);
  assert.deepEqual(p.watching(), ['10.0.0.1 lb']);
  c.advance(2 * 200 + OVERDUE_SLACK_MS);
  assert.deepEqual(p.watching(), ['10.0.0.1 lb'], 'not overdue yet');
  c.advance(1);
  assert.deepEqual(p.watching(), [], 'silent for twice its interval plus the slack: gone');
});

test('the interval is the longest recent gap, so a jittery balancer is not dropped early', () => {
  const c = clock();
  const p = new ReadinessPollers(c.now);
  for (const gap of [0, 900, 100, 150]) {
    c.advance(gap);
    p.answered('lb', true);
  }
  c.advance(1500);
  assert.deepEqual(p.watching(), ['lb'], '1.5 s after a 100 ms gap, but the longest gap was 900 ms');
});

test('gaps longer than a balancer health check (a person running curl) do not count', () => {
  const c = clock();
  const p = new ReadinessPollers(c.now);
  p.answered('curl', true);
  c.advance(MAX_INTERVAL_MS + 1);
  p.answered('curl', true);
  assert.deepEqual(p.watching(), []);
});

test('the wait ends once each watcher has had its unready answers; a watcher that goes quiet is let go', async () => {
  const p = new ReadinessPollers();
  for (const who of ['a', 'b', 'quiet']) p.answered(who, true);
  await new Promise((r) => setTimeout(r, 20));
  for (const who of ['a', 'b', 'quiet']) p.answered(who, true);
  const watching = p.watching();
  assert.deepEqual(watching.sort(), ['a', 'b', 'quiet']);
  const waiting = p.seen(watching, 2, AbortSignal.timeout(5000));
  p.answered('a', false);
  p.answered('a', false);
  p.answered('b', false);
  p.answered('b', true); // a check that raced the change: does not count
  p.answered('b', false);
  p.answered('newcomer', false);
  const r = await waiting;
  assert.deepEqual(r.saw.sort(), ['a', 'b']);
  assert.deepEqual(r.gone, ['quiet'], 'stopped polling: not waited for past its overdue time');
  assert.deepEqual(r.pending, []);
});

test('the wait gives up at the cap and says who was still owed an answer', async () => {
  const c = clock();
  const p = new ReadinessPollers(c.now);
  p.answered('slow', true);
  c.advance(1000);
  p.answered('slow', true);
  const r = await p.seen(['slow'], 1, AbortSignal.timeout(30));
  assert.deepEqual(r, { saw: [], gone: [], pending: ['slow'] });
});

test('the plan: a configured delay wins; an inherited socket, readinessDrain false or nobody polling close at once', () => {
  const p = new ReadinessPollers();
  const base = {
    shutdownDelayMs: undefined,
    readinessDrain: { answers: 1, reactionMs: 1000 },
    inheritedSocket: false,
    maxMs: 14_500,
  } as const;
  assert.deepEqual(planUnready({ ...base, shutdownDelayMs: 5000 }, p), { kind: 'delay', delayMs: 5000, why: 'shutdownDelayMs' });
  assert.equal(planUnready(base, p).kind, 'delay', 'nobody polls');
  assert.match((planUnready(base, p) as { why: string }).why, /nobody polls readiness/);
  p.answered('lb', true);
  p.answered('lb', true);
  const plan = planUnready(base, p);
  assert.equal(plan.kind, 'pollers');
  assert.deepEqual(
    plan.kind === 'pollers' && { watching: plan.watching, answers: plan.answers, reactionMs: plan.reactionMs, maxMs: plan.maxMs },
    { watching: ['lb'], answers: 1, reactionMs: 1000, maxMs: 14_500 },
  );
  assert.match((planUnready({ ...base, inheritedSocket: true }, p) as { why: string }).why, /inherited/);
  assert.match((planUnready({ ...base, readinessDrain: false }, p) as { why: string }).why, /readinessDrain is off/);
});

const quiet = { port: 0, host: '127.0.0.1', handleSignals: false, handleProcessErrors: false, logger: { level: 'silent' as const } };

test('nobody polls readiness: stop() closes at once (Ctrl-C in development stays instant)', async (t) => {
  const service = createService(quiet);
  cleanup(t, () => service.stop('test over'));
  await service.start();
  assert.equal((await get(service.url + '/readyz')).status, 200, 'one check by hand is not a balancer');
  const report = await service.stop('test');
  assert.ok(report.phases.unready < 100, `unready for ${report.phases.unready} ms`);
});

test('a balancer polling readiness: stop() serves until it has been answered 503, then the reaction margin', async (t) => {
  const service = createService({ ...quiet, readinessDrain: { answers: 2, reactionMs: 300 } });
  cleanup(t, () => service.stop('test over'));
  await service.start();
  const statuses: number[] = [];
  let polling = true;
  const agent = new Agent({ keepAlive: false });
  const poller = (async () => {
    while (polling) {
      const o = await get(service.url + '/readyz', { agent, headers: { 'user-agent': 'lb' } });
      if (o.status === undefined) break;
      statuses.push(o.status);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  cleanup(t, async () => {
    polling = false;
    await poller;
  });
  while (statuses.length < 3) await new Promise((r) => setTimeout(r, 20));
  const stopping = service.stop('test');
  // Still serving while unready.
  while (statuses.filter((s) => s === 503).length < 1) await new Promise((r) => setTimeout(r, 10));
  assert.equal((await get(service.url + '/readyz')).status, 503);
  const report = await stopping;
  polling = false;
  await poller;
  assert.ok(statuses.filter((s) => s === 503).length >= 2, `answered 503 at least twice (${statuses.join(' ')})`);
  assert.ok(report.phases.unready >= 300, `then the reaction margin (${report.phases.unready} ms unready)`);
  assert.ok(report.phases.unready < 5000, 'and no longer');
});
