// A failover drill that fails becomes an incident: the real netns drill (etcd, namespaces, a VIP)
// whose agents cannot start (their config is missing) gives up, and its failover.drill_failed
// signal reaches a real supervisor daemon through the forwarder `holdfast drill failover --signals`
// uses. Needs root and the drill's tools: without them the test fails (HOLDFAST_ALLOW_SKIP=1 skips).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cannotRun, tempDir } from '@holdfast/testkit';
import { labUnavailable, runDrill } from '../src/drill/index.ts';
import { systemClock } from '../src/clock.ts';
import { supervisorSignalForwarder } from '../src/signals/index.ts';
import { cli } from './support/agents.ts';
import { incidentDaemon } from './support/incident-daemon.ts';

test(
  'a drill whose agents cannot start is reported: a failover.drill_failed incident, warning, one per fault',
  { timeout: 180_000 },
  async (t) => {
    const why = await labUnavailable(['ip', 'arping', 'etcd', 'bridge']);
    if (why) return cannotRun(t, why);
    const dir = tempDir(t, 'hf-fo-drill-');
    const daemon = incidentDaemon(t, dir);
    await daemon.start();
    const lines: string[] = [];
    const log = { info: () => {}, warn: (_: object, m: string) => void lines.push(m), error: (_: object, m: string) => void lines.push(m) };
    const signals = supervisorSignalForwarder(
      { socket: daemon.socket, from: 'test' },
      { queue: 10, retry: { initial: 100, max: 1000 }, timeout: 5000 },
      { clock: systemClock, log },
    );
    t.after(() => signals.close());
    const missing = join(dir, 'no-such-cluster.yaml');
    await assert.rejects(
      runDrill({
        fault: 'kill',
        profile: 'fast',
        agentCommand: () => ({ file: process.execPath, args: [cli, 'failover', '-c', missing] }),
        signals,
        progress: (m) => t.diagnostic(m),
      }),
      /exited 3 times before it started/,
    );
    assert.equal(await signals.drain(20_000), true, lines.join('\n'));

    const list = (await daemon.incidents()).filter((i) => i.kind === 'failover.drill_failed');
    assert.equal(list.length, 1);
    const inc = list[0]!;
    assert.equal(inc.rule, 'builtin:failover.drill_failed');
    assert.equal(inc.category, 'drill');
    assert.equal(inc.severity, 'warning', 'it could not run: no safety property was broken');
    assert.deepEqual(inc.labels, { cluster: 'drill', resource: 'drill:kill' });
    assert.match(
      inc.summary,
      /^failover drill kill\/fast: the failover drill did not complete: the agent of n\d exited 3 times before it started/,
    );
    assert.equal(inc.count, 1);
  },
);
