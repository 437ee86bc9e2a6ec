// A shop service behind a load balancer that health-checks /readyz and needs 200 ms to act on a
// 503, stopped with SIGTERM, with no configuration at all: the service keeps serving until the
// balancer has seen it go unready, so not one request fails, with keep-alive and without, for a
// balancer polling every 100 ms or every second. The control case shows what happened before:
// with a zero shutdown delay the listener closes at SIGTERM and the balancer's requests fail.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test, type TestContext } from 'node:test';
import { freePort, startChild } from '@holdfast/testkit';

const inventory = fileURLToPath(new URL('../src/inventory.ts', import.meta.url));
const balancer = fileURLToPath(new URL('./fixtures/balancer.ts', import.meta.url));

interface Report {
  sent: number;
  ok: number;
  failed: { status?: number; error?: string }[];
  polls: number;
}

async function stopBehindBalancer(t: TestContext, o: { pollMs: number; keepAlive: boolean; env?: Record<string, string> }) {
  const port = await freePort();
  // Nothing about draining is configured (unless the case says so).
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.KUBERNETES_SERVICE_HOST;
  delete env.HOLDFAST_SHUTDOWN_DELAY_MS;
  Object.assign(env, { INVENTORY_PORT: String(port), HOST: '127.0.0.1' }, o.env);
  const service = startChild(t, process.execPath, [inventory], { env });
  await service.waitForLine('"state":"READY"', 20_000);
  const lb = startChild(t, process.execPath, [balancer], {
    env: {
      ...process.env,
      TARGET: `http://127.0.0.1:${port}`,
      POLL_MS: String(o.pollMs),
      REACT_MS: '200',
      CLIENTS: '4',
      KEEP_ALIVE: o.keepAlive ? '1' : '0',
      PATH_TO: '/inventory',
    },
  });
  // In rotation for about 2 s, and polled often enough to count as a balancer that watches.
  await lb.waitForLine(`"poll":${Math.max(3, Math.ceil(2000 / o.pollMs))},`, 20_000);
  service.kill('SIGTERM');
  const [line, exit] = await Promise.all([lb.waitForLine('"report"', 30_000), service.exited]);
  const report = (JSON.parse(line) as { report: Report }).report;
  const closing = service.lines.find((l) => l.includes('shutdown: closing the listener'));
  return { report, exit, closing: closing ? (JSON.parse(closing) as { pollers?: { saw: string[] } }) : undefined };
}

for (const pollMs of [100, 1000]) {
  for (const keepAlive of [true, false]) {
    test(
      `balancer polling /readyz ` +
        `every ${pollMs} ms, ` +
        `keep-alive ${keepAlive ? 'on' : 'off'}: 0 failed requests ` +
        `through SIGTERM, no configuration`,
      async (t) => {
        const { report, exit, closing } = await stopBehindBalancer(t, { pollMs, keepAlive });
        t.diagnostic(`sent ${report.sent}, ok ${report.ok}, failed ${report.failed.length}, ${report.polls} polls`);
        assert.deepEqual(report.failed, [], 'no request failed');
        assert.ok(report.sent > 20, `the balancer sent traffic (${report.sent})`);
        assert.equal(exit.code, 0, 'the service drained and exited 0');
        assert.deepEqual(
          closing?.pollers?.saw,
          ['127.0.0.1 test-balancer/1.0'],
          'the listener closed after the balancer saw readiness fail',
        );
      },
    );
  }
}

test('control: with a zero shutdown delay the listener closes at SIGTERM and the same balancer loses requests', async (t) => {
  const { report } = await stopBehindBalancer(t, { pollMs: 1000, keepAlive: false, env: { HOLDFAST_SHUTDOWN_DELAY_MS: '0' } });
  t.diagnostic(`sent ${report.sent}, failed ${report.failed.length}`);
  assert.ok(report.failed.length > 0, 'requests were refused: the test can tell');
});
