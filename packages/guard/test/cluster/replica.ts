// One replica for the cluster tests: a guard with a cluster store on the given Redis, driven by
// an open-loop load of `rate` attempts per second on one resource. Every 100 ms it prints what it
// admitted, by wall-clock tick, so the test can add the replicas up over the same windows:
//   TICK {"t":<wall ms of the tick>,"pass":n,"block":m,"mode":"cluster"|"fallback","threshold":x}
// and each mode change as MODE {...}.
import { Redis } from 'ioredis';
import { createGuard } from '@holdfast/guard';
import { redisClusterStore } from '@holdfast/guard/cluster-redis';

const config = JSON.parse(process.argv[2]!) as {
  redisUrl: string;
  rate: number;
  threshold: number;
  heartbeatMs?: number;
  liveFile?: string;
};
const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
redis.on('error', () => {}); // outages are the point of some tests; the guard reports them
const store = redisClusterStore({ redis, heartbeatMs: config.heartbeatMs ?? 200, timeoutMs: 100 });
await store.ready();
const guard = createGuard({
  autoSample: false,
  cluster: { store },
  rules: { flow: [{ id: 'global', resource: 'api', threshold: config.threshold, clusterMode: true }] },
});
guard.on('clusterMode', (e) => console.log(`MODE ${JSON.stringify(e)}`));

let pass = 0;
let block = 0;
let debt = 0;
let last = performance.now();
// Load: `rate` attempts per second, caught up each tick whatever the timer's jitter.
setInterval(() => {
  const now = performance.now();
  debt += ((now - last) * config.rate) / 1000;
  last = now;
  for (; debt >= 1; debt--) {
    const e = guard.entry('api');
    if (e.blocked) block++;
    else {
      pass++;
      e.exit();
    }
  }
}, 2);
const TICK = 100;
const report = () => {
  const t = Math.floor(Date.now() / TICK) * TICK - TICK; // the tick that just ended
  const snap = guard.snapshot().flow[0]!;
  console.log(`TICK ${JSON.stringify({ t, pass, block, mode: snap.mode, threshold: Math.round(snap.threshold) })}`);
  pass = 0;
  block = 0;
  setTimeout(report, TICK - (Date.now() % TICK));
};
setTimeout(report, TICK - (Date.now() % TICK));
console.log(`READY ${store.replicaId}`);
process.on('SIGTERM', () => {
  guard.close();
  void store.close().then(() => process.exit(0));
});
