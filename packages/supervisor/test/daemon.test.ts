// The daemon as a real process: control API over the Unix socket (0600), bad bodies answered
// 400 with the reason, one daemon per config, SSE events, metrics, token-guarded TCP.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, startChild, tempDir } from '@holdfast/testkit';
import { daemonArgv, SupervisorClient, supervisorControl, type SupervisorEvent } from '../src/index.ts';
import { fixtures, node, startDaemon, writeConfig } from './helpers.ts';

function raw(socket: string, method: string, path: string, body?: string): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method, path, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, json: text ? JSON.parse(text) : null }));
    });
    req.once('error', reject);
    req.end(body);
  });
}

test('the control API on the Unix socket: status, actions, and 400s that say what is wrong', async (t) => {
  const port = await freePort();
  const { config } = await writeConfig(
    t,
    `programs:\n  web:\n    command: ` +
      `[${node}, ${join(fixtures, 'server.mjs')}, --ready=message]\n    env: ` +
      `{PORT: ${port}}\n    ready: {message: true}\n  idle:\n    command: sleep 1000\n    autostart: false\n    ready: {afterMs: 0}\n`,
  );
  const { client } = await startDaemon(t, config);
  const sock = config.supervisor.socket;
  assert.equal(statSync(sock).mode & 0o777, 0o600, 'the socket is private to its owner');
  assert.equal((await client.start('web')).instances[0]!.state, 'READY');
  const started = await client.start('idle');
  assert.equal(started.instances[0]!.state, 'READY');
  const st = await client.status();
  assert.deepEqual(
    st.programs.map((p) => [p.id, p.state]),
    [
      ['web', 'READY'],
      ['idle', 'READY'],
    ],
  );
  assert.ok(st.daemon.cgroups.enabled);
  const stopped = await client.stop('idle');
  assert.equal(stopped.instances[0]!.state, 'STOPPED');
  assert.deepEqual((await client.signal('web', 'HUP')).signalled, ['web']);

  const cases: [string, string, string | undefined, number, RegExp][] = [
    ['POST', '/v1/start', '{nope', 400, /not JSON/],
    ['POST', '/v1/start', '{}', 400, /targets: missing/],
    ['POST', '/v1/start', '{"targets": "web"}', 400, /targets: expected an array of names, got string/],
    ['POST', '/v1/start', '{"targets": []}', 400, /name at least one/],
    ['POST', '/v1/start', '{"targets": ["web", 3]}', 400, /targets\[1\]: expected a non-empty name, got 3/],
    ['POST', '/v1/stop', '{"targets": ["web"], "force": true}', 400, /unknown field\(s\) 'force'/],
    ['POST', '/v1/restart', '{"targets": ["web"], "timeoutMs": -5}', 400, /timeoutMs: expected milliseconds/],
    ['POST', '/v1/start', '{"targets": ["web"], "env": {"1BAD": "x"}}', 400, /env\.1BAD: not a valid environment variable name/],
    ['POST', '/v1/signal', '{"targets": ["web"], "signal": "SIGNOPE"}', 400, /'SIGNOPE' is not a signal name/],
    ['POST', '/v1/signal', '[1, 2]', 400, /must be a JSON object, not array/],
    ['POST', '/v1/update', '{"x": 1}', 400, /unknown field\(s\) 'x'/],
    [
      'POST',
      '/v1/stop',
      '{"targets": ["wbe"]}',
      404,
      /no such program, instance or group: 'wbe' in .*holdfast\.yaml \(did you mean 'web'\?\)/,
    ],
    ['GET', '/v1/logs?instance=web&lines=abc', undefined, 400, /lines must be an integer/],
    ['GET', '/v1/logs?instance=web&stream=both', undefined, 400, /stream must be stdout or stderr/],
    ['GET', '/v1/nothing', undefined, 404, /no such endpoint/],
    ['DELETE', '/v1/status', undefined, 405, /DELETE is not allowed/],
  ];
  for (const [method, path, body, status, reason] of cases) {
    const r = await raw(sock, method, path, body);
    assert.equal(r.status, status, `${method} ${path} ${body ?? ''}`);
    assert.match(r.json.error.message, reason, `${method} ${path} ${body ?? ''}`);
    assert.match(r.json.error.code, /^HOLDFAST_E_/);
  }
  assert.equal((await client.status()).programs.find((p) => p.id === 'web')!.restarts, 0, 'no bad request changed anything');
  assert.match(await client.logs('web'), new RegExp(`listening ${port}[^]*got SIGHUP`), 'the signal reached the program');
});

