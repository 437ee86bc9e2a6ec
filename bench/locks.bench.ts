// bench:locks — holdfast's concurrency primitives beside async-mutex and p-limit in one run:
// uncontended acquire+release (ns/op, median of rotated rounds), contended throughput with 100
// waiters, and the distributed lock's acquire latency on a local etcd (acquire + release,
// sequential). Writes bench/results/locks.json and its section of docs/benchmarks.md.
import { availableParallelism, loadavg } from 'node:os';
import { Mutex as AsyncMutex, Semaphore as AsyncSemaphore } from 'async-mutex';
import pLimit from 'p-limit';
import { etcdLockProvider } from '@holdfast/failover/lock';
import { keyedMutex, mutex, rwLock, semaphore } from '@holdfast/service/concurrency';
import { startEtcd } from '@holdfast/testkit';
import { Cleanups } from './lib/cleanups.ts';
import { median, table, writeReport } from './lib/report.ts';

const ROUNDS = 7;
const OPS = 200_000;

type Case = { name: string; peer: boolean; op: () => Promise<unknown> };

const m = mutex();
const s = semaphore(4);
const km = keyedMutex<string>();
const rw = rwLock();
const am = new AsyncMutex();
const as = new AsyncSemaphore(4);
const pl = pLimit(1);
const noop = () => undefined;

const uncontended: Case[] = [
  { name: 'holdfast mutex', peer: false, op: async () => (await m.acquire(), m.release()) },
  { name: 'holdfast semaphore(4)', peer: false, op: async () => s.release(await s.acquire()) },
  { name: 'holdfast keyedMutex', peer: false, op: async () => (await km.acquire('k'), km.release('k')) },
  { name: 'holdfast rwLock read', peer: false, op: async () => rw.releaseRead(await rw.read()) },
  { name: 'holdfast rwLock write', peer: false, op: async () => (await rw.write(), rw.releaseWrite()) },
  { name: 'async-mutex Mutex', peer: true, op: async () => (await am.acquire())() },
  { name: 'async-mutex Semaphore(4)', peer: true, op: async () => (await as.acquire())[1]() },
  { name: 'p-limit(1)', peer: true, op: () => pl(noop) },
];

async function timeOps(op: () => Promise<unknown>, n: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await op();
  return Number(process.hrtime.bigint() - t0) / n;
}

async function uncontendedRounds(): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = Object.fromEntries(uncontended.map((c) => [c.name, []]));
  for (const c of uncontended) await timeOps(c.op, 20_000); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    // Rotated order: no case always runs first (or right after the GC of another).
    for (let i = 0; i < uncontended.length; i++) {
      const c = uncontended[(i + r) % uncontended.length]!;
      out[c.name]!.push(await timeOps(c.op, OPS));
    }
  }
  return out;
}

/** 100 tasks each taking the lock `per` times, yielding once while holding it: ops/s. */
async function contended(name: string, take: (body: () => Promise<void>) => Promise<unknown>, per = 500): Promise<number> {
  const body = async () => {
    await Promise.resolve();
  };
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 100 }, async () => {
      for (let i = 0; i < per; i++) await take(body);
    }),
  );
  return (100 * per) / ((performance.now() - t0) / 1000);
}

const contendedCases: [string, (body: () => Promise<void>) => Promise<unknown>][] = [
  ['holdfast mutex', (b) => m.run(b)],
  ['holdfast semaphore(4)', (b) => s.run(b)],
  ['holdfast keyedMutex (one key)', (b) => km.run('hot', b)],
  ['async-mutex Mutex', (b) => am.runExclusive(b)],
  ['async-mutex Semaphore(4)', (b) => as.runExclusive(b)],
  ['p-limit(1)', (b) => pl(b)],
];

async function contendedRounds(): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = Object.fromEntries(contendedCases.map(([n]) => [n, []]));
  for (let r = 0; r < 5; r++) {
    for (let i = 0; i < contendedCases.length; i++) {
      const [n, take] = contendedCases[(i + r) % contendedCases.length]!;
      out[n]!.push(await contended(n, take));
    }
  }
  return out;
}

async function etcdLatency(cleanups: Cleanups): Promise<{ p50: number; p90: number; p99: number; n: number }> {
  // testkit's etcd: one member on free ports, its data dir and process removed by the cleanups.
  const { endpoint } = await startEtcd({ after: (fn) => cleanups.push(fn as () => unknown) });
  const locks = etcdLockProvider({ endpoints: [endpoint] });
  cleanups.push(() => locks.close());
  const samples: number[] = [];
  for (let i = 0; i < 220; i++) {
    const t0 = performance.now();
    const l = await locks.acquire('bench', { ttlMs: 5000 });
    const ms = performance.now() - t0;
    await l.release();
    if (i >= 20) samples.push(ms); // the first ones set up the connection
  }
  samples.sort((a, b) => a - b);
  const q = (p: number) => Math.round(samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]! * 100) / 100;
  return { p50: q(0.5), p90: q(0.9), p99: q(0.99), n: samples.length };
}

