// A service run directly by systemd (Type=notify): READY, STATUS, STOPPING and WATCHDOG=1 reach
// a real NOTIFY_SOCKET (an AF_UNIX datagram listener), through systemd-notify, and a stuck event
// loop stops the watchdog pings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SdNotifier, watchdogProblem } from '@holdfast/config/sd-notify';
import { startChild, startNotifyListener } from '@holdfast/testkit';

const app = fileURLToPath(new URL('./fixtures/app.ts', import.meta.url));

test(
  'READY=1 once serving, watchdog pings from the loop, none while the loop is stuck, STOPPING=1 at SIGTERM',
  { timeout: 60_000 },
  async (t) => {
    const listener = await startNotifyListener(t);
    const child = startChild(t, process.execPath, [app], {
      env: { ...process.env, NOTIFY_SOCKET: listener.socket, WATCHDOG_USEC: '3000000' },
    });
    const line = await child.waitForLine('fixtureReady', 20_000);
    const url = (JSON.parse(line) as { fixtureReady: string }).fixtureReady;
    const ready = await listener.waitFor('READY=1');
    assert.ok(
      ready.fields.some((f) => f.startsWith('STATUS=READY')),
      `status with READY: ${ready.fields.join(' ')}`,
    );
    // Pings every WatchdogSec / 3 = 1 s.
    const count = () => listener.messages.filter((m) => m.fields.includes('WATCHDOG=1')).length;
    const before = count();
    await listener.waitFor(
      (m) => m.fields.includes('WATCHDOG=1') && listener.messages.filter((x) => x.fields.includes('WATCHDOG=1')).length >= before + 2,
      10_000,
    );
    // Stuck for 4.5 s: more than the 3 s interval; no ping may arrive while it lasts.
    const stallStart = performance.now();
    const res = await fetch(`${url}/stall?ms=4500`);
    const stallEnd = performance.now();
    assert.equal(res.status, 200);
    const during = listener.messages.filter((m) => m.fields.includes('WATCHDOG=1') && m.at > stallStart + 1500 && m.at < stallEnd - 100);
    assert.deepEqual(during, [], 'no watchdog ping while the event loop was stuck');
    await listener.waitFor((m) => m.fields.includes('WATCHDOG=1') && m.at > stallEnd, 10_000);
    child.kill('SIGTERM');
    await listener.waitFor('STOPPING=1');
    await child.exited;
  },
);

test('without NOTIFY_SOCKET nothing is sent; WATCHDOG_PID of another process is not ours', () => {
  assert.equal(new SdNotifier({ env: {} }).enabled, false);
  assert.equal(
    new SdNotifier({ env: { NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '1' }, pid: 4242 }).watchdogMs,
    undefined,
  );
  assert.equal(
    new SdNotifier({ env: { NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '4242' }, pid: 4242 })
      .watchdogMs,
    30_000,
  );
});

test('bad input: a watchdog interval shorter than 3 ticks is named with the fix', () => {
  assert.equal(watchdogProblem(30_000), undefined);
  assert.match(
    watchdogProblem(2000)!,
    /a watchdog interval of 2000 ms is shorter than 3 × the event loop's watchdog tick \(1000 ms\).*use WatchdogSec=3s or more/,
  );
});

test('messages are sent in order, one at a time, and a failing transport is reported, not thrown', async (t) => {
  const listener = await startNotifyListener(t);
  const errors: string[] = [];
  const n = new SdNotifier({ env: { NOTIFY_SOCKET: listener.socket }, onError: (e) => errors.push(e.message) });
  await Promise.all([n.status('one'), n.status('two'), n.status('two'), n.status('three')]);
  const statuses = listener.messages.flatMap((m) => m.fields.filter((f) => f.startsWith('STATUS=')));
  assert.deepEqual(statuses, ['STATUS=one', 'STATUS=two', 'STATUS=three']);
  const gone = new SdNotifier({ env: { NOTIFY_SOCKET: `${listener.socket}.missing` }, onError: (e) => errors.push(e.message) });
  await gone.ready();
  assert.equal(errors.length, 1);
});
