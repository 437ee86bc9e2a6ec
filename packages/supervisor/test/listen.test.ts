// Supervisor-owned listening sockets (listen:) and the reload API's refusals, with real
// processes: a Python program serving the inherited fd 3, a socket that outlives its instances,
// a port held by someone else named with its holder, and reloads that are refused and change nothing.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, startChild, waitFor } from '@holdfast/testkit';
import { daemonArgv, findPortHolders, hasCode } from '../src/index.ts';
import { fixtures, node, startDaemon, startSupervisor, waitState, writeConfig } from './helpers.ts';

const python = join(fixtures, 'fd3_server.py');

function get(url: string, timeoutMs = 20_000): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', reject);
    req.end();
  });
}

test('LISTEN_FDS works for a program in another language: Python http.server on fd 3, 2 instances, reloaded', async (t) => {
  const port = await freePort();
  const { config } = await writeConfig(
    t,
    `programs:\n  py:\n    command: [python3, ` +
      `-u, ${python}]\n    instances: 2\n    listen: ` +
      `[{port: ${port}, host: ` +
      `127.0.0.1, name: web}]\n    ready: {notify: true, timeoutMs: 20s}\n    stopTimeoutMs: 3s\n`,
  );
  assert.deepEqual(config.programs.py!.ready, { kind: 'notify', fd: 4, timeoutMs: 20_000 });
  const { client, child } = await startDaemon(t, config);
  await waitFor('both READY', async () => (await client.status()).programs.every((p) => p.state === 'READY'), { timeoutMs: 30_000 });
  const pids = (await client.status()).programs.map((p) => p.pid!);
  const seen = new Set<number>();
  for (let i = 0; i < 40 && seen.size < 2; i++) {
    const r = await get(`http://127.0.0.1:${port}/`);
    assert.equal(r.status, 200);
    assert.equal(r.body.lang, 'python');
    assert.equal(r.body.names, 'web', 'LISTEN_FDNAMES');
    assert.equal(r.body.family, 'AF_INET');
    seen.add(r.body.pid);
  }
  assert.deepEqual([...seen].sort(), [...pids].sort(), 'both instances accept from the one socket (and LISTEN_PID matched each)');
  // The daemon holds the socket (the instances hold it too).
  assert.ok(
    findPortHolders(port).some((h) => h.pid === child.pid),
    'the daemon holds the listening socket',
  );
  assert.deepEqual((await client.status()).daemon.sockets, { py: [`127.0.0.1:${port}`] });

  const r = await client.reload('py');
  assert.equal(r.ok, true);
  assert.equal(r.replaced.length, 2);
  const after = (await client.status()).programs.map((p) => p.pid!);
  assert.ok(after.every((p) => !pids.includes(p)));
  assert.equal((await get(`http://127.0.0.1:${port}/`)).status, 200);
});

test(
  'the listening socket outlives its instances: a request sent while the program is stopped waits and is served by ' + 'the next instance',
  async (t) => {
    const port = await freePort();
    const { config } = await writeConfig(
      t,
      `programs:\n  py:\n    command: [python3, ` +
        `-u, ${python}]\n    listen: ` +
        `[{port: ${port}, host: 127.0.0.1}]\n` +
        `    ready: {notify: true}\n    stopTimeoutMs: 3s\n`,
    );
    const { client } = await startDaemon(t, config);
    await waitFor('READY', async () => (await client.status()).programs[0]!.state === 'READY', { timeoutMs: 30_000 });
    const first = (await get(`http://127.0.0.1:${port}/`)).body.pid as number;
    await client.stop('py');
    assert.equal((await client.status()).programs[0]!.state, 'STOPPED');
    // No instance runs: the kernel still accepts into the daemon's socket, so the request waits, not refused.
    const pending = get(`http://127.0.0.1:${port}/`);
    await new Promise((r) => setTimeout(r, 300));
    await client.start('py');
    const r = await pending;
    assert.equal(r.status, 200);
    assert.notEqual(r.body.pid, first, 'answered by the new instance');
  },
);

test('a listen port already in use: the daemon refuses to start, naming the port and the process holding it; nothing runs', async (t) => {
  const holder = createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
  t.after(() => new Promise<void>((r) => holder.close(() => r())));
  const port = (holder.address() as { port: number }).port;
  const marker = `/tmp/hf-listen-inuse-${process.pid}-${port}`;
  const { config } = await writeConfig(
    t,
    `programs:\n  web:\n    command: ` +
      `[${node}, -e, ` +
      `"require('fs').writeFileSync('${marker}', 'ran')"]\n    listen: ` +
      `[{port: ${port}, host: 127.0.0.1}]\n    ready: {afterMs: 0}\n`,
  );
  const daemon = startChild(t, process.execPath, daemonArgv(config.file));
  const { code } = await daemon.exited;
  assert.equal(code, 1);
  assert.match(
    daemon.stderr(),
    new RegExp(
      `HOLDFAST_E_PORT_IN_USE.*programs\\.web\\.listen: ` +
        `port ${port} on 127\\.0\\.0\\.1 is already in use, held by ` +
        `pid ${process.pid} \\(.*node.*\\)\\. Stop that process, or change the port`,
    ),
  );
  const { existsSync } = await import('node:fs');
  assert.equal(existsSync(marker), false, 'the program never started');
});

