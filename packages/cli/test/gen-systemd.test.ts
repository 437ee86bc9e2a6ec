// `holdfast gen systemd` for every role: units that systemd-analyze verify accepts without a
// word, and the roles themselves speaking the notify protocol to a real NOTIFY_SOCKET (READY,
// STATUS, WATCHDOG, STOPPING) when run the way the units run them.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { daemonArgv, SupervisorClient } from '@holdfast/supervisor';
import { cleanup, startChild, startNotifyListener, tempDir, waitFor } from '@holdfast/testkit';
import { holdfast, writeConfig } from './support/daemon.ts';

/** systemd-analyze verify on unit files: its exit code and every line it printed. */
function verify(...files: string[]): { code: number; output: string } {
  const r = spawnSync('systemd-analyze', ['verify', ...files], { encoding: 'utf8' });
  if (r.error) throw new Error(`systemd-analyze is needed (Debian package systemd): ${r.error.message}`);
  return { code: r.status ?? -1, output: `${r.stdout}${r.stderr}`.trim() };
}

const lines = (unit: string, key: string) => unit.split('\n').filter((l) => l.startsWith(`${key}=`));

test('the supervisor unit: Type=notify with WatchdogSec, verified by systemd-analyze', async (t) => {
  const { file, dir } = await writeConfig(t, 'programs:\n  api: {command: sleep 1000, stopTimeoutMs: 20s}\n');
  const out = join(dir, 'holdfast.service');
  const r = await holdfast(['gen', 'systemd', '-c', file, '--watchdog', '20s', '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const unit = readFileSync(out, 'utf8');
  assert.deepEqual(lines(unit, 'Type'), ['Type=notify']);
  assert.deepEqual(lines(unit, 'NotifyAccess'), ['NotifyAccess=all']);
  assert.deepEqual(lines(unit, 'WatchdogSec'), ['WatchdogSec=20s']);
  assert.deepEqual(lines(unit, 'KillMode'), ['KillMode=mixed']);
  assert.deepEqual(verify(out), { code: 0, output: '' });
});

test('the failover agent unit: KillMode=process (the fence companion outlives the agent), verified', async (t) => {
  const dir = tempDir(t, 'hf-gen-');
  const cluster = join(dir, 'cluster.json');
  writeFileSync(
    cluster,
    JSON.stringify({
      name: 'c',
      node: 'a',
      coordinator: { kind: 'local', dir: join(dir, 'coord') },
      status: { socket: join(dir, 'a.sock') },
      fences: [],
      resources: [],
    }),
  );
  const out = join(dir, 'holdfast-failover.service');
  const r = await holdfast(['gen', 'systemd', '--failover', '-c', cluster, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const unit = readFileSync(out, 'utf8');
  assert.deepEqual(lines(unit, 'Type'), ['Type=notify']);
  assert.deepEqual(lines(unit, 'WatchdogSec'), ['WatchdogSec=30s']);
  assert.deepEqual(lines(unit, 'KillMode'), ['KillMode=process']);
  assert.match(lines(unit, 'ExecStart')[0]!, /holdfast\.(ts|js) failover -c \S+cluster\.json$/);
  assert.deepEqual(verify(out), { code: 0, output: '' });
});

test('a service with socket activation: a .socket and a .service, verified together', async (t) => {
  const dir = tempDir(t, 'hf-gen-');
  const r = await holdfast([
    'gen',
    'systemd',
    '--service',
    'orders',
    '--command',
    'node /srv/orders/app.js --port 0',
    '--listen',
    '127.0.0.1:8080',
    '--grace',
    '20s',
    '-o',
    dir,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const service = readFileSync(join(dir, 'orders.service'), 'utf8');
  const socket = readFileSync(join(dir, 'orders.socket'), 'utf8');
  assert.deepEqual(lines(service, 'Requires'), ['Requires=orders.socket']);
  assert.deepEqual(lines(service, 'Environment'), ['Environment=HOLDFAST_TERMINATION_GRACE_MS=20000']);
  assert.deepEqual(lines(service, 'TimeoutStopSec'), ['TimeoutStopSec=25']);
  assert.match(lines(service, 'ExecStart')[0]!, /^ExecStart=\/\S+\/node \/srv\/orders\/app\.js --port 0$/);
  assert.deepEqual(lines(socket, 'ListenStream'), ['ListenStream=127.0.0.1:8080']);
  assert.deepEqual(verify(join(dir, 'orders.socket'), join(dir, 'orders.service')), { code: 0, output: '' });
  const printed = await holdfast(['gen', 'systemd', '--service', 'orders', '--command', 'node app.js']);
  assert.equal(printed.code, 0);
  assert.doesNotMatch(printed.stdout, /\[Socket\]/, 'no socket unit without --listen');
});

test(
  'bad input: a watchdog shorter than 3 ticks, a watchdog without a unit, a service without a command or with an ' + 'unknown program',
  async () => {
    const cases: [string[], RegExp][] = [
      [
        ['--service', 'x', '--command', 'node a.js', '--watchdog', '2s'],
        /--watchdog 2s: a watchdog interval of 2000 ms is shorter than 3 × the event loop's watchdog tick \(1000 ms\).*use WatchdogSec=3s or more/,
      ],
      [['--service', 'x', '--command', 'node a.js', '--watchdog', '30'], /--watchdog 30 has no unit: write 30s/],
      [['--service', 'x', '--command', 'node a.js', '--watchdog', '4500ms'], /give whole seconds \(WatchdogSec=5s\)/],
      [['--service', 'x'], /--service needs --command/],
      [['--service', 'x', '--command', 'nodee a.js'], /--command: 'nodee' is not on the PATH/],
      [['--service', 'x', '--command', 'node a.js', '--listen', 'everywhere'], /--listen takes a port \(8080\), host:port/],
      [['--service', 'a b', '--command', 'node a.js'], /--service 'a b' is not a unit name/],
      [['--failover'], /which cluster config\? Pass --failover -c <cluster.yaml>/],
    ];
    for (const [args, pattern] of cases) {
      const r = await holdfast(['gen', 'systemd', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
      assert.equal(r.stdout, '');
    }
  },
);

test(
  'the daemon, run as its unit runs it, says READY=1 and STATUS=, pings the watchdog, and STOPPING=1 at SIGTERM',
  { timeout: 60_000 },
  async (t) => {
    const listener = await startNotifyListener(t);
    const { config } = await writeConfig(t, 'programs:\n  idle:\n    command: sleep 1000\n    ready: {afterMs: 0}\n');
    const client = new SupervisorClient({ socket: config.supervisor.socket, timeoutMs: 30_000 });
    const daemon = startChild(t, process.execPath, daemonArgv(config.file), {
      env: { ...process.env, NOTIFY_SOCKET: listener.socket, WATCHDOG_USEC: '3000000' },
    });
    cleanup(t, () => client.shutdown().catch(() => {}));
    const ready = await listener.waitFor('READY=1');
    assert.ok(
      ready.fields.some((f) => /^STATUS=1 instance/.test(f)),
      ready.fields.join(' '),
    );
    await listener.waitFor((m) => m.fields.includes('STATUS=1 instance: 1 READY'));
    await waitFor('two watchdog pings', () => listener.messages.filter((m) => m.fields.includes('WATCHDOG=1')).length >= 2, {
      timeoutMs: 10_000,
    });
    // The programs it starts do not inherit the notify socket.
    const env = execFileSync('sh', ['-c', `cat /proc/$(pgrep -f -n '^sleep 1000$' -P ${daemon.pid})/environ | tr '\\0' '\\n'`], {
      encoding: 'utf8',
    });
    assert.doesNotMatch(env, /NOTIFY_SOCKET|WATCHDOG_USEC/);
    daemon.kill('SIGTERM');
    await listener.waitFor('STOPPING=1');
    await daemon.exited;
  },
);

test('the failover agent, run as its unit runs it, says READY=1, then STATUS=leader with its token', { timeout: 60_000 }, async (t) => {
  const listener = await startNotifyListener(t);
  const dir = tempDir(t, 'hf-gen-');
  const cluster = join(dir, 'cluster.json');
  writeFileSync(
    cluster,
    JSON.stringify({
      name: 'c',
      node: 'a',
      coordinator: { kind: 'local', dir: join(dir, 'coord') },
      status: { socket: join(dir, 'a.sock') },
      fences: [],
      resources: [],
    }),
  );
  const bin = new URL('../bin/holdfast.ts', import.meta.url).pathname;
  const agent = startChild(t, process.execPath, [bin, 'failover', '-c', cluster], {
    env: { ...process.env, NOTIFY_SOCKET: listener.socket, WATCHDOG_USEC: '3000000' },
  });
  await listener.waitFor('READY=1');
  await listener.waitFor((m) => m.fields.some((f) => /^STATUS=leader \(fencing token \d+\)$/.test(f)));
  await listener.waitFor('WATCHDOG=1');
  agent.kill('SIGTERM');
  await listener.waitFor('STOPPING=1');
  await agent.exited;
});
