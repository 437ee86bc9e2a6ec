// Issue #20: with the local coordinator a SIGKILLed leader used to hand over only when its lease
// ran out (about a TTL). The fence companion now ends the dead agent's lease in the state
// directory once it has torn the resources down, as it does with etcd: the standby takes over in
// a fraction of the TTL. As with etcd, never for a frozen leader (fence-release.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempDir } from '@holdfast/testkit';
import { actions, loggingResource, startAgent } from './support/agents.ts';

test('local coordinator: a SIGKILLed leader hands over well before its 5 s lease could run out (its fence ends the lease)', async (t) => {
  const dir = tempDir(t);
  const log = join(dir, 'actions');
  const config = {
    name: 'c',
    coordinator: { kind: 'local', dir, profile: 'default' },
    resources: [loggingResource(log)],
    fences: [{ kind: 'companion' }],
  };
  const a = startAgent(t, dir, 'a', { ...config, priority: 200 });
  await a.waitForEvent('promoted');
  const b = startAgent(t, dir, 'b', config);
  await b.waitForEvent('agent-started');
  await new Promise((r) => setTimeout(r, 1200)); // a few keep-alives: the lease is fresh when a dies
  const killedAt = Date.now();
  a.child.kill('SIGKILL');
  const elected = await b.waitForEvent('elected', () => true, 10_000);
  const tookMs = (elected.time as number) - killedAt;
  t.diagnostic(`local handover after SIGKILL: ${tookMs} ms (lease TTL 5000 ms)`);
  // Without the release the lease ends no sooner than TTL − one keep-alive interval: 4 s.
  assert.ok(tookMs < 3000, `b was elected ${tookMs} ms after the kill`);
  assert.equal((elected.previous as { expired: boolean }).expired, true, 'ended by the fence, not released: the winner knows to fence');
  await b.waitForEvent('promoted');
  const rows = actions(log);
  const lastStopOfA = rows.findLastIndex(([x, , n]) => x === 'stop' && n === 'a');
  const firstStartOfB = rows.findIndex(([x, , n]) => x === 'start' && n === 'b');
  assert.ok(
    lastStopOfA >= 0 && lastStopOfA < firstStartOfB,
    `the fence stopped a's resource before b started its own: ${JSON.stringify(rows.filter(([x]) => x !== 'monitor'))}`,
  );
});
