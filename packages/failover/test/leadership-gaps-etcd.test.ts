// The leadership gaps of issue #12 against a real etcd (the fake-coordinator versions are in
// leadership-gaps.test.ts): health lost while the campaign txn is in flight, a campaign txn
// that committed but whose reply never came back, and a lease revoked early with
// `etcdctl lease revoke`. The faults are injected at the client boundary (the reply is withheld
// after etcd applied the txn); etcd itself is real and decides every outcome.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Etcd3 } from 'etcd3';
import { cannotRun, waitFor } from '@holdfast/testkit';
import { EtcdCoordinator } from '../src/coordinator/etcd.ts';
import type { Candidate, CampaignResult, Coordinator } from '../src/coordinator/coordinator.ts';
import { Leadership, type LeadershipEvent } from '../src/leadership.ts';
import { monotonicMs, systemClock } from '../src/clock.ts';
import { resolveTiming } from '../src/timing.ts';
import { startEtcd } from './support/etcd.ts';

const TTL = 2000;
const run = promisify(execFile);

/** A coordinator that passes everything to `real`, with `campaign` replaced. */
function withCampaign(real: Coordinator, campaign: (c: Candidate) => Promise<CampaignResult>): Coordinator {
  return {
    kind: real.kind,
    ttlMs: real.ttlMs,
    connect: () => real.connect(),
    read: () => real.read(),
    campaign,
    keepAlive: (term) => real.keepAlive(term),
    resign: (term) => real.resign(term),
    observe: (fn) => real.observe(fn),
    requestSwitchover: (r, ms) => real.requestSwitchover(r, ms),
    clearSwitchover: (term) => real.clearSwitchover(term),
    close: () => real.close(),
  };
}

interface Node {
  leadership: Leadership;
  events: (LeadershipEvent & { at: number })[];
  fenced: number[];
  promoted: number;
}

function node(t: TestContext, name: string, coordinator: Coordinator, healthy = true): Node {
  const n: Node = { events: [], fenced: [], promoted: 0 } as unknown as Node;
  n.leadership = new Leadership({
    candidate: { node: name, priority: 100 },
    clock: systemClock,
    coordinator,
    timing: resolveTiming(TTL),
    hooks: {
      promote: async () => void n.promoted++,
      demote: async () => {},
      pet: () => {},
      fencePrevious: async (previous) => void n.fenced.push(previous.token),
    },
    onEvent: (e) => n.events.push({ ...e, at: monotonicMs() }),
  });
  t.after(() => n.leadership.stop());
  n.leadership.setHealthy(healthy);
  return n;
}

const event = <T extends LeadershipEvent['type']>(n: Node, type: T) =>
  n.events.find((e) => e.type === type) as (Extract<LeadershipEvent, { type: T }> & { at: number }) | undefined;

async function termKey(endpoint: string, t: TestContext): Promise<{ released?: boolean; campaign?: string }> {
  const raw = new Etcd3({ hosts: endpoint });
  t.after(() => raw.close());
  const v = await raw.get('/holdfast/failover/gaps/term').string();
  return v ? (JSON.parse(v) as { released?: boolean }) : {};
}

test(
  'etcd: health lost while the campaign txn is in flight: the won term is released unused and the next winner ' + 'fences nothing',
  async (t) => {
    const etcd = await startEtcd(t);
    const realA = new EtcdCoordinator({ endpoints: [etcd.endpoint], cluster: 'gaps', ttlMs: TTL });
    t.after(() => realA.close());
    const a: Node = node(
      t,
      'a',
      withCampaign(realA, async (c) => {
        const result = await realA.campaign(c); // committed in etcd…
        a.leadership.setHealthy(false); // …and the node turns unhealthy before the reply is handled
        return result;
      }),
    );
    a.leadership.start();
    await waitFor('the campaign to be withdrawn', () => event(a, 'campaign-withdrawn'), { timeoutMs: 10_000 });
    assert.equal(a.promoted, 0, 'nothing was promoted');
    assert.equal(event(a, 'elected'), undefined);
    await waitFor('the term to be released', async () => (await termKey(etcd.endpoint, t)).released === true, { timeoutMs: 5000 });

    const realB = new EtcdCoordinator({ endpoints: [etcd.endpoint], cluster: 'gaps', ttlMs: TTL });
    t.after(() => realB.close());
    const b = node(t, 'b', realB);
    b.leadership.start();
    const elected = await waitFor('b to be elected', () => event(b, 'elected'), { timeoutMs: 10_000 });
    assert.equal(elected.previous?.expired, false);
    assert.deepEqual(b.fenced, []);
  },
);

