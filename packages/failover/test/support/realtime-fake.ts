// The fake coordinator driven in real time, for tests whose agent runs real processes: a pump
// advances the virtual timeline as wall time passes, so a NodeClock on it reads like the
// monotonic clock and the fake server's leases, latency and faults apply as they would in
// etcd. (Virtual time alone would run the loop while the real scripts have not moved.)
import type { TestContext } from 'node:test';
import type { Coordinator } from '../../src/coordinator/coordinator.ts';
import { FakeCoordinatorServer, NodeClock, VirtualTime } from '@holdfast/failover/testing';

export interface RealtimeFake {
  server: FakeCoordinatorServer;
  clock: NodeClock;
  coordinator: Coordinator;
}

export function realtimeFake(t: Pick<TestContext, 'after'>, node: string, ttlMs: number, tickMs = 5): RealtimeFake {
  const vt = new VirtualTime();
  const server = new FakeCoordinatorServer(vt);
  const clock = new NodeClock(vt);
  let last = performance.now();
  let pumping = false;
  const timer = setInterval(() => {
    if (pumping) return;
    pumping = true;
    const now = performance.now();
    void vt.advance(now - last).finally(() => {
      last = now;
      pumping = false;
    });
  }, tickMs);
  t.after(() => clearInterval(timer));
  return { server, clock, coordinator: server.client(node, clock, ttlMs) };
}
