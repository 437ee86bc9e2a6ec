// The `program` resource against the real holdfast supervisor: a supervisor daemon runs two
// programs (each node's "primary"), two real agents on the local coordinator lead in turn. The
// leader's program runs with its fencing token in its environment, the demoted leader's program
// is stopped, and a SIGKILLed leader's program is stopped by its fence companion.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanup, startChild, tempDir, waitFor } from '@holdfast/testkit';
import { daemonArgv, SupervisorClient, type InstanceStatus } from '@holdfast/supervisor';
import { startAgent } from './support/agents.ts';

/** A supervisor daemon with programs db-a and db-b: each logs "<program> <token>" and stays up. */
async function startSupervisorDaemon(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'hf-fo-sup-'));
  const file = join(dir, 'supervisor.yaml');
  const log = join(dir, 'programs.log');
  writeFileSync(log, '');
  const program = (name: string) =>
    `  ${name}:\n    command: 'echo ` +
    `"${name} $HOLDFAST_FENCING_TOKEN" ` +
    `>> ${log}; exec sleep 1000'\n    shell: true\n` +
    `    autostart: false\n    ready: {afterMs: 0}\n    stopTimeoutMs: 2000\n`;
  writeFileSync(
    file,
    `supervisor:\n  socket: ${join(dir, 'sup.sock')}\n` +
      `  stateDir: ${join(dir, 'state')}\n` +
      `  logDir: ${join(dir, 'logs')}\n  logLevel: warn\nprograms:\n${program('db-a')}${program('db-b')}`,
  );
  const client = new SupervisorClient({ socket: join(dir, 'sup.sock'), timeoutMs: 30_000 });
  // Registered before startChild's own cleanup (which SIGKILLs), so the daemon first stops its
  // programs and removes what it made.
  const started: { daemon?: ReturnType<typeof startChild> } = {};
  cleanup(t, async () => {
    await client.shutdown().catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([started.daemon?.exited, new Promise((r) => (timer = setTimeout(r, 30_000)))]);
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  });
  started.daemon = startChild(t, process.execPath, daemonArgv(file));
  await waitFor('the supervisor daemon', () => client.status().then(() => true), { timeoutMs: 20_000 });
  const instance = async (program: string): Promise<InstanceStatus> => (await client.status()).programs.find((p) => p.program === program)!;
  /** The fencing token in the running process's own environment (null: none, or not running). */
  const tokenOf = async (program: string): Promise<number | null> => {
    const pid = (await instance(program)).pid;
    if (!pid) return null;
    const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    const v = env.find((e) => e.startsWith('HOLDFAST_FENCING_TOKEN='));
    return v ? Number(v.split('=')[1]) : null;
  };
  const starts = () =>
    readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.trim().split(' '));
  return { client, socket: join(dir, 'sup.sock'), instance, tokenOf, starts, log };
}

test(
  'program resource on a real supervisor: the leader’s program runs with its token; demotion and the fence stop it',
  { timeout: 120_000 },
  async (t) => {
    const sup = await startSupervisorDaemon(t);
    const dir = tempDir(t);
    // A program already up before the agent (autostarted, left over): it carries no token.
    await sup.client.start('db-a');
    assert.equal(await sup.tokenOf('db-a'), null);

    const config = (node: 'a' | 'b', priority: number) => ({
      name: 'c',
      priority,
      // The 5 s profile: a loaded machine's event-loop stalls must not move leadership mid-test.
      coordinator: { kind: 'local', dir: join(dir, 'coord'), profile: 'default' },
      resources: [{ kind: 'program', name: 'db', program: `db-${node}`, socket: sup.socket, timeout: '20s' }],
      fences: [{ kind: 'companion' }],
    });
    const a = startAgent(t, dir, 'a', config('a', 200));
    const first = await a.waitForEvent('promoted');
    const t1 = first.token as number;
    assert.equal((await sup.instance('db-a')).state, 'READY');
    assert.equal(await sup.tokenOf('db-a'), t1, 'the cleaned-up program was started again, with the leader’s token');
    assert.ok(
      a.events().some((e) => e.event === 'resource-cleaned' && e.resource === 'db'),
      'cleanup at agent start stopped the token-less program',
    );

    const b = startAgent(t, dir, 'b', config('b', 100));
    await b.waitForEvent('agent-started');
    assert.equal((await sup.instance('db-b')).state, 'STOPPED', 'a follower runs nothing');

    // Clean handover: a stops its program before releasing the lease; b starts its own.
    a.child.kill('SIGTERM');
    const second = await b.waitForEvent('promoted', (e) => (e.token as number) > t1);
    const t2 = second.token as number;
    assert.equal((await a.child.exited).code, 0);
    assert.equal((await sup.instance('db-a')).state, 'STOPPED', 'the demoted leader stopped its program');
    assert.equal((await sup.instance('db-b')).state, 'READY');
    assert.equal(await sup.tokenOf('db-b'), t2);

    // b dies without demoting: its fence companion stops b's program through the supervisor.
    process.kill(b.child.pid, 'SIGKILL');
    await waitFor('the fence to stop db-b', async () => (await sup.instance('db-b')).state === 'STOPPED', { timeoutMs: 20_000 });

    // Every start of either program carried the token of the term it belonged to, in order.
    const rows = sup.starts();
    assert.deepEqual(rows, [['db-a'], ['db-a', String(t1)], ['db-b', String(t2)]], `starts: ${JSON.stringify(rows)}`);
  },
);
