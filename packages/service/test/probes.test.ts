// Probes follow the background checks, with hysteresis; liveness ignores dependencies.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { cleanup, waitFor } from '@holdfast/testkit';
import { createService, type ServiceOptions } from '../src/index.ts';
import { get } from './helpers.ts';

async function started(t: TestContext, options: ServiceOptions = {}, setup?: (s: ReturnType<typeof createService>) => void) {
  const service = createService({
    port: 0,
    host: '127.0.0.1',
    handleSignals: false,
    handleProcessErrors: false,
    logger: { level: 'silent' },
    ...options,
  });
  setup?.(service);
  cleanup(t, () => service.stop('test over'));
  await service.start();
  return service;
}

const status = async (url: string) => (await get(url)).status;

test('readiness follows a critical check with rise/fall hysteresis', async (t) => {
  let healthy = true;
  let runs = 0;
  const service = await started(t, {}, (s) =>
    s.health.register(
      'db',
      () => {
        runs++;
        if (!healthy) throw new Error('db down');
      },
      { kind: 'critical', intervalMs: 20, timeoutMs: 100, rise: 3, fall: 2 },
    ),
  );
  await waitFor('READY', () => service.state === 'READY');
  assert.equal(await status(service.url + '/readyz'), 200);

  healthy = false;
  const failFrom = runs;
  await waitFor('readyz 503', async () => (await status(service.url + '/readyz')) === 503);
  assert.ok(runs - failFrom >= 2, `needed fall=2 consecutive failures (saw ${runs - failFrom} runs)`);
  const body = JSON.parse((await get(service.url + '/readyz')).body!) as {
    checks: { db: { status: string; lastError: string; kind: string; latencyMs: number } };
  };
  assert.equal(body.checks.db.status, 'fail');
  assert.equal(body.checks.db.lastError, 'db down');
  assert.equal(body.checks.db.kind, 'critical');
  assert.equal(typeof body.checks.db.latencyMs, 'number');
  // Liveness never looks at dependencies.
  assert.equal(await status(service.url + '/livez'), 200);
  assert.equal(service.state, 'READY', 'a failing critical check makes the service unready, not a different lifecycle state');

  healthy = true;
  const passFrom = runs;
  await waitFor('readyz 200', async () => (await status(service.url + '/readyz')) === 200);
  assert.ok(runs - passFrom >= 3, `needed rise=3 consecutive passes (saw ${runs - passFrom} runs)`);
});

test('a single failure inside the fall window does not flap readiness', async (t) => {
  const results = [true, false, true, false, true, false, true, false, true, false, true, false, true, false];
  let i = 0;
  let readyFailures = 0;
  const service = await started(t, {}, (s) =>
    s.health.register(
      'flaky',
      () => {
        if (!(results[i++ % results.length] ?? true)) throw new Error('blip');
      },
      { intervalMs: 15, fall: 2, rise: 1 },
    ),
  );
  await waitFor('READY', () => service.state === 'READY');
  const startIndex = i;
  while (i < startIndex + 12) {
    if (!service.health.ready()) readyFailures++;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(readyFailures, 0, 'alternating pass/fail never reaches fall=2');
});

test('a degraded-kind check marks DEGRADED but stays ready (200)', async (t) => {
  let cacheUp = true;
  const service = await started(t, {}, (s) =>
    s.health.register(
      'cache',
      () => {
        if (!cacheUp) throw new Error('redis unreachable');
      },
      { kind: 'degraded', intervalMs: 20, rise: 1, fall: 1 },
    ),
  );
  await waitFor('READY', () => service.state === 'READY');
  cacheUp = false;
  await waitFor('DEGRADED', () => service.state === 'DEGRADED');
  const r = await get(service.url + '/readyz');
  assert.equal(r.status, 200);
  assert.equal((JSON.parse(r.body!) as { state: string }).state, 'DEGRADED');
  cacheUp = true;
  await waitFor('READY again', () => service.state === 'READY');
});

test('a check that throws or hangs counts as failing and never crashes the service', async (t) => {
  const service = await started(t, {}, (s) => {
    s.health.register('hangs', () => new Promise(() => {}), { intervalMs: 30, timeoutMs: 50, fall: 1 });
    s.health.register(
      'throws',
      () => {
        throw new TypeError('boom in check');
      },
      { intervalMs: 30, fall: 1 },
    );
    s.health.register('rejects', async () => Promise.reject(new Error('rejected')), { intervalMs: 30, fall: 1 });
  });
  await waitFor('all checks ran', () => Object.values(service.health.checks()).every((c) => c.status === 'fail'));
  const body = JSON.parse((await get(service.url + '/readyz')).body!) as { checks: Record<string, { lastError: string }> };
  assert.match(body.checks.hangs!.lastError, /timed out after 50 ms/);
  assert.equal(body.checks.throws!.lastError, 'boom in check');
  assert.equal(body.checks.rejects!.lastError, 'rejected');
  assert.equal(service.state, 'STARTING', 'never became ready: critical checks never passed');
  assert.equal(await status(service.url + '/startupz'), 503);
  assert.equal(await status(service.url + '/livez'), 200);
});

test('probes never run checks per request', async (t) => {
  let runs = 0;
  const service = await started(t, {}, (s) => s.health.register('counted', () => void runs++, { intervalMs: 60_000 }));
  await waitFor('READY', () => service.state === 'READY');
  const before = runs;
  await Promise.all(Array.from({ length: 50 }, () => get(service.url + '/readyz')));
  assert.equal(runs, before);
});

test('/livez fails after the event loop was blocked past the watchdog threshold', async (t) => {
  const service = await started(t, { watchdog: { sampleMs: 10, maxBlockMs: 150, windowMs: 60_000 } });
  assert.equal(await status(service.url + '/livez'), 200);
  const end = performance.now() + 300;
  while (performance.now() < end); // block the loop
  await new Promise((r) => setTimeout(r, 30));
  const r = await get(service.url + '/livez');
  assert.equal(r.status, 503);
  assert.ok((JSON.parse(r.body!) as { eventLoop: { lastBlockMs: number } }).eventLoop.lastBlockMs >= 150);
  assert.equal(await status(service.url + '/readyz'), 200, 'readiness is a separate question');
});

test('/readyz is 503 while draining; /startupz is 200 once started', async (t) => {
  const service = await started(t, { shutdownDelayMs: 300 });
  assert.equal(await status(service.url + '/startupz'), 200);
  const stopping = service.stop('test');
  assert.equal(service.state, 'DRAINING');
  assert.equal(await status(service.url + '/readyz'), 503);
  const report = await stopping;
  assert.equal(report.ok, true);
  assert.equal(service.state, 'STOPPED');
});

test('probes and metrics can live on a separate admin port', async (t) => {
  const service = await started(t, { admin: { port: 0 } }, (s) => s.app.get('/x', async () => 'x'));
  assert.ok(service.adminUrl);
  assert.equal(await status(service.adminUrl + '/readyz'), 200);
  assert.equal(await status(service.adminUrl + '/metrics'), 200);
  assert.equal(await status(service.url + '/readyz'), 404, 'not on the main port');
  assert.equal(await status(service.url + '/x'), 200);
});
