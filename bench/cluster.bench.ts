#!/usr/bin/env node
// `npm run bench:cluster`: a global limit across replicas, holdfast's cluster rules beside
// rate-limiter-flexible (RateLimiterRedis, fixed window in Redis, with the per-process insurance
// limiter its docs recommend) on the same real Redis, in the same run:
//  1. the cost of one check: holdfast's entry + exit on a cluster rule (permits leased in the
//     background) against an awaited RateLimiterRedis.consume();
//  2. 4 replica processes under uneven load (200, 400, 600, 900 attempts/s) sharing 1,000/s:
//     the admitted rate over a 10 s window with Redis up, then with Redis killed;
//  3. adaptive concurrency at 5x overload of a processor-sharing backend (10 slots, 20 ms of work:
//     500 calls/s), against a fixed limit and against no limit: goodput (calls answered within
//     100 ms, as a share of capacity) and the p99 of admitted calls.
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { type Child, startChild, startRedis } from '@holdfast/testkit';
import { type Entry, cachedClock, createGuard } from '@holdfast/guard';
import { redisClusterStore } from '@holdfast/guard/cluster-redis';
import { Cleanups } from './lib/cleanups.ts';
import { median, table, writeReport } from './lib/report.ts';

const quick = process.argv.includes('--quick');
const WINDOW_MS = quick ? 5000 : 10_000;
const LIMIT = 1000;
const RATES = [200, 400, 600, 900];
const log = (s: string) => process.stderr.write(`${s}\n`);
const cleanups = new Cleanups();
// testkit's helpers clean up through a test context's `after`; a bench hands them its own list.
const ctx = { after: (fn: () => unknown) => cleanups.push(fn) };
process.once('SIGINT', () => void cleanups.run().then(() => process.exit(130)));

const r2 = (x: number) => Math.round(x * 100) / 100;

// ---- 1. Per-check cost -------------------------------------------------------------------
async function checkCost(redisUrl: string) {
  const redis = new Redis(redisUrl);
  cleanups.push(() => redis.disconnect());
  const store = redisClusterStore({ redis, prefix: '{bench-cost}' });
  cleanups.push(() => store.close());
  await store.ready();
  const guard = createGuard({
    autoSample: false,
    cluster: { store },
    rules: {
      flow: [
        { id: 'cost', resource: 'cluster', threshold: 1e9, clusterMode: true },
        { id: 'local', resource: 'local', threshold: 1e12 },
      ],
    },
  });
  const clock = cachedClock();
  // Chunks of synchronous checks with a turn of the event loop between them, so leases arrive;
  // only the checks are timed.
  const timeChecks = async (resource: string, chunks: number): Promise<{ ns: number; blocked: number }> => {
    let total = 0n;
    let blocked = 0;
    for (let c = 0; c < chunks; c++) {
      clock.refresh();
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < 10_000; i++) {
        const e = guard.entry(resource);
        if (e.blocked) blocked++;
        else e.exit();
      }
      total += process.hrtime.bigint() - t0;
      await new Promise((r) => setImmediate(r));
      await delay(1);
    }
    return { ns: Number(total) / (chunks * 10_000), blocked };
  };
  await timeChecks('cluster', 50);
  await timeChecks('local', 50);
  const rounds: { cluster: number; local: number; blocked: number }[] = [];
  for (let r = 0; r < 5; r++) {
    const c = await timeChecks('cluster', 100);
    const l = await timeChecks('local', 100);
    rounds.push({ cluster: c.ns, local: l.ns, blocked: c.blocked });
  }
  guard.close();

  const rlf = new RateLimiterRedis({ storeClient: redis, points: 1e9, duration: 1, keyPrefix: 'bench-cost' });
  for (let i = 0; i < 500; i++) await rlf.consume('k');
  const rlfRounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 2000; i++) await rlf.consume('k');
    rlfRounds.push(Number(process.hrtime.bigint() - t0) / 2000);
  }
  return {
    clusterNs: median(rounds.map((r) => r.cluster)),
    localNs: median(rounds.map((r) => r.local)),
    blockedDuringCost: rounds.reduce((a, r) => a + r.blocked, 0),
    rlfNs: median(rlfRounds),
  };
}