test('update: a new program whose port is in use is rejected whole, and nothing changes', async (t) => {
  const holder = createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
  t.after(() => new Promise<void>((r) => holder.close(() => r())));
  const port = (holder.address() as { port: number }).port;
  const { config, file, dir } = await writeConfig(t, 'programs:\n  idle:\n    command: sleep 1000\n    ready: {afterMs: 0}\n');
  const sup = await startSupervisor(t, config);
  await waitState(sup, 'idle', 'READY');
  const { writeFileSync } = await import('node:fs');
  const { loadSupervisorConfig } = await import('../src/index.ts');
  writeFileSync(
    file,
    `supervisor: {socket: ${join(dir, 's.sock')}, ` +
      `stateDir: ${join(dir, 'state')}, ` +
      `logDir: ${join(dir, 'logs')}}\n` +
      `programs:\n  idle:\n    command: sleep 1000\n    ready: {afterMs: 0}\n  web:\n    command: sleep 1000\n` +
      `    listen: [{port: ${port}, host: 127.0.0.1}]\n    ready: {afterMs: 0}\n`,
  );
  await assert.rejects(
    sup.update(await loadSupervisorConfig(file)),
    (err: Error) => hasCode(err, 'HOLDFAST_E_PORT_IN_USE') && new RegExp(`port ${port} .* held by pid ${process.pid}`).test(err.message),
  );
  assert.deepEqual(
    sup.status().map((s) => s.id),
    ['idle'],
  );
  assert.equal(sup.sockets.has('web'), false);
});

test('reload refuses an unknown program, a group, an instance, a stopped program and a second reload, and changes nothing', async (t) => {
  const { config } = await writeConfig(
    t,
    'programs:\n  web:\n    command: sleep 1000\n    instances: 2\n    ready: {afterMs: 300}\n  idle:\n    command: ' +
      'sleep 1000\n    autostart: false\n    ready: {afterMs: 0}\ngroups:\n  back: {programs: [idle]}\n',
  );
  const { client } = await startDaemon(t, config);
  await waitFor(
    'web READY',
    async () => (await client.status()).programs.filter((p) => p.program === 'web' && p.state === 'READY').length === 2,
    { timeoutMs: 20_000 },
  );
  const before = JSON.stringify((await client.status()).programs.map((p) => [p.key, p.pid, p.state]));
  const cases: [string, string, number, RegExp][] = [
    ['wbe', 'HOLDFAST_E_UNKNOWN_PROGRAM', 404, /'wbe' in .*holdfast\.yaml \(did you mean 'web'\?\)/],
    ['back', 'HOLDFAST_E_UNKNOWN_PROGRAM', 404, /'back' is a group, not a program: reload takes one program \(idle\)/],
    ['web:1', 'HOLDFAST_E_UNKNOWN_PROGRAM', 404, /'web:1' is an instance, not a program/],
    ['idle', 'HOLDFAST_E_NOT_RUNNING', 409, /'idle' is not running \(idle STOPPED\): start it with 'holdfast start idle'/],
  ];
  for (const [target, code, status, reason] of cases) {
    await assert.rejects(client.reload(target), (err: Error & { details: { status: number } }) => {
      assert.ok(hasCode(err, code as 'HOLDFAST_E_BUSY'), `${target}: ${err.message}`);
      assert.equal(err.details.status, status, target);
      assert.match(err.message, reason);
      return true;
    });
  }
  assert.equal(JSON.stringify((await client.status()).programs.map((p) => [p.key, p.pid, p.state])), before, 'nothing changed');
  // One reload at a time per program; a restart waits its turn too.
  const first = client.reload('web');
  await waitFor('the reload to start', async () => (await client.status()).programs.some((p) => p.role === 'new'), {
    timeoutMs: 10_000,
    intervalMs: 10,
  });
  await assert.rejects(
    client.reload('web'),
    (err: Error) => hasCode(err, 'HOLDFAST_E_BUSY') && /a rolling reload of 'web' is under way/.test(err.message),
  );
  await assert.rejects(client.restart('web'), (err: Error) => hasCode(err, 'HOLDFAST_E_BUSY'));
  const r = await first;
  assert.equal(r.ok, true);
  assert.deepEqual(
    r.instances.map((i) => [i.id, i.key, i.state]),
    [
      ['web:0', 'web:0~1', 'READY'],
      ['web:1', 'web:1~1', 'READY'],
    ],
  );
});
