// End to end: a QPS limit of 100 on a real Fastify service, offered 1,000 requests/s for 10 s
// over real sockets, passes 100 ± 5% in every second.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { openLoop } from './open-loop.ts';
import { startService } from './service.ts';

it('a QPS limit of 100 with 1,000 requests/s offered passes 100 ± 5% per second over 10 s', async (t) => {
  const svc = await startService(t, { rules: { flow: [{ id: 'ping-qps', resource: 'GET /ping', threshold: 100 }] } });
  // Warm up (JIT, connections) and let the window fill, then measure 10 s.
  await openLoop({ url: `${svc.url}/ping`, ratePerSec: 1000, durationMs: 1500 });
  const samples = await openLoop({ url: `${svc.url}/ping`, ratePerSec: 1000, durationMs: 10_000 });
  const perSecond = Array.from({ length: 10 }, (_, s) => samples.filter((x) => x.at >= s * 1000 && x.at < (s + 1) * 1000));
  const passed = perSecond.map((xs) => xs.filter((x) => x.status === 200).length);
  const limited = perSecond.map((xs) => xs.filter((x) => x.status === 429).length);
  const unanswered = samples.filter((x) => x.status !== 200 && x.status !== 429).length;
  t.diagnostic(
    `offered ${samples.length}, passed per ` +
      `second: ${passed.join(' ')}; 429 per ` +
      `second: ${limited.join(' ')}; ` +
      `other/unanswered: ${unanswered}`,
  );
  assert.equal(unanswered, 0, 'every request is answered, 200 or 429');
  for (const [i, n] of passed.entries()) assert.ok(n >= 95 && n <= 105, `second ${i}: ${n} passed, want 100 ± 5%`);
  const total = passed.reduce((a, b) => a + b, 0);
  assert.ok(total >= 950 && total <= 1050, `total ${total} over 10 s`);
});
