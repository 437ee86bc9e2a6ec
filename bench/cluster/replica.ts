// One replica of bench:cluster: `rate` attempts per second (open loop) against a global limit,
// through holdfast's cluster rule or rate-limiter-flexible's RateLimiterRedis (with the
// per-process insurance limiter its docs recommend: points ÷ processes). Prints what it admitted
// every 100 ms by wall-clock tick: TICK {"t":..,"pass":n,"block":m,"mode":..}.
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { createGuard } from '@holdfast/guard';
import { redisClusterStore } from '@holdfast/guard/cluster-redis';

const config = JSON.parse(process.argv[2]!) as {
  lib: 'holdfast' | 'rlf';
  redisUrl: string;
  rate: number;
  threshold: number;
  processes: number;
};
const redis = new Redis(config.redisUrl, {
  maxRetriesPerRequest: 1,
  retryStrategy: () => 100,
  enableOfflineQueue: config.lib === 'holdfast',
});
redis.on('error', () => {});

let pass = 0;
let block = 0;
let attempt: () => void;
let mode = () => 'cluster';
if (config.lib === 'holdfast') {
  const store = redisClusterStore({ redis, heartbeatMs: 200, timeoutMs: 100 });
  await store.ready();
  const guard = createGuard({
    autoSample: false,
    cluster: { store },
    rules: { flow: [{ id: 'bench', resource: 'api', threshold: config.threshold, clusterMode: true }] },
  });
  mode = () => guard.snapshot().flow[0]!.mode;
  attempt = () => {
    const e = guard.entry('api');
    if (e.blocked) block++;
    else {
      pass++;
      e.exit();
    }
  };
} else {
  let insured = false;
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    points: config.threshold,
    duration: 1,
    keyPrefix: 'bench',
    insuranceLimiter: new RateLimiterMemory({ points: Math.floor(config.threshold / config.processes), duration: 1 }),
  });
  redis.on('close', () => (insured = true));
  redis.on('ready', () => (insured = false));
  mode = () => (insured ? 'insurance' : 'redis');
  attempt = () => {
    limiter.consume('api').then(
      () => void pass++,
      () => void block++,
    );
  };
}

let debt = 0;
let last = performance.now();
setInterval(() => {
  const now = performance.now();
  debt += ((now - last) * config.rate) / 1000;
  last = now;
  for (; debt >= 1; debt--) attempt();
}, 2);
const TICK = 100;
const report = () => {
  const t = Math.floor(Date.now() / TICK) * TICK - TICK;
  console.log(`TICK ${JSON.stringify({ t, pass, block, mode: mode() })}`);
  pass = 0;
  block = 0;
  setTimeout(report, TICK - (Date.now() % TICK));
};
setTimeout(report, TICK - (Date.now() % TICK));
console.log('READY');