test('one daemon per config: a second one is refused and names the first', async (t) => {
  const { config } = await writeConfig(t, 'programs:\n  idle:\n    command: sleep 1000\n    ready: {afterMs: 0}\n');
  const { child: first } = await startDaemon(t, config);
  const second = startChild(t, process.execPath, daemonArgv(config.file));
  const { code } = await second.exited;
  assert.equal(code, 1);
  assert.match(second.stderr(), new RegExp(`HOLDFAST_E_LOCKED.*already supervised by pid ${first.pid}`));
});

test('SSE carries state changes; metrics expose holdfast_process_*', async (t) => {
  const { config } = await writeConfig(t, 'programs:\n  idle:\n    command: sleep 1000\n    ready: {afterMs: 0}\n');
  const { client } = await startDaemon(t, config);
  await client.start('idle');
  const events: SupervisorEvent[] = [];
  const ac = new AbortController();
  const streaming = client.events(
    (e) => {
      events.push(e);
      if (e.type === 'state' && e.to === 'READY') ac.abort();
    },
    { signal: ac.signal },
  );
  await new Promise((r) => setTimeout(r, 100));
  await client.restart('idle', { wait: false });
  await streaming;
  assert.deepEqual(
    events.filter((e) => e.type === 'state').map((e) => (e as { to: string }).to),
    ['STOPPING', 'STARTING', 'READY'],
  );
  const metrics = await client.metrics();
  assert.match(metrics, /holdfast_process_restarts_total\{program="idle",instance="idle"\} 1/);
  assert.match(metrics, /holdfast_process_state\{program="idle",instance="idle",state="READY"\} 1/);
  assert.match(metrics, /holdfast_process_oom_kills_total\{program="idle",instance="idle"\} 0/);
  assert.match(metrics, /holdfast_process_memory_bytes\{program="idle",instance="idle"\} \d+/);
  assert.match(metrics, /holdfast_process_cpu_seconds_total/);
});

test('the TCP control API needs the bearer token', async (t) => {
  const dir = tempDir(t, 'hf-sup-');
  const port = await freePort();
  const token = 'a-long-enough-secret-token';
  const { config } = await writeConfig(
    t,
    `supervisor: {socket: ${dir}/s.sock, ` +
      `stateDir: ${dir}/state, ` +
      `logDir: ${dir}/logs, http: ` +
      `{port: ${port}, ` +
      `token: ${token}}}\nprograms:\n  idle: {command: sleep 1000, autostart: false}\n`,
    { dir },
  );
  await startDaemon(t, config);
  const anon = new SupervisorClient({ url: `http://127.0.0.1:${port}` });
  await assert.rejects(anon.status(), (err: Error & { code?: string }) => err.code === 'HOLDFAST_E_UNAUTHORIZED');
  const wrong = new SupervisorClient({ url: `http://127.0.0.1:${port}`, token: 'not-the-right-token-at-all' });
  await assert.rejects(wrong.status(), /bearer token/);
  const ok = new SupervisorClient({ url: `http://127.0.0.1:${port}`, token });
  assert.equal((await ok.status()).programs[0]!.id, 'idle');
});

test('the failover adapter: start with extra environment waits for READY, status says running, stop', async (t) => {
  const { config } = await writeConfig(
    t,
    'programs:\n  standby:\n    command: sleep 1000\n    autostart: false\n    ready: {afterMs: 0}\n  broken:\n' +
      '    command: /no/such/binary\n    autostart: false\n',
  );
  const { client } = await startDaemon(t, config);
  const control = supervisorControl(client);
  const signal = AbortSignal.timeout(30_000);
  await control.start('standby', { env: { HOLDFAST_FENCING_TOKEN: '42' }, signal });
  const s = await control.status('standby', { signal });
  assert.equal(s.state, 'running');
  assert.equal(s.ready, true);
  assert.match(readFileSync(`/proc/${s.pid}/environ`, 'utf8'), /\0HOLDFAST_FENCING_TOKEN=42\0/);
  await control.stop('standby', { signal });
  assert.equal((await control.status('standby', { signal })).state, 'stopped');
  await assert.rejects(control.start('broken', { env: {}, signal }), /broken is FATAL \(could not start: spawn \/no\/such\/binary ENOENT/);
  await assert.rejects(control.status('nope', { signal }), (err: Error & { code?: string }) => err.code === 'HOLDFAST_E_UNKNOWN_PROGRAM');
});
