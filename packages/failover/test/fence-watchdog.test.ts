// The /dev/watchdog fence against a stand-in device file (this machine has no watchdog driver,
// and a real one would reboot it): what it writes, when it refuses to pet, the errors it gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@holdfast/testkit';
import { WatchdogFence, watchdogSchema } from '../src/fence/watchdog.ts';
import { hasCode } from '../src/errors.ts';
import { capturedLog } from './resources-helpers.ts';

const deps = () => ({ node: 'n1', cluster: 'test', log: capturedLog().log, resources: [] });

test('watchdog: pets only when the reset would still come before validUntil; disarm writes the magic V', async (t) => {
  const device = join(tempDir(t), 'watchdog');
  writeFileSync(device, '');
  let now = 1000;
  const w = new WatchdogFence(watchdogSchema.parse({ kind: 'watchdog', device, timeout: '1s' }), deps(), () => now);
  await w.open();
  await w.arm({ token: 1, validUntilMs: now + 3000 });
  w.pet(now + 3000); // reset at now+1000 ≤ validUntil: pet
  now += 500;
  w.pet(now + 900); // reset would come at now+1000 > validUntil now+900: no pet
  w.pet(now + 1000); // exactly at validUntil: pet
  assert.equal(readFileSync(device, 'utf8'), '..');
  assert.deepEqual({ pets: w.describe()['pets'], skipped: w.describe()['skippedPets'] }, { pets: 2, skipped: 1 });
  await w.disarm();
  assert.equal(readFileSync(device, 'utf8'), '..V');
  w.pet(now + 5000);
  assert.equal(readFileSync(device, 'utf8'), '..V', 'no pets once disarmed');
});

test('watchdog: a timeout longer than the lease window is refused at arm', async (t) => {
  const device = join(tempDir(t), 'watchdog');
  writeFileSync(device, '');
  const w = new WatchdogFence(watchdogSchema.parse({ kind: 'watchdog', device, timeout: '1s' }), deps(), () => 0);
  await w.open();
  await assert.rejects(
    w.arm({ token: 1, validUntilMs: 790 }),
    (err: Error) => hasCode(err, 'HOLDFAST_E_WATCHDOG') && /longer than the time left in this lease \(790 ms\)/.test(err.message),
  );
  assert.equal(readFileSync(device, 'utf8'), '', 'the device was not opened');
});

test('watchdog: a missing device is a clear error when required, a warning when auto', async () => {
  const required = new WatchdogFence(watchdogSchema.parse({ kind: 'watchdog', device: '/nonexistent/watchdog' }), deps());
  await assert.rejects(
    required.open(),
    (err: Error) =>
      hasCode(err, 'HOLDFAST_E_WATCHDOG') && /does not exist\. Load a watchdog driver \(e\.g\. 'modprobe softdog/.test(err.message),
  );
  const log = capturedLog();
  const auto = new WatchdogFence(watchdogSchema.parse({ kind: 'watchdog', device: '/nonexistent/watchdog', mode: 'auto' }), {
    ...deps(),
    log: log.log,
  });
  await auto.open();
  await auto.arm({ token: 1, validUntilMs: 1e12 });
  auto.pet(1e12);
  assert.equal(auto.describe()['available'], false);
  assert.ok(log.entries.some((e) => String(e['msg']).includes('running unfenced')));
  assert.equal(watchdogSchema.safeParse({ kind: 'watchdog', mode: 'sometimes' }).success, false);
});
