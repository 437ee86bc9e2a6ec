// Property: under any schedule of partitions, message loss, pauses, health flaps, etcd leader
// changes, latency and clock-rate drift within the configured bound, no node acts outside the
// server's lease for its token (so leadership windows never overlap), demotions and fence pets
// stay within the lease, tokens strictly increase, and once the faults stop a leader emerges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { seededRandom } from '@holdfast/testkit';
import { Sim } from './support/sim.ts';

const TTL = 1000;

const fault = fc.oneof(
  fc.record({ kind: fc.constant('partition' as const), node: fc.nat(2), ms: fc.integer({ min: 50, max: 4000 }) }),
  fc.record({ kind: fc.constant('freeze' as const), node: fc.nat(2), ms: fc.integer({ min: 50, max: 4000 }) }),
  fc.record({
    kind: fc.constant('loss' as const),
    node: fc.nat(2),
    ms: fc.integer({ min: 50, max: 4000 }),
    p: fc.double({ min: 0.1, max: 1, noNaN: true }),
  }),
  fc.record({ kind: fc.constant('unhealthy' as const), node: fc.nat(2), ms: fc.integer({ min: 50, max: 3000 }) }),
  fc.record({ kind: fc.constant('extend' as const) }),
  fc.record({ kind: fc.constant('latency' as const), node: fc.nat(2), ms: fc.integer({ min: 1, max: 300 }) }),
);

const scenario = fc.record({
  seed: fc.integer(),
  // Relative drift between any node and the server stays under the configured 1 %.
  nodeRates: fc.array(fc.double({ min: 0.995, max: 1.005, noNaN: true }), { minLength: 3, maxLength: 3 }),
  serverRate: fc.double({ min: 0.996, max: 1.004, noNaN: true }),
  priorities: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 3, maxLength: 3 }),
  steps: fc.array(fc.record({ fault, gap: fc.integer({ min: 0, max: 2500 }) }), { minLength: 1, maxLength: 12 }),
});

test('no overlap, increasing tokens and eventual leadership under random faults and drift', async () => {
  await fc.assert(
    fc.asyncProperty(scenario, async ({ seed, nodeRates, serverRate, priorities, steps }) => {
      const sim = new Sim({ ttlMs: TTL, server: { rate: serverRate, random: seededRandom(seed) } });
      const nodes = ['a', 'b', 'c'].map((name, i) =>
        sim.add(name, { rate: nodeRates[i]!, priority: priorities[i]!, demoteMs: 30, fenceHook: true }),
      );
      sim.start();
      await sim.vt.advance(300);
      for (const { fault: f, gap } of steps) {
        const node = 'node' in f ? nodes[f.node]! : undefined;
        const link = node ? sim.server.link(node.name) : undefined;
        switch (f.kind) {
          case 'partition':
            sim.server.partition(node!.name, true);
            sim.vt.at(sim.vt.now + f.ms, () => sim.server.partition(node!.name, false));
            break;
          case 'freeze':
            node!.clock.freeze(f.ms);
            break;
          case 'loss':
            link!.loss = f.p;
            sim.vt.at(sim.vt.now + f.ms, () => void (link!.loss = 0));
            break;
          case 'unhealthy':
            node!.leadership.setHealthy(false);
            sim.vt.at(sim.vt.now + f.ms, () => node!.clock.run(() => node!.leadership.setHealthy(true)));
            break;
          case 'extend':
            sim.server.extendAllLeases();
            break;
          case 'latency':
            link!.latencyMs = f.ms;
            sim.vt.at(sim.vt.now + 2000, () => void (link!.latencyMs = 2));
            break;
        }
        await sim.vt.advance(gap);
      }
      // Faults end (the longest lasts 4 s): then a leader must emerge.
      await sim.vt.advance(4000 + 6 * TTL);
      const violations = sim.violations();
      assert.deepEqual(violations, [], violations.join('\n'));
      assert.equal(
        sim.leaders().length,
        1,
        `one leader once faults stop (terms: ${JSON.stringify(sim.server.terms.map((t) => [t.node, t.token, t.how]))})`,
      );
    }),
    { numRuns: 150 },
  );
});
