// A Node program under a memory limit gets a heap sized to it: a leak ends in V8's "JavaScript
// heap out of memory" (reason heap-limit, after a heap-growth event) while the cgroup still has
// room, instead of a kernel OOM kill. Real process, real cgroup (v1 memory controller here).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { SupervisorEvent } from '../src/index.ts';
import { applyNodeHeap, nodeHeapFlags } from '../src/process/node-heap.ts';
import { instanceSpec } from '../src/process/spawn.ts';
import { fixtures, node, startSupervisor, waitState, writeConfig } from './helpers.ts';

test(
  'a leaking Node program under 256MiB ends with heap-limit after a heap-growth event, never an OOM kill',
  { timeout: 90_000 },
  async (t) => {
    const { config } = await writeConfig(
      t,
      `programs:\n  leaky:\n    command: ` +
        `[${node}, ${join(fixtures, 'leak.mjs')}]\n    ready: {afterMs: 0}\n` +
        `    limits: {memory: 256MiB}\n    autorestart: never\n`,
    );
    const sup = await startSupervisor(t, config);
    assert.ok(sup.cgroups, `cgroups are needed for a real memory limit: ${sup.cgroupReason}`);
    const events: SupervisorEvent[] = [];
    sup.on('event', (e: SupervisorEvent) => events.push(e));
    const r = await waitState(
      sup,
      'leaky',
      (x) => x.state.state === 'EXITED' || x.state.state === 'FATAL' || x.state.lastExit !== undefined,
      60_000,
    );
    const growth = events.find((e) => e.type === 'heap-growth');
    assert.ok(growth && growth.type === 'heap-growth', `a heap-growth event: ${JSON.stringify(events.map((e) => e.type))}`);
    assert.equal(growth.heapMiB, nodeHeapFlags(256 * 2 ** 20).oldSpaceMiB);
    assert.equal(growth.heapMiB, 128);
    const exit = events.find((e) => e.type === 'state' && e.lastExit !== null);
    assert.ok(events.indexOf(growth) < events.indexOf(exit!), 'the growth event came before the exit');
    assert.equal(
      r.state.lastExit?.reason,
      'heap-limit',
      `exit: ${JSON.stringify(r.state.lastExit)}; output: ${r.recentOutput().join(' | ')}`,
    );
    // The exit says what happened and what to do, in status and on the event stream.
    assert.match(
      r.state.lastExit?.detail ?? '',
      /the V8 heap filled its 128 MiB old space \(sized to its 256 MiB memory limit\).*a leak.*heap snapshots.*raise limits\.memory/,
    );
    assert.equal((exit as Extract<SupervisorEvent, { type: 'state' }>).lastExit?.detail, r.state.lastExit?.detail);
    assert.equal(r.state.oomKills, 0, 'no kernel OOM kill');
    assert.ok(!events.some((e) => e.type === 'oom'));
    assert.match(r.recentOutput().join('\n'), /JavaScript heap out of memory/);
    // The cgroup's own limit is the configured one, and the kernel never had to act.
    const memDir = join(
      r.cgroup!.procsFiles.find((f) => f.includes('/memory/'))!,
      '..',
    );
    assert.equal(Number(readFileSync(join(memDir, 'memory.limit_in_bytes'), 'utf8')), 256 * 2 ** 20);
  },
);

test('the control: the same leak with nodeHeap off grows past the limit and the kernel OOM-kills it', { timeout: 90_000 }, async (t) => {
  const { config } = await writeConfig(
    t,
    `programs:\n  leaky:\n    command: ` +
      `[${node}, ${join(fixtures, 'leak.mjs')}]\n    ready: {afterMs: 0}\n    limits: ` +
      `{memory: 256MiB, nodeHeap: off}\n    autorestart: never\n`,
  );
  const sup = await startSupervisor(t, config);
  const r = await waitState(sup, 'leaky', (x) => x.state.lastExit !== undefined, 60_000);
  assert.equal(r.state.lastExit?.reason, 'oom', `exit: ${JSON.stringify(r.state.lastExit)}`);
  assert.equal(r.state.lastExit?.signal, 'SIGKILL');
});

test('NODE_OPTIONS: the heap for node commands only, a heap the user set kept, opt-out honoured; notify variables not inherited', () => {
  const limits = { memory: 512 * 2 ** 20 };
  const env: Record<string, string> = { NODE_OPTIONS: '--enable-source-maps' };
  assert.equal(applyNodeHeap(env, '/usr/local/bin/node', limits), 320);
  assert.equal(env.NODE_OPTIONS, '--enable-source-maps --max-old-space-size=320');
  const mine: Record<string, string> = { NODE_OPTIONS: '--max-old-space-size=200' };
  assert.equal(applyNodeHeap(mine, 'node', limits), 200);
  assert.equal(mine.NODE_OPTIONS, '--max-old-space-size=200');
  const py: Record<string, string> = {};
  assert.equal(applyNodeHeap(py, 'python3', limits), undefined);
  assert.equal(py.NODE_OPTIONS, undefined);
  assert.equal(applyNodeHeap({}, 'node', { ...limits, nodeHeap: 'off' }), undefined);
  assert.equal(applyNodeHeap({}, './start.sh', { ...limits, nodeHeap: 'on' }), 320);
  assert.equal(nodeHeapFlags(2 * 2 ** 30).nodeOptions, '--max-old-space-size=1472');
  const spec = instanceSpec(
    'id',
    'api',
    { argv: ['npx', 'tsx', 'app.ts'], env: {}, limits, instances: 1, ready: { kind: 'after', ms: 0 } } as never,
    0,
    { NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '1', PATH: '/usr/bin' },
  );
  assert.equal(spec.env.NOTIFY_SOCKET, undefined);
  assert.equal(spec.env.WATCHDOG_USEC, undefined);
  assert.equal(spec.env.NODE_OPTIONS, '--max-old-space-size=320');
  assert.equal(spec.heapMiB, 320);
});
