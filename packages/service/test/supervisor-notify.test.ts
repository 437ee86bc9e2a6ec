// The readiness notice to a supervisor: READY=1 on NOTIFY_FD, or 'ready' over IPC, once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { notifyOnFirstServing, notifySupervisorReady } from '../src/notify/supervisor-notify.ts';

test('with NOTIFY_FD: READY=1 on that fd, the fd closed and the variable removed (children must not write to it)', async () => {
  // A child writes to its fd 3 (a pipe to this test), as a supervised service would.
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { notifySupervisorReady } ` +
        (`from ${JSON.stringify(new URL('../src/notify/supervisor-notify.ts', import.meta.url).href)}; const r = ` +
          `notifySupervisorReady(); console.log(JSON.stringify({ r, left: process.env.NOTIFY_FD ?? null }));`),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit', 'pipe'],
      env: { ...process.env, NOTIFY_FD: '3' },
    },
  );
  let notice = '';
  let out = '';
  child.stdio[3]!.on('data', (b: Buffer) => (notice += b.toString()));
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  const closed = new Promise((r) => child.stdio[3]!.once('end', r));
  await new Promise((r) => child.once('exit', r));
  await closed;
  assert.equal(notice, 'READY=1\n');
  assert.deepEqual(JSON.parse(out), { r: 'notify-fd', left: null });
});

test('with an IPC channel from a supervisor: process.send("ready"); without one (or unsupervised): nothing', () => {
  const sent: unknown[] = [];
  const proc = { send: (m: unknown) => sent.push(m) > 0, connected: true } as unknown as Pick<NodeJS.Process, 'send' | 'connected'>;
  assert.equal(notifySupervisorReady({ HOLDFAST_PROGRAM: 'api' }, proc), 'ipc');
  assert.equal(notifySupervisorReady({ pm_id: '0' }, proc), 'ipc', "PM2's wait_ready");
  assert.deepEqual(sent, ['ready', 'ready']);
  assert.equal(notifySupervisorReady({}, proc), undefined, 'an IPC parent that is not a supervisor gets nothing');
  assert.equal(notifySupervisorReady({ HOLDFAST_PROGRAM: 'api' }, { send: undefined, connected: false }), undefined);
  assert.equal(notifySupervisorReady({ NOTIFY_FD: 'x' }, { send: undefined, connected: false }), undefined, 'a bad NOTIFY_FD is ignored');
});

test('the notice goes once, on the first READY or DEGRADED, not while STARTING', () => {
  const sent: string[] = [];
  const calls: string[] = [];
  const onState = notifyOnFirstServing({ info: (_o, msg) => calls.push(msg) }, () => {
    sent.push('ready');
    return 'ipc';
  });
  onState('STARTING');
  assert.equal(sent.length, 0);
  onState('DEGRADED');
  assert.equal(sent.length, 1, 'sent on the first serving state');
  onState('READY');
  onState('DEGRADED');
  assert.equal(sent.length, 1, 'sent once only');
  assert.deepEqual(calls, ['told the supervisor this instance is ready (ipc)']);
});
