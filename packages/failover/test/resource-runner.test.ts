// The resource runner with scripted resources: start order, stop order (VIP first), timeouts,
// the on-fail policies, refusal without leadership, and cleanup at start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { waitFor } from '@holdfast/testkit';
import { ResourceRunner, type RunnerEvent } from '../src/resource-runner.ts';
import { systemClock } from '../src/clock.ts';
import { NotLeaderError } from '../src/errors.ts';
import type { LeaderContext, MonitorResult, Resource, StopContext } from '../src/resources/resource.ts';

interface Script {
  startFails?: number;
  monitor?: () => MonitorResult;
  startMs?: number;
  stopMs?: number;
  stopFirst?: boolean;
  onFail?: Resource['onFail'];
  cleanupFails?: boolean;
}

function fake(name: string, calls: string[], s: Script = {}): Resource {
  let startFailures = s.startFails ?? 0;
  const wait = (ms: number | undefined, signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      if (!ms) return resolve();
      const timer = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(new Error('aborted'));
      });
    });
  return {
    name,
    kind: s.stopFirst ? 'vip' : 'exec',
    intervalMs: 20,
    timeoutMs: 200,
    onFail: s.onFail ?? { action: 'restart', maxFailures: 3 },
    ...(s.stopFirst ? { stopFirst: true } : {}),
    async start(ctx: LeaderContext) {
      ctx.assertLeader();
      calls.push(`start ${name} ${ctx.env.HOLDFAST_FENCING_TOKEN}`);
      await wait(s.startMs, ctx.signal);
      if (startFailures > 0) {
        startFailures--;
        throw new Error(`${name} will not start`);
      }
    },
    async stop(ctx: StopContext) {
      calls.push(`stop ${name}`);
      await wait(s.stopMs, ctx.signal);
    },
    async monitor(ctx: LeaderContext) {
      ctx.assertLeader();
      return s.monitor?.() ?? { healthy: true };
    },
    ...(s.cleanupFails !== undefined
      ? {
          async cleanup() {
            calls.push(`cleanup ${name}`);
            if (s.cleanupFails) throw new Error('address is busy');
          },
        }
      : {}),
  };
}

function runner(resources: Resource[], opts: { leader?: () => boolean; whenLeader?: (signal: AbortSignal) => Promise<void> } = {}) {
  const events: RunnerEvent[] = [];
  const gaveUp: string[] = [];
  const r = new ResourceRunner(resources, {
    node: 'n1',
    cluster: 'c',
    log: pino({ level: 'silent' }),
    clock: systemClock,
    assertLeader: () => {
      if (opts.leader && !opts.leader()) throw new NotLeaderError('test says no');
    },
    onEvent: (e) => events.push(e),
    onGiveUp: (res, detail) => gaveUp.push(`${res}: ${detail}`),
    ...(opts.whenLeader ? { whenLeader: opts.whenLeader } : {}),
  });
  return { r, events, gaveUp };
}

test('starts in config order with the token in the env; stops the VIP first, then the rest in reverse', async () => {
  const calls: string[] = [];
  const { r } = runner([fake('db', calls), fake('app', calls), fake('vip', calls, { stopFirst: true })]);
  await r.startAll(42, new AbortController().signal);
  assert.deepEqual(calls, ['start db 42', 'start app 42', 'start vip 42']);
  assert.deepEqual(
    r.status().map((s) => s.state),
    ['running', 'running', 'running'],
  );
  calls.length = 0;
  assert.equal(await r.stopAll(new AbortController().signal), true);
  assert.deepEqual(calls, ['stop vip', 'stop app', 'stop db']);
});

test('a start that fails makes startAll throw HOLDFAST_E_RESOURCE_FAILED (the term is given up)', async () => {
  const calls: string[] = [];
  const { r } = runner([fake('db', calls), fake('app', calls, { startFails: 1 })]);
  await assert.rejects(
    r.startAll(1, new AbortController().signal),
    (err: Error & { code?: string }) =>
      err.code === 'HOLDFAST_E_RESOURCE_FAILED' && /'app' failed to start: app will not start/.test(err.message),
  );
});

test('a start over its timeout is aborted with HOLDFAST_E_RESOURCE_TIMEOUT', async () => {
  const { r } = runner([fake('slow', [], { startMs: 5000 })]);
  await assert.rejects(
    r.startAll(1, new AbortController().signal),
    (err: Error & { code?: string }) => err.code === 'HOLDFAST_E_RESOURCE_TIMEOUT' && /within 200 ms/.test(err.message),
  );
});

