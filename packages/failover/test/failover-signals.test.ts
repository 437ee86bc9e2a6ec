// Failover events become incidents in a real supervisor daemon: real agents (the CLI's
// `holdfast failover`, on the embedded local coordinator) forward their promotions and fences
// fired to its `POST /v1/signals`, and `holdfast incidents list --json` shows them. A daemon that
// is down while an event happens gets it when it is back, once, also when the first answer after
// its return is lost on the way (a proxy on the agent's socket drops it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, connect, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, tempDir, waitFor } from '@holdfast/testkit';
import { cli, startAgent } from './support/agents.ts';
import { incidentDaemon, type IncidentRow } from './support/incident-daemon.ts';

/** A Unix-socket proxy in front of the daemon: passes everything, or loses the next answer. */
async function lossyProxy(t: Parameters<typeof cleanup>[0], path: string, upstream: string) {
  const state = { loseNextAnswer: false, lost: 0 };
  const open = new Set<Socket>();
  const server = createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => {});
    const up = connect(upstream);
    up.on('error', () => client.destroy()); // the daemon is down: the agent sees the connection reset
    client.on('close', () => up.destroy());
    client.pipe(up);
    up.once('data', (answer) => {
      if (state.loseNextAnswer) {
        // The daemon has read and answered the request: it stored the signals. The agent never hears so.
        state.loseNextAnswer = false;
        state.lost++;
        client.destroy();
        up.destroy();
        return;
      }
      client.write(answer);
      up.pipe(client);
    });
  });
  await new Promise<void>((r) => server.listen(path, r));
  cleanup(t, () => {
    for (const s of open) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return state;
}

const byKind = (list: IncidentRow[], kind: string) => list.filter((i) => i.kind === kind);

test(
  'an agent run by the supervisor forwards on its own (HOLDFAST_SOCKET): its promotion is an incident, its fence firing a critical one',
  { timeout: 120_000 },
  async (t) => {
    const dir = tempDir(t, 'hf-fo-sig-');
    const cluster = join(dir, 'cluster.json');
    writeFileSync(
      cluster,
      JSON.stringify({
        name: 'shop',
        node: 'a',
        coordinator: { kind: 'local', dir: join(dir, 'coord'), profile: 'fast' },
        status: { socket: join(dir, 'a.sock') },
        fences: [{ kind: 'companion' }],
      }),
    );
    // No signals: section: the supervisor tells its programs its socket, and that turns them on.
    const daemon = incidentDaemon(
      t,
      dir,
      `  agent:\n    command: [${process.execPath}, ${cli}, failover, -c, ${cluster}]\n    ready: {afterMs: 0}\n    stopTimeoutMs: 10000\n`,
    );
    await daemon.start();
    let list: IncidentRow[] = [];
    await waitFor('the promotion incident', async () => byKind((list = await daemon.incidents()), 'failover.promotion').length === 1, {
      timeoutMs: 60_000,
    });
    const [inc] = byKind(list, 'failover.promotion');
    assert.equal(inc!.rule, 'builtin:failover.promotion');
    assert.equal(inc!.category, 'failover');
    assert.equal(inc!.severity, 'info', 'a first election is no failover');
    assert.equal(inc!.state, 'open');
    assert.equal(inc!.count, 1);
    assert.deepEqual(inc!.labels, { cluster: 'shop', resource: 'leader' });
    assert.match(inc!.summary, /^a leads cluster 'shop' \(token \d+\): the first leader$/);
    assert.equal(inc!.recent[0]!.instance, 'a');
    assert.match(inc!.recent[0]!.id!, /^shop\/a\/promotion\/\d+$/);

    // Frozen past its lease (SIGSTOP, as a long GC): its fence companion tears down; the agent
    // hears it when it wakes, and says so.
    const pid = (await daemon.client.status()).programs.find((p) => p.program === 'agent')!.pid!;
    process.kill(pid, 'SIGSTOP');
    await new Promise((r) => setTimeout(r, 4000)); // the fast profile: TTL 2 s
    process.kill(pid, 'SIGCONT');
    await waitFor('the fence incident', async () => byKind((list = await daemon.incidents()), 'failover.fence').length === 1, {
      timeoutMs: 30_000,
    });
    const [fence] = byKind(list, 'failover.fence');
    assert.equal(fence!.rule, 'builtin:failover.fence');
    assert.equal(fence!.severity, 'critical');
    assert.deepEqual(fence!.labels, { cluster: 'shop', resource: 'fence' });
    assert.match(fence!.summary, /^the fence fired on a of cluster 'shop' \(term \d+\): expired$/);
  },
);

test(
  'a daemon down during a failover gets the promotion when it is back, once, though the first answer is lost',
  { timeout: 150_000 },
  async (t) => {
    const dir = tempDir(t, 'hf-fo-sig-');
    const daemon = incidentDaemon(t, dir);
    await daemon.start();
    const proxy = await lossyProxy(t, join(dir, 'proxy.sock'), daemon.socket);
    const config = (priority: number) => ({
      name: 'db',
      priority,
      coordinator: { kind: 'local', dir: join(dir, 'coord'), profile: 'fast' },
      signals: { socket: join(dir, 'proxy.sock'), retry: { initial: '50ms', max: '500ms' } },
    });
    const a = startAgent(t, dir, 'a', config(200));
    const first = await a.waitForEvent('promoted');
    await waitFor('the first promotion', async () => byKind(await daemon.incidents(), 'failover.promotion').length === 1, {
      timeoutMs: 30_000,
    });
    const b = startAgent(t, dir, 'b', config(100));
    await b.waitForEvent('agent-started');

    // The daemon goes down; then the leader dies and b takes over while nobody takes signals.
    await daemon.stop();
    process.kill(a.child.pid, 'SIGKILL');
    const second = await b.waitForEvent('promoted', (e) => (e.token as number) > (first.token as number));
    await b.child.waitForLine(/cannot send signals to the supervisor/, 30_000);

    // Back, behind a proxy that loses its first answer: the daemon stores the batch, b retries it.
    proxy.loseNextAnswer = true;
    await daemon.start();
    const duplicates = async () => /holdfast_incident_signals_duplicate_total 1\b/.test(await daemon.client.metrics());
    await waitFor('the retry of the batch whose answer was lost', duplicates, { timeoutMs: 30_000 }).catch(async (err: Error) => {
      throw new Error(
        `${err.message}\n${(await daemon.client.metrics())
          .split('\n')
          .filter((l) => l.includes('incident_signals'))
          .join('\n')}\n${b.child.lines.slice(-20).join('\n')}`,
      );
    });
    assert.equal(proxy.lost, 1);

    const list = byKind(await daemon.incidents(), 'failover.promotion');
    assert.equal(list.length, 1, 'one incident per (cluster, resource, kind), whichever node won');
    const inc = list[0]!;
    assert.equal(inc.count, 2, 'each promotion counted once');
    assert.deepEqual(inc.labels, { cluster: 'db', resource: 'leader' });
    const last = inc.recent.at(-1)!;
    assert.equal(last.instance, 'b');
    assert.equal(last.id, `db/b/promotion/${second.token as number}`);
    assert.match(
      last.summary,
      new RegExp(`^b leads cluster 'db' \\(token ${second.token as number}\\): a's lease \\(token ${first.token as number}\\) expired$`),
    );
    assert.ok(
      b.child.lines.some((l) => l.includes('takes signals again')),
      'b said when the daemon took signals again',
    );
    const status = execFileSync(process.execPath, [cli, 'failover', 'status', '-c', b.config], { encoding: 'utf8' });
    assert.match(status, new RegExp(`signals +→ ${join(dir, 'proxy.sock')}: 1 sent, 0 queued$`, 'm'));
  },
);
