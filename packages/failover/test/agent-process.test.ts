// Real agent processes (`holdfast failover -c …`) on the local coordinator and on a real etcd:
// start-up cleanup, clear errors, clean handover on SIGTERM, switchover, status, and the paused
// leader that wakes after its lease expired.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, tempDir, waitFor } from '@holdfast/testkit';
import { actions, cli, loggingResource, startAgent } from './support/agents.ts';
import { startEtcd } from './support/etcd.ts';

const run = promisify(execFile);
const holdfast = (...args: string[]) =>
  run(process.execPath, [cli, ...args]).catch((e: { code: number; stdout: string; stderr: string }) => e);

test('etcd unreachable at start: the agent exits 1 with a clear error and takes nothing', async (t) => {
  const dir = tempDir(t);
  const marker = join(dir, 'started');
  const port = await freePort();
  const agent = startAgent(t, dir, 'a', {
    name: 'c',
    coordinator: { kind: 'etcd', endpoints: [`http://127.0.0.1:${port}`], connectTimeout: '1s' },
    resources: [{ kind: 'exec', name: 'app', start: `touch ${marker}`, stop: 'true' }],
  });
  const { code } = await agent.child.exited;
  assert.equal(code, 1);
  assert.match(
    agent.child.stderr(),
    new RegExp(`HOLDFAST_E_COORDINATOR_UNREACHABLE.*127\\.0\\.0\\.1:${port} did not answer within 1000 ms.*no leadership was taken`),
  );
  assert.equal(existsSync(marker), false, 'no resource was started');
});

test('an invalid config: exit 1 with file, line and path, nothing started', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'cluster.yaml');
  writeFileSync(file, 'name: c\nnode: a\ncoordinator: { kind: lokal }\n');
  const r = (await holdfast('failover', '-c', file)) as { code?: number; stderr: string };
  assert.equal(r.code, 1);
  assert.match(r.stderr, /HOLDFAST_E_CONFIG/);
  assert.match(r.stderr, new RegExp(`${file}:3:\\d+\\s+coordinator\\.kind`));
});

test('on start the agent cleans up what an earlier run left (stop/cleanup without a lease), before campaigning', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'actions');
  const a = startAgent(t, dir, 'a', { name: 'c', coordinator: { kind: 'local', dir }, resources: [loggingResource(log)] });
  await a.waitForEvent('promoted');
  const rows = actions(log);
  assert.deepEqual(rows[0], ['stop', 0, 'a'], 'cleanup ran first, with no token');
  assert.equal(rows[1]![0], 'start');
  assert.ok(rows[1]![1] > 0);
  const cleaned = a.events().findIndex((e) => e.event === 'resource-cleaned');
  const campaign = a.events().findIndex((e) => e.event === 'campaign');
  assert.ok(cleaned >= 0 && cleaned < campaign);
});

test('two agents on the local coordinator: one leads; SIGTERM hands over at once; switchover moves it back; status tells', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'actions');
  // The default 5 s profile: a loaded machine's event-loop stalls must not move leadership here.
  const config = { name: 'c', coordinator: { kind: 'local', dir, profile: 'default' }, resources: [loggingResource(log)] };
  const a = startAgent(t, dir, 'a', { ...config, priority: 200 });
  const first = await a.waitForEvent('promoted');
  const b = startAgent(t, dir, 'b', config);
  await b.waitForEvent('agent-started');

  const status = JSON.parse((await run(process.execPath, [cli, 'failover', 'status', '--socket', b.socket, '--json'])).stdout) as {
    leadership: { role: string; leader: { node: string; token: number } };
    resources: { name: string; state: string }[];
  };
  assert.equal(status.leadership.role, 'follower');
  assert.deepEqual(status.leadership.leader, { node: 'a', token: first.token });
  const text = (await run(process.execPath, [cli, 'failover', 'status', '-c', a.config])).stdout;
  assert.match(text, new RegExp(`role\\s+leader, token ${first.token}, lease \\d\\.\\d\\d s left`));
  assert.match(text, /app\s+exec\s+running/);

  a.child.kill('SIGTERM');
  const elected = await b.waitForEvent('elected');
  const { campaign, ...previous } = elected.previous as { campaign?: string };
  assert.deepEqual(
    previous,
    { node: 'a', token: first.token, expired: false },
    'a released its lease: b took over without waiting for expiry or fencing',
  );
  assert.equal(typeof campaign, 'string', 'the term records the campaign that won it');
  const second = await b.waitForEvent('promoted');
  assert.ok((second.token as number) > (first.token as number));
  assert.equal((await a.child.exited).code, 0);

  // a comes back; a planned switchover moves leadership to it.
  const a2 = startAgent(t, dir, 'a', { ...config, priority: 200 });
  await a2.waitForEvent('agent-started');
  const sw = await run(process.execPath, [cli, 'failover', 'switchover', '--socket', a2.socket, '--to', 'a', '--json']);
  const outcome = JSON.parse(sw.stdout) as { from: string; to: string; done: boolean; token: number };
  assert.equal(outcome.from, 'b');
  assert.equal(outcome.done, true);
  assert.ok(outcome.token > (second.token as number));
  const demoted = b.events().find((e) => e.event === 'demoted');
  assert.equal(demoted?.reason, 'switchover');
  assertNoOverlap(log);

  const bad = (await holdfast('failover', 'switchover', '--socket', a2.socket, '--to', 'a', '--wait', '0')) as {
    code?: number;
    stderr: string;
  };
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /'a' already leads/);
});

