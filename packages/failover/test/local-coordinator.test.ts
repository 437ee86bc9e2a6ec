// The local backend: lease and token semantics, persistence of the token across restarts,
// mutual exclusion between real processes sharing one directory, and its bad inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cannotRun, cleanup, startChild, tempDir, waitFor } from '@holdfast/testkit';
import { LocalCoordinator } from '../src/coordinator/local.ts';
import { LeaseLostError, type CampaignResult, type Term } from '../src/coordinator/coordinator.ts';

const contender = new URL('./support/local-contender.ts', import.meta.url).pathname;
const won = (r: CampaignResult): Term => {
  assert.ok(r.won, 'campaign should win');
  return r.term;
};

test('create-if-absent, keep-alive, resign, and tokens from a persisted counter', async (t) => {
  const dir = tempDir(t);
  const a = new LocalCoordinator({ dir, cluster: 'c1', ttlMs: 1000 });
  const b = new LocalCoordinator({ dir, cluster: 'c1', ttlMs: 1000 });
  await a.connect();
  const first = won(await a.campaign({ node: 'a', priority: 7 }));
  assert.equal(first.token, 1);
  const lost = await b.campaign({ node: 'b', priority: 1 });
  assert.ok(!lost.won && lost.view.leader?.node === 'a' && lost.view.leader.priority === 7);
  assert.deepEqual(await a.keepAlive(first), { ttlMs: 1000 });
  assert.equal(readFileSync(join(dir, 'c1', 'token'), 'utf8').trim(), '1', 'the token is on disk before the win is reported');
  await a.resign(first);
  const second = won(await b.campaign({ node: 'b', priority: 1 }));
  assert.equal(second.token, 2);
  assert.deepEqual(second.previous, { node: 'a', token: 1, expired: false });
  await assert.rejects(a.keepAlive(first), LeaseLostError);
});

test('an unrenewed lease expires on the shared monotonic clock; the winner learns it expired', async (t) => {
  const dir = tempDir(t);
  const a = new LocalCoordinator({ dir, cluster: 'c', ttlMs: 300 });
  const b = new LocalCoordinator({ dir, cluster: 'c', ttlMs: 300 });
  const first = won(await a.campaign({ node: 'a', priority: 1 }));
  assert.equal((await b.campaign({ node: 'b', priority: 1 })).won, false);
  await sleep(350);
  const second = won(await b.campaign({ node: 'b', priority: 1 }));
  assert.deepEqual(second.previous, { node: 'a', token: first.token, expired: true });
  await assert.rejects(a.keepAlive(first), /expired|belongs to token/);
});

test('the token never goes backwards across restarts, even if the state file is lost', async (t) => {
  const dir = tempDir(t);
  let c = new LocalCoordinator({ dir, cluster: 'c', ttlMs: 1000 });
  for (let i = 1; i <= 3; i++) {
    const term = won(await c.campaign({ node: 'a', priority: 1 }));
    assert.equal(term.token, i);
    await c.resign(term);
  }
  rmSync(join(dir, 'c', 'state.json'));
  c = new LocalCoordinator({ dir, cluster: 'c', ttlMs: 1000 }); // a restarted agent
  assert.equal(won(await c.campaign({ node: 'a', priority: 1 })).token, 4);
});

/** The contenders' shared log must read start, end, start, end… with growing tokens: never two holders at once. */
function assertTakesTurns(log: string, expected: number): void {
  const events = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(' '));
  assert.equal(events.length, expected);
  let lastToken = 0;
  for (let i = 0; i < events.length; i += 2) {
    const [kind, token, , who] = events[i]!;
    const [kind2, token2, , who2] = events[i + 1]!;
    assert.equal(kind, 'start', `line ${i + 1}`);
    assert.equal(kind2, 'end', `line ${i + 2}: ${events[i + 1]!.join(' ')} follows ${events[i]!.join(' ')}`);
    assert.equal(token2, token);
    assert.equal(who2, who);
    assert.ok(Number(token) > lastToken, `token ${token} after ${lastToken}`);
    lastToken = Number(token);
  }
}

test('processes sharing one directory never hold leadership at once, and tokens increase', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'log');
  writeFileSync(log, '');
  const kids = ['p1', 'p2', 'p3', 'p4'].map((name) => startChild(t, process.execPath, [contender, dir, name, '15', log]));
  await Promise.all(kids.map((k) => k.waitForLine(/^done 15/, 60_000)));
  assertTakesTurns(log, 4 * 15 * 2);
});

