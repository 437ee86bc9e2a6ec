// Starting with the built-in Redis client: checks wait for its first connect (bounded), so a
// start with Redis up logs no "now fail" and turns READY at once; with Redis down the wait is
// short and the service still starts (DEGRADED); a second check named `redis` is refused with
// the reason.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { cleanup, freePort, tempDir, waitFor } from '@holdfast/testkit';
import { createService, type ServiceOptions } from '../src/index.ts';
import { startRedis } from './redis-server.ts';

async function started(t: TestContext, options: ServiceOptions, setup: (s: ReturnType<typeof createService>) => void) {
  const log = join(tempDir(t), 'service.log');
  const service = createService({
    port: 0,
    host: '127.0.0.1',
    handleSignals: false,
    handleProcessErrors: false,
    logger: { destination: log },
    ...options,
  });
  setup(service);
  cleanup(t, () => service.stop('test over'));
  const t0 = performance.now();
  await service.start();
  await waitFor('serving', () => service.state === 'READY' || service.state === 'DEGRADED', { timeoutMs: 30_000 });
  return { service, readyAfterMs: performance.now() - t0, lines: () => readFileSync(log, 'utf8') };
}

test('Redis up: checks that use service.redis wait for its first connect; no "now fail" warnings, READY at once', async (t) => {
  const redis = await startRedis(t);
  const { service, readyAfterMs, lines } = await started(t, { redis: redis.url }, (s) =>
    // The application's own check through the built-in client, with the default interval (5 s)
    // and rise (2): a failed first run would hold READY back for about 10 s.
    s.health.register('cache', async () => s.redis!.ping()),
  );
  assert.equal(service.state, 'READY');
  assert.ok(readyAfterMs < 4000, `READY ${Math.round(readyAfterMs)} ms after start()`);
  await service.stop('done');
  assert.doesNotMatch(lines(), /is now fail/);
  assert.deepEqual(Object.keys(service.health.checks()).sort(), ['cache', 'redis']);
});

test('Redis unreachable at start: the wait is bounded, the service starts DEGRADED and serves', async (t) => {
  const closed = await freePort();
  const { service, readyAfterMs } = await started(t, { redis: { url: `redis://127.0.0.1:${closed}`, connectTimeoutMs: 500 } }, (s) =>
    s.health.register('db', () => true),
  );
  await waitFor('DEGRADED', () => service.state === 'DEGRADED', { timeoutMs: 10_000 });
  assert.ok(readyAfterMs < 4000, `serving ${Math.round(readyAfterMs)} ms after start()`);
  assert.equal(service.health.checks().redis!.status, 'fail');
  assert.equal(service.health.ready(), true, 'Redis down degrades; it does not take the instance out of rotation');
});

test('a second check named redis is refused, saying REDIS_URL registered one', () => {
  const before = process.env.REDIS_URL;
  process.env.REDIS_URL = 'redis://127.0.0.1:1';
  let service: ReturnType<typeof createService> | undefined;
  try {
    service = createService({ port: 0, handleSignals: false, handleProcessErrors: false, logger: { level: 'silent' } });
    assert.throws(
      () => service!.health.register('redis', async () => service!.redis!.ping()),
      /a check named 'redis' is already registered \(by holdfast, for the REDIS_URL environment variable: it pings service\.redis; name your own check differently, or set redis: false/,
    );
  } finally {
    if (before === undefined) delete process.env.REDIS_URL;
    else process.env.REDIS_URL = before;
    service?.redis?.disconnect();
  }
});