test('etcd: a campaign txn that committed but whose reply was lost is read back and released before anyone fences it', async (t) => {
  const etcd = await startEtcd(t);
  const realA = new EtcdCoordinator({ endpoints: [etcd.endpoint], cluster: 'gaps', ttlMs: TTL });
  t.after(() => realA.close());
  let withheld = 0;
  const a = node(
    t,
    'a',
    withCampaign(realA, (c) => {
      if (withheld++ > 0) return realA.campaign(c);
      void realA.campaign(c); // etcd applies it; the reply never reaches the leadership loop
      return new Promise<CampaignResult>(() => {});
    }),
  );
  a.leadership.setHealthy(true);
  a.leadership.start();
  const resolved = await waitFor('the outcome to be read back', () => event(a, 'campaign-resolved'), { timeoutMs: 10_000 });
  assert.equal(resolved.won, true, "the record was this node's");
  assert.equal(resolved.released, true);
  // The node campaigns again (its next txn gets through) and learns how the orphan term ended.
  const elected = await waitFor('a to be elected', () => event(a, 'elected'), { timeoutMs: 10_000 });
  assert.equal(elected.previous?.token, resolved.token);
  assert.equal(elected.previous?.expired, false, 'released, not expired: nobody fences it');
  assert.deepEqual(a.fenced, []);
});

test(
  "etcd: `etcdctl lease revoke` on the leader's lease: it demotes (lease-lost) on the watch event; the overlap " +
    'with the next leader is measured',
  async (t) => {
    const etcdctl = await run('etcdctl', ['version']).catch(() => undefined);
    if (!etcdctl) return cannotRun(t, 'etcdctl is not installed (apt-get install etcd-client)');
    const etcd = await startEtcd(t);
    const a = node(t, 'a', new EtcdCoordinator({ endpoints: [etcd.endpoint], cluster: 'gaps', ttlMs: TTL }));
    a.leadership.start();
    await waitFor('a to lead', () => event(a, 'promoted'), { timeoutMs: 10_000 });
    const b = node(t, 'b', new EtcdCoordinator({ endpoints: [etcd.endpoint], cluster: 'gaps', ttlMs: TTL }));
    b.leadership.start();
    await waitFor('b to follow a', () => b.leadership.status().leader?.node === 'a', { timeoutMs: 10_000 });

    const lease = BigInt(a.leadership.term!.leaseId).toString(16);
    const revokedAt = monotonicMs();
    await run('etcdctl', ['--endpoints', etcd.endpoint, 'lease', 'revoke', lease], { env: { ...process.env, ETCDCTL_API: '3' } });
    const demoted = await waitFor('a to demote', () => event(a, 'demoted'), { timeoutMs: 5000 });
    assert.equal(event(a, 'demoting')?.reason, 'lease-lost');
    const elected = await waitFor('b to be elected', () => event(b, 'elected'), { timeoutMs: 10_000 });
    assert.equal(elected.previous?.expired, true, 'a revoked lease counts as expired: the next winner fences');
    const overlapMs = Math.max(0, demoted.at - elected.at);
    t.diagnostic(
      `revoke → a demoted ${Math.round(demoted.at - revokedAt)} ms, revoke → b ` +
        `elected ${Math.round(elected.at - revokedAt)} ms, overlap ${Math.round(overlapMs)} ms`,
    );
    // The bound docs/failover.md states: a sees the record gone from the watch (or, at the latest,
    // at its next keep-alive), then demotes. Here: well within one keep-alive interval plus a request.
    const t_ = resolveTiming(TTL);
    assert.ok(
      demoted.at - revokedAt <= t_.keepAliveIntervalMs + t_.keepAliveTimeoutMs,
      `a demoted ${Math.round(demoted.at - revokedAt)} ms after the revoke`,
    );
  },
);
