// End to end: a gateway calls a flaky inventory service through guard.wrap. Turning the
// inventory's fault switch to errorRate 0.5 opens the error-ratio breaker within its window,
// and the gateway serves its fallback; when the fault clears, probes close the breaker again.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { waitFor } from '@holdfast/testkit';
import { openLoop } from './open-loop.ts';
import { startService } from './service.ts';

const WINDOW_MS = 2000;

it('errorRate 0.5 upstream opens the breaker within its window, the fallback is served, and recovery closes it', async (t) => {
  const inventory = await startService(t, { guard: false });
  const gateway = await startService(t, {
    upstream: inventory.url,
    rules: {
      breakers: [
        {
          id: 'inventory-errors',
          resource: 'inventory',
          strategy: 'errorRatio',
          threshold: 0.3,
          minRequestAmount: 10,
          statIntervalMs: WINDOW_MS,
          retryTimeoutMs: 1000,
          probeNum: 3,
        },
      ],
    },
  });
  let faultsSet = 0;
  const setFault = async (errorRate: number) => {
    const res = await fetch(`${inventory.url}/fault`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ errorRate }),
    });
    assert.equal(res.status, 200);
    // The answer and the server's EVENT line travel on different pipes: the line can arrive after the answer.
    const faults = () => inventory.events().filter((e) => e.type === 'fault');
    await waitFor('the fault event', () => faults().length > faultsSet, { timeoutMs: 5000 });
    faultsSet += 1;
    return faults()[faultsSet - 1]!.wall as number;
  };

  // Healthy: real stock.
  const healthy = await openLoop({ url: `${gateway.url}/items/1`, ratePerSec: 50, durationMs: 1000, keepBody: true });
  assert.ok(
    healthy.every((s) => s.status === 200 && JSON.parse(s.body).stock === 7),
    'healthy upstream: real answers',
  );

  // Fault on: the breaker opens within its window.
  const faultAt = await setFault(0.5);
  const load = openLoop({ url: `${gateway.url}/items/1`, ratePerSec: 50, durationMs: 4000, keepBody: true });
  await waitFor('the breaker to open', () => gateway.events().some((e) => e.type === 'breaker' && e.to === 'open'), {
    timeoutMs: WINDOW_MS + 3000,
  });
  const opened = gateway.events().find((e) => e.type === 'breaker' && e.to === 'open')!;
  const openedAfter = (opened.wall as number) - faultAt;
  t.diagnostic(`breaker opened ${openedAfter} ms after the fault switch (window ${WINDOW_MS} ms), error ratio ${opened.value}`);
  assert.ok(openedAfter <= WINDOW_MS, `opened ${openedAfter} ms after the fault, within the ${WINDOW_MS} ms window`);
  const during = await load;
  // Every answer is a 200: real stock, or the fallback (on upstream failures and while open).
  assert.ok(
    during.every((s) => s.status === 200),
    `statuses: ${[...new Set(during.map((s) => s.status))]}`,
  );
  const bodies = during.map((s) => JSON.parse(s.body) as { stock: number | null; degraded?: boolean; because?: string });
  const blocked = bodies.filter((b) => b.degraded && /circuit breaker/.test(b.because ?? ''));
  t.diagnostic(
    `${during.length} requests under ` +
      `fault: ${bodies.filter((b) => b.stock === 7).length} ` +
      `real, ${bodies.filter((b) => b.degraded).length} fallback (${blocked.length} without calling the open upstream)`,
  );
  assert.ok(blocked.length > during.length / 4, 'the open breaker served the fallback without calling upstream');

  // Fault off: the next probes succeed and the breaker closes.
  await setFault(0);
  await openLoop({ url: `${gateway.url}/items/1`, ratePerSec: 50, durationMs: 2500 });
  const last = gateway
    .events()
    .filter((e) => e.type === 'breaker')
    .at(-1)!;
  assert.equal(last.to, 'closed', `last transition ${JSON.stringify(last)}`);
  assert.equal(last.reason, 'probesSucceeded');
});
