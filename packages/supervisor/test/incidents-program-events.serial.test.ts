// The supervisor's program events that need a real kernel behind them, as incidents in the real
// daemon: an OOM kill at the program's cgroup memory limit (cgroup v1 here) and a liveness probe
// that fails, each one incident of the built-in rule with its owner, however often it repeats.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, waitFor } from '@holdfast/testkit';
import type { Incident } from '@holdfast/insight';
import { IncidentsClient } from '../src/index.ts';
import { fixtures, node, startDaemon, writeConfig } from './helpers.ts';

test('an OOM kill and a failing liveness probe become one built-in incident each, owned by incidents.owner', async (t) => {
  const nobody = await freePort();
  const { config } = await writeConfig(
    t,
    `programs:
  hog:
    command: [${node}, ${join(fixtures, 'alloc.mjs')}]
    ready: {afterMs: 0}
    limits: {memory: 64MiB, nodeHeap: off}
    backoff: {initialMs: 200, maxMs: 200}
  stuck:
    command: [sleep, '1000']
    ready: {afterMs: 0}
    liveness: {tcp: ${nobody}, periodMs: 200ms, timeoutMs: 200ms, failureThreshold: 1}
    backoff: {initialMs: 200, maxMs: 200}
incidents:
  owner: team-platform
  quietPeriod: 1h
  crashLoop: {restarts: 100, window: 1s}   # no crash-loop incident beside them
`,
  );
  const { client } = await startDaemon(t, config);
  const inc = new IncidentsClient({ socket: config.supervisor.socket });
  let seen: Incident[] = [];
  await waitFor(
    'an OOM kill and a liveness failure, each at least twice',
    async () => {
      seen = await inc.list();
      const count = (kind: string) => seen.find((i) => i.kind === kind)?.count ?? 0;
      return count('program.oom') >= 2 && count('program.liveness') >= 2;
    },
    { timeoutMs: 30_000 },
  ).catch((err: Error) => {
    throw new Error(`${err.message}; incidents: ${seen.map((i) => `${i.program}/${i.kind}×${i.count}`).join(', ')}`);
  });
  assert.ok(
    ((await client.status()).programs.find((p) => p.id === 'hog')?.oomKills ?? 0) >= 2,
    'the kernel killed it, the supervisor counted it',
  );
  assert.deepEqual(
    seen.map((i) => [i.program, i.kind, i.rule, i.category, i.owner]).sort(),
    [
      ['hog', 'program.oom', 'builtin:program.oom', 'out-of-memory', 'team-platform'],
      ['stuck', 'program.liveness', 'builtin:program.liveness', 'liveness', 'team-platform'],
    ],
    'one incident per program and event, however many kills and restarts',
  );
  const oom = seen.find((i) => i.kind === 'program.oom')!;
  assert.match(oom.summary, /^hog was killed by the OOM killer \(its cgroup memory limit\); \d+ kill\(s\) so far$/);
  assert.match(seen.find((i) => i.kind === 'program.liveness')!.summary, /^stuck failed its liveness probe and was restarted/);
});