/** Action rows (start/monitor) must appear in token order: no term acts after a later one began. */
function assertNoOverlap(log: string): void {
  const tokens = actions(log)
    .filter(([action, token]) => action !== 'stop' && token > 0)
    .map(([, token]) => token);
  assert.deepEqual(
    tokens,
    [...tokens].sort((x, y) => x - y),
    `actions in token order: ${tokens.join(' ')}`,
  );
}

test('a leader paused (SIGSTOP) past its lease wakes, performs no side effect with its old token, and demotes (real etcd)', async (t) => {
  const etcd = await startEtcd(t, { fast: true });
  const dir = tempDir(t);
  const log = join(dir, 'actions');
  const config = {
    name: 'c',
    coordinator: { kind: 'etcd', endpoints: [etcd.endpoint], profile: 'fast' },
    resources: [loggingResource(log)],
  };
  const a = startAgent(t, dir, 'a', config);
  await a.waitForEvent('promoted');
  const b = startAgent(t, dir, 'b', config);
  await b.waitForEvent('agent-started');
  // On a loaded machine leadership may already have moved; pause whoever leads now.
  const statusOf = async (agent: typeof a) =>
    JSON.parse((await run(process.execPath, [cli, 'failover', 'status', '--socket', agent.socket, '--json'])).stdout) as {
      leadership: { role: string; token: number | null; leader: { node: string; token: number } | null };
    };
  const leaderNow = await waitFor('a settled leader', async () => {
    const s = await statusOf(a);
    return s.leadership.leader && actions(log).some(([x, tok]) => x === 'monitor' && tok === s.leadership.leader!.token)
      ? s.leadership.leader
      : undefined;
  });
  const [old, other] = leaderNow.node === 'a' ? [a, b] : [b, a];
  const oldToken = leaderNow.token;

  process.kill(old.child.pid, 'SIGSTOP');
  const pausedAt = performance.now();
  const next = await other.waitForEvent('promoted', (e) => (e.token as number) > oldToken, 15_000);
  const tookOver = performance.now() - pausedAt;
  await waitFor('the new leader to act', () => actions(log).some(([x, tok]) => x === 'monitor' && tok === next.token));
  await new Promise((r) => setTimeout(r, 2000)); // keep the old leader frozen well past its lease
  process.kill(old.child.pid, 'SIGCONT');

  const demoted = await old.waitForEvent('demoted', (e) => e.token === oldToken);
  await new Promise((r) => setTimeout(r, 500)); // let anything the woken leader might still do happen
  const rows = actions(log);
  const nextStart = rows.findIndex(([x, tok]) => x === 'start' && tok === next.token);
  const stale = rows.slice(nextStart).filter(([x, tok]) => tok === oldToken && x !== 'stop');
  assert.deepEqual(stale, [], 'the woken leader performed no start or monitor with its old token once the new term began');
  assert.ok((next.token as number) > oldToken, 'tokens increase');
  assertNoOverlap(log);
  assert.ok(['renew-timeout', 'lease-lost'].includes(demoted.reason as string), `demoted for ${String(demoted.reason)}`);
  const woke = old
    .events()
    .filter((e) => ['pause', 'action-refused', 'demoting'].includes(e.event as string))
    .map((e) => e.event);
  assert.ok(woke.includes('pause'), 'the pause was detected');
  t.diagnostic(`${other.node} took over ${tookOver.toFixed(0)} ms after the pause; ${old.node}'s events: ${woke.join(', ')}`);
  const after = await statusOf(old);
  assert.notEqual(after.leadership.token, oldToken, 'the old term is gone');
});

