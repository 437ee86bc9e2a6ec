// The fence companion for real: a leader stand-in (fence-agent-fixture.ts) holds a VIP in a
// network namespace and is then SIGKILLed or frozen with SIGSTOP; the companion, a separate
// process, must remove the VIP by itself. Also: CLOCK_MONOTONIC is shared across processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { processAlive, startChild, waitFor } from '@holdfast/testkit';
import { monotonicMs } from '../src/clock.ts';
import { CompanionFence, companionSchema } from '../src/fence/companion.ts';
import { vipSchema } from '../src/resources/vip.ts';
import { hasAddress } from '../src/resources/ip.ts';
import { runCommand } from '../src/resources/command.ts';
import { capturedLog, lab } from './resources-helpers.ts';

const fixture = fileURLToPath(new URL('./fence-agent-fixture.ts', import.meta.url));
const VIP = '198.18.0.100';

test('clock: monotonicMs() read in another process falls between two reads in this one', () => {
  for (let i = 0; i < 3; i++) {
    const before = monotonicMs();
    const theirs = Number(
      execFileSync(process.execPath, ['-e', 'process.stdout.write(String(Number(process.hrtime.bigint()) / 1e6))']).toString(),
    );
    const after = monotonicMs();
    assert.ok(before <= theirs && theirs <= after, `${before} <= ${theirs} <= ${after}`);
  }
});

test('fence: a SIGKILLed leader loses its VIP at once, long before its validUntil', async (t) => {
  const l = await lab(t, { n1: '198.18.0.1' });
  if (!l) return;
  const where = { dev: 'eth0', netns: l.host('n1').netns };
  // validUntil 15 s ahead: removal well within it proves the
  // companion acted on the agent's death, not on the time running out.
  const agent = startChild(t, process.execPath, [fixture, where.netns, `${VIP}/24`, '15000']);
  const companionPid = Number((await agent.waitForLine(/^ARMED \d+/, 20_000)).split(' ')[1]);
  assert.ok(await hasAddress(where, VIP));
  const killedAt = monotonicMs();
  process.kill(agent.pid, 'SIGKILL');
  await waitFor('the companion to remove the VIP', async () => !(await hasAddress(where, VIP)), { timeoutMs: 10_000, intervalMs: 10 });
  assert.ok(monotonicMs() - killedAt < 10_000, 'removed long before the validUntil the dead agent had promised');
  await waitFor('the companion to exit after fencing', () => !processAlive(companionPid));
});

test('fence: a frozen (SIGSTOP) leader loses its VIP when validUntil passes; pets alone keep it', async (t) => {
  const l = await lab(t, { n1: '198.18.0.1' });
  if (!l) return;
  const where = { dev: 'eth0', netns: l.host('n1').netns };
  // 2 s of validity per pet: a CI machine under load can stall the petting process for a few
  // hundred ms, and the fence (rightly) treats a stall past the validity as a freeze.
  const agent = startChild(t, process.execPath, [fixture, where.netns, `${VIP}/24`, '2000']);
  const companionPid = Number((await agent.waitForLine(/^ARMED \d+/, 20_000)).split(' ')[1]);
  t.after(() => {
    if (processAlive(companionPid)) process.kill(companionPid, 'SIGKILL');
  });
  // Petted every 100 ms with 2 s of validity: the VIP stays for well over the validity.
  await new Promise((r) => setTimeout(r, 3000));
  assert.ok(await hasAddress(where, VIP), 'pets keep the VIP in place');
  process.kill(agent.pid, 'SIGSTOP');
  const stoppedAt = monotonicMs();
  await waitFor('the companion to remove the frozen leader’s VIP', async () => !(await hasAddress(where, VIP)), {
    timeoutMs: 10_000,
    intervalMs: 10,
  });
  const tookMs = monotonicMs() - stoppedAt;
  assert.ok(tookMs < 5000, `removed ${Math.round(tookMs)} ms after the freeze`);
  assert.ok(processAlive(companionPid), 'the companion stays while the agent is merely frozen');
  process.kill(agent.pid, 'SIGCONT');
});

test('fence: a clean disarm leaves resources alone; a killed companion is restarted and re-armed', async (t) => {
  const l = await lab(t, { n1: '198.18.0.1' });
  if (!l) return;
  const where = { dev: 'eth0', netns: l.host('n1').netns };
  const resources = [vipSchema.parse({ kind: 'vip', name: 'vip', address: `${VIP}/24`, interface: 'eth0', netns: where.netns })];
  const lost: string[] = [];
  const { log } = capturedLog();
  const fence = new CompanionFence(
    companionSchema.parse({ kind: 'companion' }),
    { node: 'n1', cluster: 'test', log, resources },
    { onLost: (why) => lost.push(why) },
  );
  t.after(() => fence.close());
  await fence.open();
  await runCommand('ip', ['-n', where.netns, 'addr', 'add', `${VIP}/24`, 'dev', 'eth0']);
  await fence.arm({ token: 1, validUntilMs: monotonicMs() + 2000 });
  await fence.disarm();
  await new Promise((r) => setTimeout(r, 2300));
  assert.ok(await hasAddress(where, VIP), 'disarmed: the fence did not act at the old validUntil');

  await fence.arm({ token: 2, validUntilMs: monotonicMs() + 30_000 });
  const firstPid = fence.pid!;
  process.kill(firstPid, 'SIGKILL');
  await waitFor(
    'a new companion',
    () => fence.pid !== undefined && fence.pid !== firstPid && (fence.describe()['armed'] as { token: number } | null)?.token === 2,
  );
  assert.equal(lost.length, 1);
  assert.match(lost[0]!, /exited \(SIGKILL\)/);
  // The new companion is armed for token 2: stopping the pets fences.
  fence.pet(monotonicMs() + 200);
  await waitFor('the restarted companion to fence', async () => !(await hasAddress(where, VIP)), { timeoutMs: 5000 });
});

test('fence: a stale token is refused and open() fails clearly when the companion cannot answer', async (t) => {
  const { log } = capturedLog();
  const fence = new CompanionFence(companionSchema.parse({ kind: 'companion' }), { node: 'n1', cluster: 'test', log, resources: [] });
  t.after(() => fence.close());
  await fence.open();
  await fence.arm({ token: 4, validUntilMs: monotonicMs() + 60_000 });
  await fence.disarm();
  await assert.rejects(fence.arm({ token: 3, validUntilMs: monotonicMs() + 60_000 }), /refused to arm for token 3: .*not above 4/);

  const dead = new CompanionFence(companionSchema.parse({ kind: 'companion', socket: '/nonexistent/fence.sock', startTimeout: 2000 }), {
    node: 'n1',
    cluster: 'test',
    log,
    resources: [],
  });
  await assert.rejects(
    dead.open(),
    (err: Error & { code?: string }) => err.code === 'HOLDFAST_E_FENCE' && /fences\[\]\.socket: cannot use \/nonexistent/.test(err.message),
  );
});
