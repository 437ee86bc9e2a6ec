// Every readiness proof with a real child, the ready timeout, the liveness watchdog, and
// dependsOn order (start after READY, stop in reverse).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort } from '@holdfast/testkit';
import type { SupervisorEvent } from '../src/index.ts';
import { fixtures, node, startSupervisor, waitState, writeConfig } from './helpers.ts';

const server = join(fixtures, 'server.mjs');

test('every readiness kind: tcp, http, message, notify, afterMs', async (t) => {
  const [p1, p2, p3, p4, p5] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const prog = (name: string, port: number, ready: string, arg = '') =>
    `  ${name}:\n    command: ` +
    `[${node}, ${server}${arg ? `, ${arg}` : ''}]\n    env: ` +
    `{PORT: ${port}, BOOT_DELAY_MS: ` +
    `300}\n    ready: ${ready}\n`;
  const { config } = await writeConfig(
    t,
    'programs:\n' +
      prog('tcp', p1, `{tcp: ${p1}}`) +
      prog('http', p2, `{http: "http://127.0.0.1:${p2}/", expectStatus: 200}`) +
      prog('message', p3, '{message: true}', '--ready=message') +
      prog('notify', p4, '{notify: true}', '--ready=notify') +
      prog('after', p5, '{afterMs: 50}'),
  );
  const sup = await startSupervisor(t, config);
  for (const [name, port] of [
    ['tcp', p1],
    ['http', p2],
    ['message', p3],
    ['notify', p4],
  ] as const) {
    await waitState(sup, name, 'READY');
    // Proof, not a timer: when it says READY, the port answers.
    const res = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(res.status, 200, `${name} answers once READY`);
  }
  const notify = await waitState(sup, 'notify', 'READY');
  assert.equal(notify.notifyStatus, 'serving', 'STATUS= lines from the notify fd are kept');
  const after = await waitState(sup, 'after', 'READY');
  assert.ok(after.state.readyAt! - after.state.startedAt! >= 50);
});

test('no proof within the ready timeout counts as a failed start', async (t) => {
  const port = await freePort();
  const { config } = await writeConfig(
    t,
    `programs:\n  mute:\n    command: ` +
      `[${node}, ${server}]\n    env: ` +
      `{PORT: ${port}}\n    ready: {message: true, ` +
      `timeoutMs: 400}\n    startRetries: 0\n    stopTimeoutMs: 1000\n`,
  );
  const sup = await startSupervisor(t, config);
  const r = await waitState(sup, 'mute', 'FATAL');
  assert.equal(r.state.lastExit?.reason, 'ready-timeout');
});

test('a hung process fails its liveness probe and is restarted', async (t) => {
  const port = await freePort();
  const { config } = await writeConfig(
    t,
    `programs:\n  web:\n    command: ` +
      `[${node}, ${server}]\n    env: ` +
      `{PORT: ${port}}\n    ready: ` +
      `{tcp: ${port}}\n` +
      `    liveness: {http: ` +
      `"http://127.0.0.1:${port}/", periodMs: 100, timeoutMs: 200, failureThreshold: 2}\n    stopTimeoutMs: 500\n`,
  );
  const sup = await startSupervisor(t, config);
  const r = await waitState(sup, 'web', 'READY');
  const pid = r.pid;
  await fetch(`http://127.0.0.1:${port}/hang`);
  await waitState(sup, 'web', (x) => x.state.state === 'READY' && x.pid !== pid, 15_000);
  assert.equal(r.state.lastExit?.reason, 'liveness');
  assert.equal(r.state.restarts, 1);
});

test('dependsOn: a program starts after its dependency is READY, and stops before it', async (t) => {
  const [pdb, papi] = await Promise.all([freePort(), freePort()]);
  const { config } = await writeConfig(
    t,
    `programs:\n` +
      (`  web:\n    command: ` +
        `[${node}, ${server}]\n    env: ` +
        `{PORT: ${await freePort()}}\n    dependsOn: [backend]\n` +
        `    ready: {afterMs: 0}\n    priority: 1\n`) +
      (`  api:\n    command: ` +
        `[${node}, ${server}]\n    env: ` +
        `{PORT: ${papi}, BOOT_DELAY_MS: 200}\n    dependsOn: [db]\n` +
        `    ready: {tcp: ${papi}}\n`) +
      (`  db:\n    command: ` +
        `[${node}, ${server}]\n    env: ` +
        `{PORT: ${pdb}, BOOT_DELAY_MS: 300}\n    ready: ` +
        `{tcp: ${pdb}}\n    priority: 2000\n`) +
      `groups:\n  backend: {programs: [api, db]}\n`,
  );
  const events: string[] = [];
  const { Supervisor } = await import('../src/runner/supervisor.ts');
  const sup = new Supervisor(config);
  sup.on('event', (e: SupervisorEvent) => {
    if (e.type === 'state' && (e.to === 'STARTING' || e.to === 'READY' || e.to === 'STOPPING' || e.to === 'STOPPED'))
      events.push(`${e.instance}:${e.to}`);
  });
  const { cleanup } = await import('@holdfast/testkit');
  cleanup(t, () => sup.shutdown());
  await sup.start();
  await waitState(sup, 'web', 'READY', 15_000);
  const starts = events.filter((e) => e.endsWith('STARTING') || e.endsWith('READY'));
  assert.deepEqual(
    starts,
    ['db:STARTING', 'db:READY', 'api:STARTING', 'api:READY', 'web:STARTING', 'web:READY'],
    'priority would start web first; dependsOn wins',
  );
  events.length = 0;
  await sup.stopTargets(['all']);
  const stops = events.filter((e) => e.endsWith('STOPPING'));
  assert.deepEqual(stops, ['web:STOPPING', 'api:STOPPING', 'db:STOPPING'], 'reverse order');
  assert.ok(events.indexOf('web:STOPPED') < events.indexOf('api:STOPPING'), 'each waits for its dependents to be down');
});

test('priority: lower starts first among programs free to start, and stops last', async (t) => {
  const prog = (name: string, priority: number) =>
    `  ${name}:\n    command: sleep 1000\n    ready: {afterMs: 0}\n    priority: ${priority}\n`;
  const { config } = await writeConfig(t, `programs:\n${prog('late', 900)}${prog('early', 10)}${prog('middle', 500)}`);
  const { Supervisor } = await import('../src/runner/supervisor.ts');
  const { cleanup } = await import('@holdfast/testkit');
  const sup = new Supervisor(config);
  cleanup(t, () => sup.shutdown());
  const events: string[] = [];
  sup.on('event', (e: SupervisorEvent) => {
    if (e.type === 'state' && (e.to === 'STARTING' || e.to === 'STOPPING')) events.push(`${e.instance}:${e.to}`);
  });
  await sup.start();
  await waitState(sup, 'late', 'READY');
  await sup.stopTargets(['all']);
  assert.deepEqual(events, ['early:STARTING', 'middle:STARTING', 'late:STARTING', 'late:STOPPING', 'middle:STOPPING', 'early:STOPPING']);
});