test('the status endpoint serves holdfast_failover_* metrics and an events stream; heartbeats show the peers', async (t) => {
  const dir = tempDir(t);
  const [pa, pb] = [await freePort(), await freePort()];
  const keys = [{ id: 'k1', secret: 'a-test-secret-of-32-bytes-length' }];
  // With the default fence: a companion process armed while leading.
  const base = {
    name: 'c',
    coordinator: { kind: 'local', dir, profile: 'default' },
    resources: [loggingResource(join(dir, 'actions'))],
    fences: [{ kind: 'companion' }],
  };
  const a = startAgent(t, dir, 'a', {
    ...base,
    heartbeat: { listen: `127.0.0.1:${pa}`, interval: '500ms', peers: [{ node: 'b', address: `127.0.0.1:${pb}` }], keys },
  });
  const b = startAgent(t, dir, 'b', {
    ...base,
    heartbeat: { listen: `127.0.0.1:${pb}`, interval: '500ms', peers: [{ node: 'a', address: `127.0.0.1:${pa}` }], keys },
  });
  await Promise.all([a.waitForEvent('agent-started'), b.waitForEvent('agent-started')]);

  // Subscribe to b's events, then make a (or whoever leads) hand over by stopping it.
  const streamed: Record<string, unknown>[] = [];
  const req = request({ socketPath: b.socket, path: '/events' }, (res) => {
    res.setEncoding('utf8');
    let buf = '';
    res.on('data', (chunk: string) => {
      buf += chunk;
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) streamed.push(JSON.parse(l) as Record<string, unknown>);
    });
  });
  req.on('error', () => {});
  req.end();
  t.after(() => req.destroy());

  const statusOf = async (agent: typeof a) =>
    JSON.parse((await run(process.execPath, [cli, 'failover', 'status', '--socket', agent.socket, '--json'])).stdout) as {
      leadership: { role: string; leader: { node: string } | null };
      peers: { node: string; alive: boolean; role: string }[];
    };
  const sb = await waitFor('b to hear a and know the leader', async () => {
    const s = await statusOf(b);
    return s.peers[0]?.alive && s.leadership.leader ? s : undefined;
  });
  assert.equal(sb.peers[0]!.node, 'a');
  const text = (await run(process.execPath, [cli, 'failover', 'status', '--socket', b.socket])).stdout;
  assert.match(text, /peers\s+a\s+alive/);
  assert.match(text, /heartbeats \d+ accepted, dropped: none/);

  const leader = sb.leadership.leader!.node === 'a' ? a : b;
  const leaderStatus = JSON.parse(
    (await run(process.execPath, [cli, 'failover', 'status', '--socket', leader.socket, '--json'])).stdout,
  ) as { leadership: { token: number }; fences: { kind: string; armed: { token: number } | null }[] };
  assert.deepEqual(
    leaderStatus.fences.map((f) => [f.kind, f.armed?.token]),
    [['companion', leaderStatus.leadership.token]],
    'the leader armed its fence companion with its token',
  );
  const follower = leader === a ? b : a;
  const metrics = await new Promise<string>((resolve, reject) => {
    request({ socketPath: leader.socket, path: '/metrics' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
  for (const m of [
    'holdfast_failover_is_leader 1',
    'holdfast_failover_fencing_token ',
    'holdfast_failover_lease_remaining_seconds ',
    'holdfast_failover_resource_up{resource="app",kind="exec"} 1',
    'holdfast_failover_peer_up{peer=',
    'holdfast_failover_transitions_total{event="promoted"} 1',
  ]) {
    assert.ok(metrics.includes(m), `metrics include ${m}`);
  }
  leader.child.kill('SIGTERM');
  await follower.waitForEvent('promoted');
  if (follower === b)
    await waitFor("the promotion on b's events stream", () => streamed.some((e) => e.type === 'promoted' && e.node === 'b'));
  else await waitFor("the leader change on b's events stream", () => streamed.some((e) => e.type === 'demoted' && e.node === 'b'));
  assert.ok(streamed.every((e) => typeof e.time === 'string' && e.node === 'b'));
});
