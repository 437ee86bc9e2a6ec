// A stand-in for a leader agent, for the fence tests: it adds the VIP, arms a fence companion
// and pets it every 100 ms with "valid until now + VALIDITY". The test then kills or freezes it.
// Usage: node fence-agent-fixture.ts <netns> <vip/prefix> <validityMs> [<etcd endpoint> <lease id> [stray]]
// With an etcd lease, the fence is armed with it (ReleaseSpec) and may release it. With `stray`,
// it also leaves an action in flight, as an agent killed mid-action would: a marked process that
// adds the VIP again 1 s later (the fence must end it before anything else).
import { pino } from 'pino';
import { monotonicMs } from '../src/clock.ts';
import { CompanionFence, companionSchema } from '../src/fence/companion.ts';
import { vipSchema, VipResource } from '../src/resources/vip.ts';
import { actionEnv } from '../src/resources/resource.ts';
import { actionScope, runCommand } from '../src/resources/command.ts';

const [netns = '', address = '', validity = '600', endpoint, leaseId, stray] = process.argv.slice(2);
const validityMs = Number(validity);
const log = pino({ level: 'warn' }, pino.destination(2));
const actionMarker = `test/n1/${process.pid}/fixture`;
const vipConfig = vipSchema.parse({
  kind: 'vip',
  name: 'vip',
  address,
  interface: 'eth0',
  netns,
  duplicateCheck: 0,
  garp: { count: 1, repeatAfter: 0, refresh: 0 },
});
const fence = new CompanionFence(companionSchema.parse({ kind: 'companion', maxValid: 60_000 }), {
  node: 'n1',
  cluster: 'test',
  log,
  resources: [vipConfig],
  actionMarker,
});
await fence.open();
const token = 9;
const release = endpoint && leaseId ? { release: { kind: 'etcd-lease' as const, endpoints: [endpoint], leaseId } } : {};
await fence.arm({ token, validUntilMs: monotonicMs() + validityMs, ...release });
await new VipResource(vipConfig).start({
  node: 'n1',
  cluster: 'test',
  token,
  env: actionEnv('n1', 'test', token),
  signal: AbortSignal.timeout(10_000),
  log,
  assertLeader: () => {},
});
if (stray === 'stray') {
  void actionScope.run(actionMarker, () =>
    runCommand('ip', ['netns', 'exec', netns, 'sh', '-c', `sleep 1; ip addr add ${address} dev eth0`]),
  );
  await new Promise((r) => setTimeout(r, 100)); // let it start
}
setInterval(() => fence.pet(monotonicMs() + validityMs), 100);
console.log(`ARMED ${fence.pid}`);