// ---- 2. Four processes -------------------------------------------------------------------
const REPLICA = fileURLToPath(new URL('./cluster/replica.ts', import.meta.url));
interface Tick {
  t: number;
  pass: number;
  mode: string;
}
const ticks = (c: Child): Tick[] => c.lines.filter((l) => l.startsWith('TICK ')).map((l) => JSON.parse(l.slice(5)) as Tick);
const nextTick = (afterMs: number) => Math.ceil((Date.now() + afterMs) / 100) * 100;

async function admitted(replicas: Child[], from: number, ms: number): Promise<{ rate: number; perReplica: number[]; modes: string[] }> {
  await delay(Math.max(0, from + ms - Date.now()) + 400);
  const modes = new Set<string>();
  const perReplica = replicas.map((c) =>
    ticks(c)
      .filter((k) => k.t >= from && k.t < from + ms)
      .reduce((s, k) => (modes.add(k.mode), s + k.pass), 0),
  );
  return {
    rate: (perReplica.reduce((a, b) => a + b, 0) * 1000) / ms,
    perReplica: perReplica.map((n) => Math.round((n * 1000) / ms)),
    modes: [...modes],
  };
}

async function fourProcesses(lib: 'holdfast' | 'rlf') {
  const redis = await startRedis(ctx);
  const replicas = RATES.map((rate) =>
    startChild(ctx, process.execPath, [
      REPLICA,
      JSON.stringify({ lib, redisUrl: redis.url, rate, threshold: LIMIT, processes: RATES.length }),
    ]),
  );
  await Promise.all(replicas.map((c) => c.waitForLine(/^READY/, 30_000)));
  await delay(2000);
  const up = await admitted(replicas, nextTick(0), WINDOW_MS);
  log(`${lib}, Redis up: ${up.rate.toFixed(0)}/s (${up.perReplica.join(', ')}) ${up.modes}`);
  await redis.kill();
  const down = await admitted(replicas, nextTick(1000), WINDOW_MS);
  log(`${lib}, Redis down: ${down.rate.toFixed(0)}/s (${down.perReplica.join(', ')}) ${down.modes}`);
  for (const c of replicas) c.kill('SIGKILL');
  await Promise.all(replicas.map((c) => c.exited));
  return { up, down };
}

// ---- 3. Adaptive concurrency at 5x overload ----------------------------------------------
// A processor-sharing backend: SLOTS calls' worth of work per ms, split over everything in
// flight. In the second half of the run every call needs twice the work (the backend got
// slower: its capacity halves, latency doubles at the same concurrency).
const SLOTS = 10;
const WORK_MS = 20;
const CAPACITY = (SLOTS * 1000) / WORK_MS;
const DEADLINE_MS = 100;

