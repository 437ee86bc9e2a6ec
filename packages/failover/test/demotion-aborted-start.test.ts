// Issue #12: a demotion that begins while a start script is still running must not report clean
// (and so disarm the fence) until that script and everything it started are gone. The script
// here ignores SIGTERM, and 0.3 s after the demotion began it "adds" what the first stop pass
// removed, as a start script's late `ip addr add` would. The runner must SIGKILL its process
// group, wait for it, and stop the resource again; only then may the fence be disarmed. Runs on
// the runner alone, and through a whole agent on the fake coordinator and on a real etcd.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { tempDir, waitFor } from '@holdfast/testkit';
import { FailoverAgent } from '../src/agent.ts';
import { systemClock, type Clock } from '../src/clock.ts';
import { parseClusterConfig } from '../src/config.ts';
import { EtcdCoordinator } from '../src/coordinator/etcd.ts';
import type { Coordinator } from '../src/coordinator/coordinator.ts';
import { ResourceRunner, type RunnerEvent } from '../src/resource-runner.ts';
import { groupMembers } from '../src/resources/command.ts';
import { ExecResource, execSchema } from '../src/resources/exec.ts';
import type { Fence, FenceTerm } from '../src/fence/fence.ts';
import { startEtcd } from './support/etcd.ts';
import { realtimeFake } from './support/realtime-fake.ts';

const quiet = pino({ level: 'silent' });

/** An exec resource whose start ignores SIGTERM and writes "add" 0.3 s into the demotion. */
function lingeringStart(dir: string) {
  const log = join(dir, 'actions');
  const pgidFile = join(dir, 'pgid');
  const config = {
    kind: 'exec',
    name: 'app',
    start: `trap '' TERM; echo $$ > ${pgidFile}; echo started >> ${log}; sleep 0.3; echo add >> ${log}; sleep 30`,
    stop: `echo stop >> ${log}`,
    timeout: '5s',
  };
  const lines = () => readFileSync(log, 'utf8').trim().split('\n');
  const pgid = () => Number(readFileSync(pgidFile, 'utf8'));
  return { config, lines, pgid, started: () => waitFor('the start script to run', () => lines().includes('started')) };
}

test('the runner: a demotion during a start waits until the start is gone (SIGKILL awaited) and stops again what it undid', async (t) => {
  const dir = tempDir(t);
  const s = lingeringStart(dir);
  const events: RunnerEvent[] = [];
  const runner = new ResourceRunner([new ExecResource(execSchema.parse(s.config))], {
    node: 'a',
    cluster: 'c',
    log: quiet,
    clock: systemClock,
    assertLeader: () => {},
    onEvent: (e) => events.push(e),
    onGiveUp: () => {},
  });
  const starting = runner.startAll(7, new AbortController().signal).catch((err: unknown) => err);
  await s.started();
  const pgid = s.pgid();
  const began = performance.now();
  const clean = await runner.stopAll(new AbortController().signal);
  const tookMs = performance.now() - began;
  assert.deepEqual(groupMembers(pgid), [], 'no process of the start script is left when stopAll returns');
  assert.equal(clean, true, 'every stop succeeded and the aborted start ended: clean');
  assert.deepEqual(s.lines(), ['started', 'stop', 'add', 'stop'], 'the late "add" was undone by a second stop');
  assert.ok(tookMs >= 300, `stopAll waited for the start to end (${Math.round(tookMs)} ms)`);
  assert.ok(await starting, 'startAll failed: the start was aborted');
  assert.equal(events.filter((e) => e.type === 'resource-stopped').length, 2);
});

/** A fence that records when it was armed and disarmed, and what was true at the disarm. */
function recordingFence(check: () => { lastAction: string | undefined; alive: number[] }) {
  const calls: { call: 'arm' | 'disarm'; lastAction?: string | undefined; alive?: number[] }[] = [];
  const fence: Fence = {
    kind: 'recording',
    open: async () => {},
    arm: async (_term: FenceTerm) => void calls.push({ call: 'arm' }),
    pet: () => {},
    disarm: async () => void calls.push({ call: 'disarm', ...check() }),
    close: async () => {},
  };
  return { fence, calls };
}

async function agentDemotesDuringStart(t: TestContext, backend: (dir: string) => Promise<{ coordinator: Coordinator; clock: Clock }>) {
  const dir = tempDir(t);
  const s = lingeringStart(dir);
  let pgid = 0;
  const { fence, calls } = recordingFence(() => ({ lastAction: s.lines().at(-1), alive: groupMembers(pgid) }));
  const { coordinator, clock } = await backend(dir);
  const config = parseClusterConfig({
    name: 'gap',
    node: 'a',
    coordinator: { kind: 'local', dir, profile: 'fast' },
    resources: [s.config],
    fences: [],
    status: { socket: join(dir, 'a.sock') },
  });
  const agent = new FailoverAgent({ config, coordinator, clock, fences: [fence], log: quiet });
  const events: string[] = [];
  agent.on('event', (e) => events.push(e.type));
  t.after(() => agent.stop());
  await agent.start();
  await s.started();
  pgid = s.pgid();
  await agent.stop(); // demotes while the start still runs
  assert.deepEqual(
    calls.map((c) => c.call),
    ['arm', 'disarm'],
    'the demotion was clean in the end, so the fence was disarmed',
  );
  const disarm = calls[1]!;
  assert.deepEqual(disarm.alive, [], 'the fence was disarmed only after the start script was gone');
  assert.equal(disarm.lastAction, 'stop', 'and after the resource was stopped again');
  assert.deepEqual(s.lines(), ['stop', 'started', 'stop', 'add', 'stop'], 'cleanup at start, then the aborted start and its two stops');
  assert.ok(events.indexOf('demoted') > events.lastIndexOf('resource-stopped'), 'demoted is reported after the last stop');
}

test('the agent on the fake coordinator: the fence is disarmed only after an aborted start is gone', async (t) => {
  await agentDemotesDuringStart(t, async () => {
    const fake = realtimeFake(t, 'a', 2000);
    return { coordinator: fake.coordinator, clock: fake.clock };
  });
});

test('the agent on a real etcd: the fence is disarmed only after an aborted start is gone', async (t) => {
  await agentDemotesDuringStart(t, async () => {
    const etcd = await startEtcd(t);
    const coordinator = new EtcdCoordinator({ endpoints: [etcd.endpoint], cluster: 'gap', ttlMs: 2000 });
    return { coordinator, clock: systemClock };
  });
});
