// The supervisor and the service runtime agree on time: the supervisor hands every program its
// stop budget (HOLDFAST_TERMINATION_GRACE_MS from stopTimeoutMs), so a restart during a slow
// request lets it finish when the budget allows, and when it does not, the service ends its own
// shutdown within the budget instead of being SIGKILLed mid-drain (what a user hit: a 10 s
// supervisor stop against a 30 s service plan killed a 12 s request with no response).
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, waitFor } from '@holdfast/testkit';
import { startDaemon, writeConfig } from './support/daemon.ts';

const app = join(import.meta.dirname, 'fixtures', 'slow-service.ts');

function get(port: number, path: string): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
      res.on('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
    });
    req.once('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
    req.end();
  });
}

async function slowService(t: Parameters<typeof writeConfig>[0], stopTimeout: string) {
  const port = await freePort();
  const { config } = await writeConfig(
    t,
    `programs:\n  slow:\n    command: ` +
      `[${process.execPath}, ${app}]\n    env: ` +
      `{PORT: ${port}}\n    ready: {http: ` +
      `"http://127.0.0.1:${port}/readyz", timeoutMs: 30s}\n    stopTimeoutMs: ${stopTimeout}\n`,
  );
  const { client } = await startDaemon(t, config);
  await waitFor('slow READY', async () => (await client.status()).programs[0]!.state === 'READY', { timeoutMs: 30_000 });
  return { client, port };
}

test(
  'a restart during a 12 s request lets it finish within a 20 s stop budget: answered, and the old process exits by itself',
  { timeout: 120_000 },
  async (t) => {
    const { client, port } = await slowService(t, '20s');
    const oldPid = (await client.status()).programs[0]!.pid!;
    const env = (await import('node:fs')).readFileSync(`/proc/${oldPid}/environ`, 'utf8');
    assert.match(env, /\0HOLDFAST_TERMINATION_GRACE_MS=20000\0/, 'the stop budget handed down');
    const pending = get(port, '/slow?ms=12000');
    await new Promise((r) => setTimeout(r, 500));
    const restarted = await client.restart('slow', { timeoutMs: 60_000 });
    const answer = await pending;
    assert.ok('status' in answer, `the slow request was answered, not cut: ${JSON.stringify(answer)}`);
    assert.equal(answer.status, 200);
    assert.deepEqual(JSON.parse(answer.body), { slept: 12000, pid: oldPid });
    const st = restarted.instances[0]!;
    assert.equal(st.state, 'READY');
    assert.notEqual(st.pid, oldPid);
    assert.equal(st.lastExit?.reason, 'stopped', 'the old instance exited on its own, not by SIGKILL at the deadline');
    assert.equal(st.lastExit?.code, 0);
    assert.match(await client.logs('slow', { lines: 200 }), /"msg":"shutdown complete"/);
  },
);

test(
  'a budget too short for the request: the service ends its shutdown inside it, the supervisor never needs SIGKILL',
  { timeout: 120_000 },
  async (t) => {
    const { client, port } = await slowService(t, '4s');
    const pending = get(port, '/slow?ms=12000');
    await new Promise((r) => setTimeout(r, 500));
    const t0 = performance.now();
    const restarted = await client.restart('slow', { timeoutMs: 60_000 });
    await pending;
    const st = restarted.instances[0]!;
    assert.equal(st.state, 'READY');
    assert.equal(st.lastExit?.reason, 'stopped', `the service stopped itself within 4 s (lastExit ${JSON.stringify(st.lastExit)})`);
    assert.equal(st.lastExit?.code, 1, 'and said work was left: exit code 1');
    assert.ok(performance.now() - t0 < 30_000);
    const log = await client.logs('slow', { lines: 200 });
    assert.match(
      log,
      /"msg":"shutdown finished with work left pending"/,
      'the shutdown report names what was cut, instead of a SIGKILL that reports nothing',
    );
    assert.match(log, /"budget":\{[^}]*\}/);
  },
);