async function overload(kind: 'adaptive' | 'fixed' | 'none', ms: number) {
  const rules =
    kind === 'adaptive'
      ? {
          flow: [
            {
              id: 'a',
              resource: 'backend',
              metric: 'concurrency' as const,
              strategy: 'adaptive' as const,
              threshold: 40,
              minLimit: 2,
              maxLimit: 400,
            },
          ],
        }
      : kind === 'fixed'
        ? { flow: [{ id: 'f', resource: 'backend', metric: 'concurrency' as const, threshold: 40 }] }
        : {};
  const guard = createGuard({ autoSample: false, rules });
  const inflight: { e: Entry; left: number; start: number }[] = [];
  // Judged: the fast phase after a quarter of the run to settle, the slow one after an eighth.
  const phases = [
    { from: ms / 4, to: ms / 2, work: WORK_MS, good: 0, latencies: [] as number[] },
    { from: (ms * 5) / 8, to: ms, work: WORK_MS * 2, good: 0, latencies: [] as number[] },
  ];
  const phaseOf = (t: number) => phases.find((p) => t >= p.from && t < p.to);
  let debt = 0;
  let last = performance.now();
  const start = last;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      const dt = now - last;
      last = now;
      const share = Math.min(1, SLOTS / Math.max(1, inflight.length)) * dt;
      for (let i = inflight.length - 1; i >= 0; i--) {
        const c = inflight[i]!;
        if ((c.left -= share) > 0) continue;
        inflight.splice(i, 1);
        c.e.exit();
        const p = phaseOf(c.start - start);
        if (p) {
          p.latencies.push(now - c.start);
          if (now - c.start <= DEADLINE_MS) p.good++;
        }
      }
      const work = now - start < ms / 2 ? WORK_MS : WORK_MS * 2;
      for (debt += (dt * 5 * CAPACITY) / 1000; debt >= 1; debt--) {
        const e = guard.entry('backend');
        if (!e.blocked) inflight.push({ e, left: work, start: now });
      }
      if (now - start >= ms) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  // Calls still in flight at the end count with the time they waited so far (censored).
  const end = performance.now();
  for (const c of inflight) phaseOf(c.start - start)?.latencies.push(end - c.start);
  guard.close();
  const capacityOf = (p: (typeof phases)[number]) => ((p.to - p.from) / 1000) * ((SLOTS * 1000) / p.work);
  const p99 = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length * 0.99)] ?? NaN;
  const [fast, slow] = phases;
  return {
    goodput: (fast!.good + slow!.good) / (capacityOf(fast!) + capacityOf(slow!)),
    goodputFast: fast!.good / capacityOf(fast!),
    goodputSlow: slow!.good / capacityOf(slow!),
    p99: p99([...fast!.latencies, ...slow!.latencies]),
    p99Fast: p99(fast!.latencies),
    p99Slow: p99(slow!.latencies),
  };
}

