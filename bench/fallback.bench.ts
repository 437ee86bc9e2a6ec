#!/usr/bin/env node
// `npm run bench:fallback`: what stale-if-error costs and what it saves.
//  1. Latency of the fresh, stale-if-error and fallback paths of service.dependency(), against a
//     direct call to the upstream from the same service (autocannon, one server per path).
//  2. Request success rate while Redis and then the upstream are killed mid-run, holdfast
//     side by side with cache-manager 7 + @keyv/redis (memory store in front of Redis,
//     cache.wrap; with its defaults and with nonBlocking), all on the same service stack,
//     under the same load, in the same run.
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, get } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { freePort } from '@holdfast/testkit';
import { median, table, writeReport } from './lib/report.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '16' },
    phase: { type: 'string', default: '5' },
    loops: { type: 'string', default: '8' },
  },
});
const duration = Number(values.duration);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const phaseSeconds = Number(values.phase);
const loops = Number(values.loops);
const say = (s: string) => process.stderr.write(s + '\n');

interface Proc {
  port: number;
  proc: ChildProcess;
  kill(): Promise<void>;
}
const procs: Proc[] = [];

function waitReady(proc: ChildProcess, what: string, pattern: RegExp): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (c: Buffer) => {
      out += c.toString();
      const m = pattern.exec(out);
      if (m) {
        proc.stdout!.off('data', onData);
        resolve(Number(m[1] ?? 0));
      }
    };
    proc.stdout!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`${what} exited with ${code} before it was ready:\n${out}`)));
  });
}

function track(proc: ChildProcess, port: number): Proc {
  const p: Proc = {
    port,
    proc,
    kill: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGKILL');
      }),
  };
  procs.push(p);
  return p;
}

async function startServer(file: string, env: Record<string, string>): Promise<Proc> {
  const proc = spawn(process.execPath, [fileURLToPath(new URL(`./servers/${file}`, import.meta.url))], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return track(proc, await waitReady(proc, file, /READY (\d+)/));
}

async function startRedis(): Promise<Proc & { url: string }> {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await waitReady(proc, 'redis-server', /Ready to accept connections()/);
  return { ...track(proc, port), url: `redis://127.0.0.1:${port}` };
}

function httpGet(url: string, agent: Agent, timeoutMs: number): Promise<{ status: number; cache: string | undefined; timedOut?: boolean }> {
  return new Promise((resolve) => {
    let timedOut = false;
    const req = get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, cache: res.headers['x-holdfast-cache'] as string | undefined }));
      res.on('error', () => resolve({ status: 0, cache: undefined, timedOut }));
    });
    // A whole-request deadline: a request that hangs counts as failed after timeoutMs.
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy(new Error('timeout'));
    }, timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', () => resolve({ status: 0, cache: undefined, timedOut }));
  });
}

interface Latency {
  rps: number;
  avgMs: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  marker: string | undefined;
}

async function latency(url: string): Promise<Latency> {
  await autocannon({ url, connections, duration: 1 }); // warm-up: JIT, connections, breaker state
  const agent = new Agent({ keepAlive: true });
  const marker = (await httpGet(url, agent, 2000)).cache;
  agent.destroy();
  const r = await autocannon({ url, connections, duration });
  return {
    rps: Math.round(r.requests.average),
    avgMs: r.latency.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    marker,
  };
}

