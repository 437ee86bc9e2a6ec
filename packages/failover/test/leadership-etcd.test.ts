// The leadership loop on the real clock against a real etcd: a frozen etcd (SIGSTOP) is a
// partition from the leader's point of view; it must demote before its deadline, and win again
// with a higher token once etcd is back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { cleanup } from '@holdfast/testkit';
import { EtcdCoordinator } from '../src/coordinator/etcd.ts';
import { Leadership, type LeadershipEvent } from '../src/leadership.ts';
import { systemClock } from '../src/clock.ts';
import { resolveTiming } from '../src/timing.ts';
import { startEtcd } from './support/etcd.ts';

test('etcd frozen under a leader: it demotes before its deadline, then wins again with a higher token', async (t) => {
  const etcd = await startEtcd(t, { fast: true });
  const coordinator = new EtcdCoordinator({ endpoints: [etcd.endpoint], cluster: 'frozen', ttlMs: 1000 });
  cleanup(t, () => coordinator.close());
  const events = new EventEmitter();
  const log: LeadershipEvent[] = [];
  const demotions: { beforeDeadline: boolean }[] = [];
  const leadership = new Leadership({
    candidate: { node: 'a', priority: 100 },
    clock: systemClock,
    coordinator,
    timing: resolveTiming(1000),
    hooks: { promote: async () => {}, demote: async () => {}, pet: () => {} },
    onEvent: (e) => {
      log.push(e);
      if (e.type === 'demoted') demotions.push(e);
      events.emit(e.type, e);
    },
  });
  cleanup(t, () => leadership.stop());
  leadership.setHealthy(true);
  leadership.start();
  const [first] = (await once(events, 'promoted', { signal: AbortSignal.timeout(10_000) })) as [{ token: number }];
  assert.ok(leadership.isLeader());

  process.kill(etcd.pid, 'SIGSTOP');
  cleanup(t, () => {
    try {
      process.kill(etcd.pid, 'SIGCONT');
    } catch {}
  });
  const demoting = once(events, 'demoting', { signal: AbortSignal.timeout(5000) }) as Promise<[{ reason: string }]>;
  const demoted = once(events, 'demoted', { signal: AbortSignal.timeout(5000) });
  assert.equal((await demoting)[0].reason, 'renew-timeout');
  await demoted;
  assert.equal(demotions[0]!.beforeDeadline, true);
  assert.equal(leadership.isLeader(), false);

  process.kill(etcd.pid, 'SIGCONT');
  const [second] = (await once(events, 'promoted', { signal: AbortSignal.timeout(15_000) })) as [{ token: number }];
  assert.ok(second.token > first.token, `token ${second.token} after ${first.token}`);
  assert.ok(log.findIndex((e) => e.type === 'demoted') < log.findIndex((e) => e.type === 'promoted' && e.token === second.token));
});