// The machine is shared: a load average above its cores marks the figures provisional (the
// ratios, measured case against case in the same rounds, hold better than the absolute ns).
const cores = availableParallelism();
const loadBefore = loadavg()[0]!;

const cleanups = new Cleanups();
try {
  console.log(`uncontended: ${ROUNDS} rounds × ${OPS} acquire+release per case…`);
  const un = await uncontendedRounds();
  console.log('contended: 100 waiters…');
  const co = await contendedRounds();
  console.log('etcd lock latency…');
  const et = await etcdLatency(cleanups);
  const load = Math.round(Math.max(loadBefore, loadavg()[0]!) * 10) / 10;
  const provisional = load > cores;
  const conditions = { loadavg1_max: load, cores, provisional };
  const ns = Object.fromEntries(Object.entries(un).map(([k, v]) => [k, Math.round(median(v))]));
  const ops = Object.fromEntries(Object.entries(co).map(([k, v]) => [k, Math.round(median(v))]));
  const speedup = Math.round((ns['async-mutex Mutex']! / ns['holdfast mutex']!) * 100) / 100;
  const summary = {
    provisional,
    mutex_ns: ns['holdfast mutex']!,
    speedup_vs_async_mutex: speedup,
    speedup_vs_async_mutex_semaphore: Math.round((ns['async-mutex Semaphore(4)']! / ns['holdfast semaphore(4)']!) * 100) / 100,
    speedup_vs_p_limit: Math.round((ns['p-limit(1)']! / ns['holdfast mutex']!) * 100) / 100,
    contended_speedup_vs_async_mutex: Math.round((ops['holdfast mutex']! / ops['async-mutex Mutex']!) * 100) / 100,
    etcd_lock_p50_ms: et.p50,
  };
  const markdown = [
    ...(provisional
      ? [
          `**Provisional**: measured on a shared machine with a 1-minute load average of up ` +
            `to ${load} ` +
            `on ${cores} ` +
            `cores (other engineers' test runs). The ratios compare cases in the same rotated rounds and hold better ` +
            `than the absolute figures; re-run on a quiet machine before quoting the ns.`,
          '',
        ]
      : []),
    'Uncontended acquire + release, one `await` each (median of rotated rounds; lower is better):',
    '',
    table(
      ['primitive', 'ns/op', 'vs async-mutex Mutex'],
      Object.entries(ns).map(([k, v]) => [k, v, `${(ns['async-mutex Mutex']! / v).toFixed(2)}×`]),
    ),
    '',
    'Contended: 100 tasks each taking the lock 500 times and yielding once while holding it (median of 5 rounds; higher is better):',
    '',
    table(
      ['primitive', 'acquisitions/s', 'vs async-mutex'],
      Object.entries(ops).map(([k, v]) => [
        k,
        v,
        k.includes('Semaphore') || k.includes('semaphore')
          ? `${(v / ops['async-mutex Semaphore(4)']!).toFixed(2)}× (vs its Semaphore(4))`
          : `${(v / ops['async-mutex Mutex']!).toFixed(2)}×`,
      ]),
    ),
    '',
    `Distributed lock on a local single-member etcd (acquire of a free lock: lease grant, txn put, ` +
      `range; ${et.n} ` +
      `samples): p50 ${et.p50} ms, p90 ${et.p90} ms, p99 ${et.p99} ms.`,
    '',
    "Why holdfast is faster uncontended: a free primitive takes a numbered slot and returns that slot's cached, " +
      'already-resolved promise, so acquire allocates nothing and `release` is a method, not a closure. ' +
      'async-mutex 0.5 allocates a promise, a tuple and a releaser closure per call, and its `Mutex.acquire` is ' +
      'shipped down-levelled to ES5 (tslib `__awaiter`/`__generator`): a generator state machine wrapped around ' +
      'its Semaphore, which is why its Mutex costs several times its own Semaphore. The fair comparison for a ' +
      'counting semaphore is the Semaphore row. p-limit wraps every call in a new promise and an async function. ' +
      'Under contention every library allocates a promise per waiter; holdfast hands the lock straight to the ' +
      'head of a linked queue (FIFO, no barging) without a microtask hop per hand-over.',
  ].join('\n');
  const file = writeReport({
    name: 'locks',
    title: 'Concurrency primitives and the distributed lock (bench:locks)',
    summary,
    details: { conditions, rounds: { uncontended: un, contended: co }, nsPerOp: ns, opsPerSecond: ops, etcd: et },
    markdown,
  });
  console.log(JSON.stringify(summary), '→', file);
} finally {
  await cleanups.run();
}