try {
  // ---- part 1: latency per path ----
  say(
    `bench:fallback — part 1: latency per path ` +
      `(autocannon, ${connections} ` +
      `connections, ${duration} s after a 1 s ` +
      `warm-up, ${rounds} rounds)`,
  );
  const redis1 = await startRedis();
  const upstreamPort = await freePort();
  let upstream = await startServer('fallback-upstream.ts', { PORT: String(upstreamPort) });
  const up = () => `http://127.0.0.1:${upstream.port}`;
  const fresh = await startServer('fallback-holdfast.ts', { UPSTREAM_URL: up(), REDIS_URL: redis1.url, FRESH_MS: '600000' });
  const stale = await startServer('fallback-holdfast.ts', {
    UPSTREAM_URL: up(),
    REDIS_URL: redis1.url,
    FRESH_MS: '1',
    MAX_STALE_MS: '600000',
  });
  const fallback = await startServer('fallback-holdfast.ts', {
    UPSTREAM_URL: up(),
    REDIS_URL: redis1.url,
    FRESH_MS: '1',
    MAX_STALE_MS: '0',
  });
  const runs: Record<'direct' | 'fresh' | 'stale' | 'fallback', Latency[]> = { direct: [], fresh: [], stale: [], fallback: [] };
  const show = (label: string, l: Latency) =>
    say(`  ${label.padEnd(20)} ${String(l.rps).padStart(6)} req/s  avg ${l.avgMs} ms  p99 ${l.p99Ms} ms  [${l.marker ?? 'no marker'}]`);
  for (let round = 1; round <= rounds; round++) {
    say(` round ${round}/${rounds}`);
    if (round > 1) upstream = await startServer('fallback-upstream.ts', { PORT: String(upstreamPort) });
    // Upstream up: the direct call and the fresh path; the stale and fallback servers get their entries.
    const warm = new Agent({ keepAlive: true });
    for (const s of [stale, fallback]) await httpGet(`http://127.0.0.1:${s.port}/dep/k1`, warm, 2000);
    warm.destroy();
    const d = await latency(`http://127.0.0.1:${fresh.port}/direct/k1`);
    runs.direct.push(d);
    show('direct call', d);
    const f = await latency(`http://127.0.0.1:${fresh.port}/dep/k1`);
    runs.fresh.push(f);
    show('fresh', f);
    // Upstream killed: stale-if-error and fallback.
    await upstream.kill();
    const st = await latency(`http://127.0.0.1:${stale.port}/dep/k1`);
    runs.stale.push(st);
    show('stale-if-error', st);
    const fb = await latency(`http://127.0.0.1:${fallback.port}/dep/k1`);
    runs.fallback.push(fb);
    show('fallback', fb);
  }
  // Per path, each figure the median of its rounds (an even number of rounds averages the middle
  // two, as a median does); failures summed over every round.
  const med = (ls: Latency[], f: (l: Latency) => number) => Math.round(median(ls.map(f)) * 100) / 100;
  const pick = (ls: Latency[]): Latency => ({
    rps: Math.round(median(ls.map((l) => l.rps))),
    avgMs: med(ls, (l) => l.avgMs),
    p50Ms: med(ls, (l) => l.p50Ms),
    p99Ms: med(ls, (l) => l.p99Ms),
    non2xx: ls.reduce((a, l) => a + l.non2xx, 0),
    errors: ls.reduce((a, l) => a + l.errors, 0),
    marker: ls[0]!.marker,
  });
  const paths = { direct: pick(runs.direct), fresh: pick(runs.fresh), stale: pick(runs.stale), fallback: pick(runs.fallback) };
  for (const p of [fresh, stale, fallback, redis1]) await p.kill();

  // ---- part 2: success rate while Redis and the upstream die ----
  say(
    `\npart 2: success ` +
      `rate, ${loops} keep-alive clients per target, phases ` +
      `of ${phaseSeconds} s: all up → Redis ` +
      `killed → upstream killed too`,
  );
  const redis2 = await startRedis();
  upstream = await startServer('fallback-upstream.ts', {});
  const targets = {
    holdfast: await startServer('fallback-holdfast.ts', {
      UPSTREAM_URL: up(),
      REDIS_URL: redis2.url,
      FRESH_MS: '1000',
      MAX_STALE_MS: '600000',
    }),
    cache_manager: await startServer('fallback-cache-manager.ts', { UPSTREAM_URL: up(), REDIS_URL: redis2.url, FRESH_MS: '1000' }),
    cache_manager_nonblocking: await startServer('fallback-cache-manager.ts', {
      UPSTREAM_URL: up(),
      REDIS_URL: redis2.url,
      FRESH_MS: '1000',
      NON_BLOCKING: '1',
    }),
  };
  type Target = keyof typeof targets;
  const phases = ['all_up', 'redis_down', 'redis_and_upstream_down'] as const;
  type Phase = (typeof phases)[number];
  const blank = () => ({ ok: 0, failed: 0, timedOut: 0, markers: {} as Record<string, number> });
  const counts: Record<Target, Record<Phase, ReturnType<typeof blank>>> = {
    holdfast: { all_up: blank(), redis_down: blank(), redis_and_upstream_down: blank() },
    cache_manager: { all_up: blank(), redis_down: blank(), redis_and_upstream_down: blank() },
    cache_manager_nonblocking: { all_up: blank(), redis_down: blank(), redis_and_upstream_down: blank() },
  };
  const keys = Array.from({ length: 50 }, (_, i) => `sku-${i}`);
  const warmAgent = new Agent({ keepAlive: true });
  for (const t of Object.values(targets)) for (const k of keys) await httpGet(`http://127.0.0.1:${t.port}/dep/${k}`, warmAgent, 2000);
  warmAgent.destroy();
  let phase: Phase = 'all_up';
  let running = true;
  const loop = async (target: Target, i: number) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let n = i;
    while (running) {
      const r = await httpGet(`http://127.0.0.1:${targets[target].port}/dep/${keys[n++ % keys.length]}`, agent, 2000);
      // Counted in the phase it ended in: a request hung by a kill belongs to the outage.
      const c = counts[target][phase];
      if (r.status >= 200 && r.status < 300) c.ok++;
      else c.failed++;
      if (r.timedOut) c.timedOut++;
      if (r.cache) c.markers[r.cache] = (c.markers[r.cache] ?? 0) + 1;
    }
    agent.destroy();
  };
  const running_ = (Object.keys(targets) as Target[]).flatMap((target) => Array.from({ length: loops }, (_, i) => loop(target, i)));
  const progress = setInterval(() => {
    const h = counts.holdfast[phase];
    const c = counts.cache_manager[phase];
    const n = counts.cache_manager_nonblocking[phase];
    say(
      `  ${phase.padEnd(24)} ` +
        `holdfast ${h.ok} ok ` +
        `/ ${h.failed} ` +
        `failed   cache-manager ${c.ok} ok ` +
        `/ ${c.failed} failed ` +
        `(${c.timedOut} hung)   nonBlocking ${n.ok} ok / ${n.failed} failed (${n.timedOut} hung)`,
    );
  }, 1000);
  await new Promise((r) => setTimeout(r, phaseSeconds * 1000));
  phase = 'redis_down';
  await redis2.kill();
  await new Promise((r) => setTimeout(r, phaseSeconds * 1000));
  phase = 'redis_and_upstream_down';
  await upstream.kill();
  await new Promise((r) => setTimeout(r, phaseSeconds * 1000));
  running = false;
  await Promise.all(running_);
  clearInterval(progress);

  const rate = (t: Target, p: Phase) => {
    const c = counts[t][p];
    return c.ok + c.failed === 0 ? 0 : Math.round((c.ok / (c.ok + c.failed)) * 10_000) / 10_000;
  };
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  const summary = {
    success_rate_redis_and_upstream_down: rate('holdfast', 'redis_and_upstream_down'),
    success_rate_redis_down: rate('holdfast', 'redis_down'),
    cache_manager_success_rate_redis_and_upstream_down: rate('cache_manager', 'redis_and_upstream_down'),
    cache_manager_success_rate_redis_down: rate('cache_manager', 'redis_down'),
    cache_manager_nonblocking_success_rate_redis_and_upstream_down: rate('cache_manager_nonblocking', 'redis_and_upstream_down'),
    cache_manager_nonblocking_success_rate_redis_down: rate('cache_manager_nonblocking', 'redis_down'),
    fresh_vs_direct_latency: ratio(paths.fresh.avgMs, paths.direct.avgMs),
    stale_vs_direct_latency: ratio(paths.stale.avgMs, paths.direct.avgMs),
    fallback_vs_direct_latency: ratio(paths.fallback.avgMs, paths.direct.avgMs),
    fresh_vs_direct_rps: ratio(paths.fresh.rps, paths.direct.rps),
  };
  const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
  const latencyRows = (['direct', 'fresh', 'stale', 'fallback'] as const).map((p) => {
    const l = paths[p];
    return [
      p === 'direct' ? 'direct call to the upstream' : `dependency(): ${l.marker}`,
      l.rps.toLocaleString('en-US'),
      `${l.avgMs} ms`,
      `${l.p99Ms} ms`,
      p === 'direct' ? '1.00' : ratio(l.avgMs, paths.direct.avgMs).toFixed(2),
      l.non2xx + l.errors,
    ];
  });
  const markers = (m: Record<string, number>) =>
    Object.entries(m)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  const total = (t: Target, p: Phase) => counts[t][p].ok + counts[t][p].failed;
  const rateRows = phases.map((p) => [
    p.replaceAll('_', ' '),
    `${pct(rate('holdfast', p))} of ${total('holdfast', p)}`,
    markers(counts.holdfast[p].markers),
    `${pct(rate('cache_manager', p))} of ${total('cache_manager', p)} (${counts.cache_manager[p].timedOut} hung)`,
    `${pct(rate('cache_manager_nonblocking', p))} ` +
      `of ${total('cache_manager_nonblocking', p)} ` +
      `(${counts.cache_manager_nonblocking[p].timedOut} hung)`,
  ]);
  const file = writeReport({
    name: 'fallback',
    title: 'Stale-if-error fallback (bench:fallback)',
    summary,
    details: { duration, rounds, connections, phaseSeconds, loops, paths, runs, counts },
    markdown:
      `**Latency per path** (one holdfast service per path, Redis up, ` +
      `autocannon ${connections} ` +
      `connections, ${duration} s, median of ${rounds} rounds; absolute figures depend on what else the machine runs, the ratios less so):

${table(['path', 'req/s', 'avg latency', 'p99', 'latency ÷ direct', 'errors + non-2xx'], latencyRows)}

The stale-if-error and fallback rows run with the upstream killed: the breaker is open, so they cost a memory read, a ` +
      `Redis read and a breaker check, not a timeout.

**Success rate while things die** ` +
      `(${loops} keep-alive clients per ` +
      `target, ${phaseSeconds} s per phase, 2 s client ` +
      `timeout, 50 keys warmed, freshness/TTL 1 s, holdfast maxStale 10 min):

${table(
  [
    'phase',
    'holdfast: success of ' + 'requests',
    'holdfast x-holdfast-cache',
    'cache-manager 7 + @keyv/redis ' + '(defaults)',
    'cache-manager, nonBlocking: true',
  ],
  rateRows,
)}

Same service stack for all; only the cache differs. "hung" counts requests that got no answer within the 2 s client ` +
      `deadline. A request counts in the phase in which it ended. cache-manager has no stale-if-error: once an ` +
      `entry's TTL passes with the upstream down, \`wrap\` rethrows the upstream's error; and with Redis dead, a ` +
      `read whose memory entry has expired waits on the Redis store (default settings and \`nonBlocking: true\` ` +
      `alike) instead of going to the upstream or answering from memory.`,
  });
  say(
    `\nholdfast success with Redis and upstream ` +
      `down: ${pct(summary.success_rate_redis_and_upstream_down)} ` +
      (`(cache-manager: ${pct(summary.cache_manager_success_rate_redis_and_upstream_down)}, ` +
        `nonBlocking: ${pct(summary.cache_manager_nonblocking_success_rate_redis_and_upstream_down)})\nwrote ${file}`),
  );
} finally {
  for (const p of procs) await p.kill();
}