// ---- run -----------------------------------------------------------------------------------
try {
  const costRedis = await startRedis(ctx);
  log('per-check cost ...');
  const cost = await checkCost(costRedis.url);
  log(
    `holdfast cluster ` +
      `rule ${cost.clusterNs.toFixed(0)} ns (local ` +
      `rule ${cost.localNs.toFixed(0)} ns), ` +
      `rate-limiter-flexible consume ${cost.rlfNs.toFixed(0)} ns`,
  );
  log('four processes, holdfast ...');
  const hf = await fourProcesses('holdfast');
  log('four processes, rate-limiter-flexible ...');
  const rlf = await fourProcesses('rlf');
  log('adaptive concurrency at 5x overload ...');
  const runMs = quick ? 8000 : 16_000;
  const adaptive = await overload('adaptive', runMs);
  const fixed = await overload('fixed', runMs);
  const none = await overload('none', runMs);
  log(`goodput adaptive ${adaptive.goodput.toFixed(2)}, fixed ${fixed.goodput.toFixed(2)}, none ${none.goodput.toFixed(2)}`);

  const err = (rate: number) => Math.abs(rate - LIMIT) / LIMIT;
  const summary = {
    global_rate_error: r2(err(hf.up.rate)),
    rate_error_redis_down: r2(err(hf.down.rate)),
    check_overhead_ns: Math.round(cost.clusterNs),
    goodput_5x_overload: r2(adaptive.goodput),
    rlf_global_rate_error: r2(err(rlf.up.rate)),
    rlf_rate_error_redis_down: r2(err(rlf.down.rate)),
    rlf_check_ns: Math.round(cost.rlfNs),
    check_speedup_vs_rlf: Math.round(cost.rlfNs / cost.clusterNs),
    goodput_5x_fixed_limit: r2(fixed.goodput),
    goodput_5x_no_limit: r2(none.goodput),
    target_met: false,
  };
  summary.target_met =
    summary.global_rate_error <= 0.05 &&
    summary.rate_error_redis_down <= 0.15 &&
    summary.check_overhead_ns <= 300 &&
    summary.goodput_5x_overload >= 0.8;
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const markdown =
    `${table(
      ['global 1,000/s, 4 processes, uneven load', 'holdfast (cluster rule)', 'rate-limiter-flexible (RateLimiterRedis + insurance)'],
      [
        ['one check (ns)', `${cost.clusterNs.toFixed(0)} (a local rule: ${cost.localNs.toFixed(0)})`, cost.rlfNs.toFixed(0)],
        [
          `admitted/s, Redis up (${WINDOW_MS / 1000} s window)`,
          `${hf.up.rate.toFixed(0)} (error ${pct(err(hf.up.rate))})`,
          `${rlf.up.rate.toFixed(0)} (error ${pct(err(rlf.up.rate))})`,
        ],
        ['per replica (200, 400, 600, 900 attempts/s)', hf.up.perReplica.join(', '), rlf.up.perReplica.join(', ')],
        [
          `admitted/s, Redis killed (${WINDOW_MS / 1000} s window)`,
          `${hf.down.rate.toFixed(0)} (error ${pct(err(hf.down.rate))})`,
          `${rlf.down.rate.toFixed(0)} (error ${pct(err(rlf.down.rate))})`,
        ],
        ['per replica, Redis killed', hf.down.perReplica.join(', '), rlf.down.perReplica.join(', ')],
      ],
    )}

${table(
  ['5x overload (2,500 calls/s)', 'goodput: backend 500/s', 'then 250/s (2x slower)', 'both', 'p99 admitted (ms): 500/s', '250/s'],
  [adaptive, fixed, none].map((o, i) => [
    ['adaptive (strategy: adaptive, starts at 40)', 'fixed concurrency limit 40', 'no limit'][i]!,
    o.goodputFast.toFixed(2),
    o.goodputSlow.toFixed(2),
    o.goodput.toFixed(2),
    o.p99Fast.toFixed(0),
    o.p99Slow.toFixed(0),
  ]),
)}

One run, the same Redis server version for both limiters, 4 replica processes each. holdfast spends permits leased ` +
    `from Redis in small batches on the hot path, so **a check ` +
    (`costs ${cost.clusterNs.toFixed(0)} ns ` +
      `against ${(cost.rlfNs / 1000).toFixed(0)} µs for an awaited ` +
      `\`consume()\`** (a Redis round trip per ` +
      (`request; ${summary.check_speedup_vs_rlf}× more). With Redis killed, rate-limiter-flexible's insurance limiters ` +
        `take over with points ÷ processes each, as its docs advise, so under uneven load the quiet replicas ` +
        `strand their part; holdfast's replicas enforce their share of the recent traffic (threshold ÷ live ` +
        `replicas when the load is even). Adaptive concurrency: a processor-sharing backend with 10 slots and 20 ` +
        `ms of work per call (latency doubles at 20 in flight), offered 2,500 calls/s (5× its capacity); halfway ` +
        `through, every call needs 40 ms of work (capacity 250/s). Goodput counts calls answered within 100 ms, as ` +
        `a share of the capacity of the moment; p99 counts admitted calls (those still waiting at the end with ` +
        `their wait so far). The fixed limit of 40 was tuned for the fast backend (80 ms at the limit, inside the ` +
        `deadline) and is wrong once it slows; judged after the first quarter of ` +
        `the ${runMs / 1000} s run and after the first quarter of the slow half.`));
  const file = writeReport({
    name: 'cluster',
    title: 'Cluster rules and adaptive concurrency vs rate-limiter-flexible (bench:cluster)',
    summary,
    details: { windowMs: WINDOW_MS, limit: LIMIT, rates: RATES, cost, holdfast: hf, rateLimiterFlexible: rlf, adaptive, fixed, none },
    markdown,
  });
  log(`\n${markdown}\n\nwrote ${file}`);
} finally {
  await cleanups.run();
}
