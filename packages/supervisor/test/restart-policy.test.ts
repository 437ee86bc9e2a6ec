// Restart policy with real child processes: backoff delays honoured (timestamps the child
// records itself), FATAL after startRetries, a manual start bypassing the limit, the backoff
// starting over after a healthy period, a spawn error going straight to FATAL.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { tempDir } from '@holdfast/testkit';
import type { SupervisorEvent } from '../src/index.ts';
import { fixtures, node, startSupervisor, waitState, writeConfig } from './helpers.ts';

const stampsOf = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map(Number);

test('failed starts back off exponentially, then FATAL; a manual start bypasses the limit', async (t) => {
  const dir = tempDir(t, 'hf-sup-');
  const stamps = join(dir, 'stamps');
  const { config: cfg } = await writeConfig(
    t,
    `programs:\n  flaky:\n    command: ` +
      `[${node}, ${join(fixtures, 'crash.mjs')}]\n    env: ` +
      `{STAMPS: ${stamps}, CODE: ` +
      `3}\n    startRetries: 3\n    backoff: {initialMs: 300, factor: 2, maxMs: 5000, jitter: 0}\n`,
    { dir },
  );
  const events: SupervisorEvent[] = [];
  const sup = await startSupervisor(t, cfg);
  sup.on('event', (e: SupervisorEvent) => events.push(e));
  const r = await waitState(sup, 'flaky', 'FATAL', 20_000);
  const s = stampsOf(stamps);
  assert.equal(s.length, 4, 'one start plus startRetries (3) retries');
  const gaps = s.slice(1).map((x, i) => x - s[i]!);
  assert.ok(gaps[1]! >= 300 && gaps[2]! >= 600, `delays honoured: gaps ${gaps.join(', ')} ms for scheduled 0, 300, 600`);
  // (The exact delays, including that they grow, are asserted on the pure state machine in
  // state-machine.test.ts; wall-clock gaps here also carry process start-up time, which a
  // loaded machine stretches unevenly, so only the lower bounds are checked.)
  const scheduled = events.filter((e) => e.type === 'state' && e.to === 'BACKOFF').length;
  assert.equal(scheduled, 2, 'the first retry is immediate, the next two wait');
  assert.match(r.state.fatalReason!, /4 attempts in a row; last attempt exited with code 3/);
  assert.equal(r.state.lastExit?.code, 3);
  // A manual start ignores the limit and counts from zero again.
  await sup.startTargets(['flaky'], { wait: false });
  await waitState(sup, 'flaky', () => stampsOf(stamps).length >= 5);
  assert.ok(r.state.failedStarts <= 1);
});

test('the backoff starts over after a healthy period', async (t) => {
  const dir = tempDir(t, 'hf-sup-');
  const prog = (name: string, resetAfterMs: number) =>
    `  ${name}:\n    command: ` +
    `[${node}, ${join(fixtures, 'crash.mjs')}]\n    env: ` +
    `{STAMPS: ${join(dir, name)}, ` +
    `AFTER_MS: 400}\n    ready: {afterMs: 0}\n    backoff: {initialMs: 500, factor: 2, maxMs: 5000, jitter: 0, ` +
    `resetAfterMs: ${resetAfterMs}}\n`;
  const { config } = await writeConfig(t, `programs:\n${prog('healthy', 300)}${prog('sickly', 60_000)}`, { dir });
  const sup = await startSupervisor(t, config);
  const delays: Record<string, number[]> = { healthy: [], sickly: [] };
  sup.on('event', (e: SupervisorEvent) => {
    if (e.type === 'state' && e.from === 'READY') {
      const r = sup.runners().find((x) => x.spec.id === e.instance)!;
      delays[e.instance]!.push(r.state.retryAt === undefined ? 0 : r.state.retryAt - r.state.since);
    }
  });
  await waitState(sup, 'sickly', () => delays.sickly!.length >= 3, 20_000);
  await waitState(sup, 'healthy', () => delays.healthy!.length >= 3, 20_000);
  assert.deepEqual(delays.healthy!.slice(0, 3), [0, 0, 0], 'READY past resetAfterMs: every crash is a first crash');
  assert.deepEqual(delays.sickly!.slice(0, 3), [0, 500, 1000], 'crashes in a row back off');
});

test('a command that does not exist goes to FATAL with the spawn error, no restart loop', async (t) => {
  const { config } = await writeConfig(
    t,
    'programs:\n  ghost:\n    command: /no/such/binary --flag\n  ghost2:\n    command: no-such-command-xyz\n',
  );
  const sup = await startSupervisor(t, config);
  const events: SupervisorEvent[] = [];
  sup.on('event', (e: SupervisorEvent) => events.push(e));
  const a = await waitState(sup, 'ghost', 'FATAL');
  const b = await waitState(sup, 'ghost2', 'FATAL');
  assert.equal(a.state.lastExit?.reason, 'spawn-error');
  assert.match(a.state.fatalReason!, /\/no\/such\/binary.*ENOENT|ENOENT.*\/no\/such\/binary/);
  assert.match(b.state.fatalReason!, /'no-such-command-xyz' is not on the PATH, which comes from the daemon's environment: /);
  await delay(300);
  assert.equal(events.filter((e) => e.type === 'state').length, 0, 'nothing more happens');
  assert.equal(a.state.restarts, 0);
});

test('autorestart on-failure leaves a clean exit alone; always restarts it', async (t) => {
  const dir = tempDir(t, 'hf-sup-');
  const prog = (name: string, autorestart: string) =>
    `  ${name}:\n    command: ` +
    `[${node}, ${join(fixtures, 'crash.mjs')}]\n    env: ` +
    `{STAMPS: ${join(dir, name)}, CODE: ` +
    `0, AFTER_MS: 100}\n    ready: {afterMs: 0}\n` +
    `    autorestart: ${autorestart}\n    backoff: {initialMs: 50, jitter: 0}\n`;
  const { config } = await writeConfig(t, `programs:\n${prog('once', 'on-failure')}${prog('again', 'always')}`, { dir });
  const sup = await startSupervisor(t, config);
  const once = await waitState(sup, 'once', 'EXITED');
  assert.equal(once.state.lastExit?.code, 0);
  await waitState(sup, 'again', (r) => r.state.restarts >= 2);
  assert.equal(stampsOf(join(dir, 'once')).length, 1);
});