test('on-fail restart: an unhealthy monitor restarts the resource; failures in a row up to maxFailures give up leadership', async () => {
  const calls: string[] = [];
  let healthy = false;
  const { r, events, gaveUp } = runner([
    fake('app', calls, {
      monitor: () => (healthy ? { healthy: true } : { healthy: false, reason: 'down' }),
      onFail: { action: 'restart', maxFailures: 3 },
    }),
  ]);
  await r.startAll(7, new AbortController().signal);
  await waitFor('a restart', () => events.some((e) => e.type === 'resource-restarted'));
  healthy = true; // the restart fixed it
  await new Promise((res) => setTimeout(res, 100));
  assert.deepEqual(gaveUp, []);
  assert.equal(r.status()[0]!.state, 'running');
  healthy = false;
  await waitFor('giving up', () => gaveUp.length > 0);
  assert.match(gaveUp[0]!, /^app: 3 failures in a row \(last: down\)$/);
  await r.stopAll(new AbortController().signal);
});

test('on-fail demote: no restart, leadership given up after maxFailures failed monitors', async () => {
  const calls: string[] = [];
  const { r, gaveUp } = runner([
    fake('app', calls, { monitor: () => ({ healthy: false, reason: 'nope' }), onFail: { action: 'demote', maxFailures: 2 } }),
  ]);
  await r.startAll(7, new AbortController().signal);
  await waitFor('giving up', () => gaveUp.length > 0);
  assert.equal(calls.filter((c) => c.startsWith('start')).length, 1, 'never restarted');
  await r.stopAll(new AbortController().signal);
});

test('without leadership a monitor is refused (action-refused) and nothing runs', async () => {
  let leader = true;
  const calls: string[] = [];
  const { r, events } = runner([fake('app', calls)], { leader: () => leader });
  await r.startAll(3, new AbortController().signal);
  leader = false;
  await waitFor('a refused monitor', () => events.some((e) => e.type === 'action-refused'));
  await assert.rejects(r.startAll(4, new AbortController().signal), NotLeaderError);
  assert.deepEqual(calls, ['start app 3']);
});

test('monitoring resumes after a refusal when leadership is re-confirmed (a pause that turned out harmless)', async () => {
  let leader = true;
  let monitors = 0;
  const app = fake('app', [], { monitor: () => (monitors++, { healthy: true }) });
  const { r, events } = runner([app], { leader: () => leader });
  await r.startAll(3, new AbortController().signal);
  leader = false;
  await waitFor('a refused monitor', () => events.some((e) => e.type === 'action-refused'));
  const before = monitors;
  leader = true;
  await waitFor('monitors to run again', () => monitors > before + 2);
  await r.stopAll(new AbortController().signal);
});

test('a stop is not abandoned when the deadline passes: it finishes, and stopAll reports it late', async () => {
  const calls: string[] = [];
  const { r } = runner([fake('app', calls, { stopMs: 60 })]);
  await r.startAll(1, new AbortController().signal);
  const deadline = new AbortController();
  setTimeout(() => deadline.abort(), 10);
  assert.equal(await r.stopAll(deadline.signal), false);
  assert.equal(r.status()[0]!.state, 'stopped');
});

test('cleanup at start: leftovers are removed; a VIP that cannot be removed stops the agent from starting', async () => {
  const calls: string[] = [];
  await runner([fake('app', calls), fake('vip', calls, { stopFirst: true, cleanupFails: false })]).r.cleanup();
  assert.deepEqual(calls, ['cleanup vip', 'stop app']);
  const bad = runner([fake('vip', [], { stopFirst: true, cleanupFails: true })]);
  await assert.rejects(bad.r.cleanup(), /cannot clean up resource 'vip' at start \(address is busy\)/);
});

test('a start refused by a pause (term suspect) waits for the re-check and starts; a term that is lost meanwhile gives up', async () => {
  const calls: string[] = [];
  let leader = false;
  let waits = 0;
  const { r, events } = runner([fake('vip', calls, { stopFirst: true })], {
    leader: () => leader,
    whenLeader: async () => {
      waits++;
      leader = true; // the keep-alive sent after the pause was acknowledged
    },
  });
  await r.startAll(5, new AbortController().signal);
  assert.equal(waits, 1);
  assert.deepEqual(calls, ['start vip 5'], 'started once leadership was re-confirmed, never before');
  assert.ok(events.some((e) => e.type === 'action-refused' && e.action === 'start'));
  assert.equal(r.status()[0]!.state, 'running');
  await r.stopAll(new AbortController().signal);

  const calls2: string[] = [];
  const lost = runner([fake('vip', calls2, { stopFirst: true })], {
    leader: () => false,
    whenLeader: () => Promise.reject(new NotLeaderError('demoting')),
  });
  await assert.rejects(
    lost.r.startAll(6, new AbortController().signal),
    (err: Error & { code?: string }) => err.code === 'HOLDFAST_E_NOT_LEADER',
  );
  assert.deepEqual(calls2, [], 'no side effect');
});