test('a SIGKILLed leader process leaves no stale lock: the others proceed and take over when its lease runs out', async (t) => {
  const dir = tempDir(t);
  const holder = startChild(t, process.execPath, [contender, dir, 'holder', 'hold', '/dev/null']);
  await holder.waitForLine(/^leading/);
  holder.kill('SIGKILL');
  await holder.exited;
  const c = new LocalCoordinator({ dir, cluster: 'stress', ttlMs: 2000 });
  assert.equal((await c.read()).leader?.node, 'holder', 'the mutex is free at once; the lease lives on');
  const term = await waitFor(
    "the dead holder's lease to expire",
    async () => {
      const r = await c.campaign({ node: 'me', priority: 1 });
      return r.won ? r.term : undefined;
    },
    { timeoutMs: 5000, intervalMs: 100 },
  );
  assert.deepEqual(term.previous, { node: 'holder', token: 1, expired: true });
});

test('bad inputs: an unusable directory and a corrupt state file give errors that say what to do', async (t) => {
  const bad = new LocalCoordinator({ dir: '/dev/null/nope', cluster: 'c', ttlMs: 1000 });
  await assert.rejects(
    bad.connect(),
    (err: Error & { code?: string }) => err.code === 'HOLDFAST_E_LOCAL_STATE' && /writable/.test(err.message),
  );
  const dir = tempDir(t);
  const c = new LocalCoordinator({ dir, cluster: 'c', ttlMs: 1000 });
  await c.connect();
  writeFileSync(join(dir, 'c', 'state.json'), '{ not json');
  await assert.rejects(
    c.read(),
    (err: Error & { code?: string }) => err.code === 'HOLDFAST_E_LOCAL_STATE' && /corrupt.*keep the 'token' file/.test(err.message),
  );
});

test('agents in different network namespaces exclude each other too (the mutex is a file lock, host-wide)', async (t) => {
  if (process.getuid?.() !== 0) return cannotRun(t, 'needs root for ip netns');
  const dir = tempDir(t);
  const log = join(dir, 'log');
  writeFileSync(log, '');
  const ns = `hf-local-${process.pid}`;
  execFileSync('ip', ['netns', 'add', ns]);
  cleanup(t, () => execFileSync('ip', ['netns', 'del', ns]));
  const kids = [
    startChild(t, process.execPath, [contender, dir, 'host-ns', '10', log]),
    startChild(t, 'ip', ['netns', 'exec', ns, process.execPath, contender, dir, 'other-ns', '10', log]),
  ];
  await Promise.all(kids.map((k) => k.waitForLine(/^done 10/, 60_000)));
  assertTakesTurns(log, 2 * 10 * 2);
});

test('no abstract socket: the mutex is mutex.db inside the 0700 state directory, created 0600', async (t) => {
  const dir = tempDir(t);
  const c = new LocalCoordinator({ dir, cluster: 'c', ttlMs: 1000 });
  t.after(() => c.close());
  await c.connect();
  assert.equal(statSync(join(dir, 'c')).mode & 0o777, 0o700);
  assert.equal(statSync(join(dir, 'c', 'mutex.db')).mode & 0o777, 0o600);
  const unix = readFileSync('/proc/net/unix', 'utf8');
  assert.doesNotMatch(unix, /@holdfast-failover/, 'no abstract socket name any user could bind first');
});

test('a state directory that other users can enter, or that another user owns, is refused with the fix', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'wide'), { mode: 0o755 });
  chmodSync(join(dir, 'wide'), 0o755);
  const wide = new LocalCoordinator({ dir, cluster: 'wide', ttlMs: 1000 });
  await assert.rejects(
    wide.connect(),
    (err: Error & { code?: string }) => err.code === 'HOLDFAST_E_LOCAL_STATE' && /has mode 0755.*mkdir -m 700/.test(err.message),
  );
  mkdirSync(join(dir, 'theirs'), { mode: 0o700 });
  chownSync(join(dir, 'theirs'), 65534, 65534);
  const theirs = new LocalCoordinator({ dir, cluster: 'theirs', ttlMs: 1000 });
  await assert.rejects(
    theirs.connect(),
    (err: Error & { code?: string }) => err.code === 'HOLDFAST_E_LOCAL_STATE' && /owned by uid 65534/.test(err.message),
  );
});
