// Memory limits: through cgroup v1 for real (a child allocating past 64 MiB is OOM-killed and
// reported as such: state, event, counter), and through the polled fallback when cgroups are off.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@holdfast/testkit';
import type { SupervisorEvent } from '../src/index.ts';
import { fixtures, node, startSupervisor, waitState, writeConfig } from './helpers.ts';

test('a child allocating past its cgroup memory limit is OOM-killed and reported as OOM', async (t) => {
  const { config } = await writeConfig(
    t,
    `programs:\n  hog:\n    command: ` +
      `[${node}, ${join(fixtures, 'alloc.mjs')}]\n    ready: {afterMs: 0}\n    limits: ` +
      `{memory: 64MiB, nodeHeap: off}\n    backoff: {initialMs: 60s, maxMs: 60s}\n    autorestart: on-failure\n`,
  );
  const sup = await startSupervisor(t, config);
  const events: SupervisorEvent[] = [];
  sup.on('event', (e: SupervisorEvent) => events.push(e));
  const r = await waitState(sup, 'hog', (x) => x.state.oomKills >= 1, 20_000);
  assert.ok(sup.cgroups?.version === 1, 'this machine runs cgroup v1');
  assert.equal(r.state.lastExit?.reason, 'oom');
  assert.equal(r.state.lastExit?.signal, 'SIGKILL');
  assert.ok(
    events.some((e) => e.type === 'oom' && e.instance === 'hog'),
    'an oom event',
  );
  assert.ok(
    events.some((e) => e.type === 'state' && e.lastExit?.reason === 'oom'),
    'the state event names the OOM kill',
  );
  const limit = Number(
    (await import('node:fs')).readFileSync(
      join(
        r.cgroup!.procsFiles.find((f) => f.includes('/memory/'))!,
        '..',
        'memory.limit_in_bytes',
      ),
      'utf8',
    ),
  );
  assert.equal(limit, 64 * 2 ** 20);
});

test('without cgroups, a memory limit is enforced by polling', async (t) => {
  const dir = tempDir(t, 'hf-sup-');
  const { config } = await writeConfig(
    t,
    `supervisor: {socket: ${dir}/s.sock, ` +
      `stateDir: ${dir}/state, ` +
      `logDir: ${dir}/logs, cgroups: {mode: off, pollMs: ` +
      `200}}\nprograms:\n  hog:\n    command: ` +
      (`[${node}, ${join(fixtures, 'alloc.mjs')}]\n    ready: {afterMs: 0}\n    limits: {memory: 96MiB, nodeHeap: ` +
        `off}\n    stopTimeoutMs: 1000\n    backoff: {initialMs: 60s, maxMs: 60s}\n`),
    { dir },
  );
  const sup = await startSupervisor(t, config);
  assert.match(sup.cgroupReason!, /off in the config/);
  const r = await waitState(sup, 'hog', (x) => x.state.lastExit?.reason === 'memory-limit', 20_000);
  assert.equal(r.state.restarts, 1);
});
