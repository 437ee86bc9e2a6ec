// @holdfast/failover/testing: the test doubles of the leadership loop, for this package's tests and
// for applications testing their own use of it. A subpath of their own, so the public entry
// carries only what runs in production.
export { FakeCoordinatorServer, type FakeTermRecord, type FakeServerOptions } from './fake-coordinator.ts';
export { VirtualTime, NodeClock } from './virtual-time.ts';
