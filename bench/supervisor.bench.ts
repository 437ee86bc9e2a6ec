#!/usr/bin/env node
// npm run bench:supervisor [-- --crashes 20] [--soak-minutes 10] [--skip-peers]
//
// 1. Crash → answering again, for a small Node HTTP child, median over N crashes; minus the
//    child's own cold boot (measured here, spawned directly) = the supervisor's restart overhead.
// 2. Resident memory of the supervisor daemon running 50 programs, sampled over a soak with
//    activity (status and metrics polls, restarts, programs writing logs): it must stay flat.
// supervisord and PM2 run side by side in the same run when installed (apt-get install
// supervisor; npm i -g pm2 --prefix /tmp/pm2); otherwise peers-measured figures are cited as such.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { daemonArgv, SupervisorClient } from '@holdfast/supervisor';
import { freePort } from '@holdfast/testkit';
import { Cleanups } from './lib/cleanups.ts';
import { median, table, writeReport } from './lib/report.ts';

const { values: opts } = parseArgs({
  options: { crashes: { type: 'string', default: '20' }, 'soak-minutes': { type: 'string', default: '1' }, 'skip-peers': { type: 'boolean', default: false } },
});
const CRASHES = Number(opts.crashes);
const SOAK_MS = Number(opts['soak-minutes']) * 60_000;
const server = join(import.meta.dirname, '..', 'packages', 'supervisor', 'test', 'fixtures', 'programs', 'server.mjs');
const node = process.execPath;
const log = (s: string) => process.stderr.write(`[bench:supervisor] ${s}\n`);
const work = mkdtempSync(join(tmpdir(), 'hf-bench-'));
const cleanups = new Cleanups();
const cleanupAll = () => cleanups.run();
process.once('SIGINT', () => void cleanupAll().then(() => process.exit(130)));

/** One GET; resolves with the body, or undefined when nothing answers. */
function get(port: number, path = '/'): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 500 }, (res) => {
      let b = '';
      res.on('data', (c) => (b += c));
      res.on('end', () => resolve(b));
      res.on('error', () => resolve(undefined));
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(undefined));
    req.end();
  });
}

interface Answer {
  pid: number;
  /** The child's own boot: process start to listening, measured by the child. */
  bootMs: number;
  /** Wall-clock time the child process started (performance.timeOrigin). */
  startedAt: number;
}

/** Polls until the server answers from a pid other than `notPid`. */
async function answering(port: number, notPid: number | undefined, timeoutMs = 20_000): Promise<Answer> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const body = await get(port);
    if (body) {
      const a = JSON.parse(body) as Answer;
      if (a.pid !== notPid) return a;
    }
    await delay(1);
  }
  throw new Error(`port ${port}: no new process answered within ${timeoutMs} ms`);
}

/** One direct spawn (no supervisor): spawn → answering, and the part of it the child measured itself. */
async function directSpawn(): Promise<{ totalMs: number; bootMs: number }> {
  const port = await freePort();
  const t0 = performance.now();
  const c = spawn(node, [server], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
  const a = await answering(port, undefined);
  const totalMs = performance.now() - t0;
  c.kill('SIGKILL');
  await new Promise((r) => c.once('exit', r));
  return { totalMs, bootMs: a.bootMs };
}

async function coldBoot(runs: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) out.push((await directSpawn()).totalMs);
  return out;
}

interface Crash {
  /** Crash → answering again. */
  totalMs: number;
  /** The new child's own boot as it measured it (its process start → listening). */
  bootMs: number;
  /** The same two figures for a direct spawn just before this crash: what starting a process costs without a supervisor. */
  directTotalMs: number;
  directBootMs: number;
  /**
   * (totalMs − bootMs) − (directTotalMs − directBootMs): what the supervisor added over spawning the
   * child directly (exit detection, decision, spawn path). Paired per crash, so a loaded machine's
   * slow process starts cancel out instead of landing in the figure.
   */
  overheadMs: number;
}

/** Crashes the server `n` times (after `settleMs` of health each time) and times each return. */
async function crashLoop(name: string, port: number, n: number, settleMs: number): Promise<Crash[]> {
  let pid = (await answering(port, undefined, 30_000)).pid;
  const out: Crash[] = [];
  for (let i = 0; i < n; i++) {
    const direct = await directSpawn();
    await delay(settleMs);
    await get(port, '/crash');
    const t0 = performance.now();
    const a = await answering(port, pid, 30_000);
    pid = a.pid;
    const totalMs = performance.now() - t0;
    const overheadMs = totalMs - a.bootMs - (direct.totalMs - direct.bootMs);
    out.push({ totalMs: round(totalMs), bootMs: round(a.bootMs), directTotalMs: round(direct.totalMs), directBootMs: round(direct.bootMs), overheadMs: round(overheadMs) });
    log(`${name}: crash ${i + 1}/${n} → answering after ${Math.round(totalMs)} ms (child boot ${Math.round(a.bootMs)}; direct spawn ${Math.round(direct.totalMs)}, child boot ${Math.round(direct.bootMs)}) → overhead ${Math.round(overheadMs)} ms`);
  }
  return out;
}

function memoryOf(pid: number): { rssMB: number; pssMB: number; privateMB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
  const roll = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(roll)?.[1] ?? 0);
  return { rssMB: round(rss), pssMB: round(kb('Pss') / 1024), privateMB: round((kb('Private_Clean') + kb('Private_Dirty')) / 1024) };
}
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

function waitExit(c: ChildProcess, ms = 20_000): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return Promise.race([new Promise<void>((r) => c.once('exit', () => r())), delay(ms).then(() => void c.kill('SIGKILL'))]);
}

// ---------- holdfast ----------

async function holdfastDaemon(dir: string, programsYaml: string) {
  const file = join(dir, 'holdfast.yaml');
  writeFileSync(file, `supervisor: {socket: ${dir}/s.sock, stateDir: ${dir}/state, logDir: ${dir}/logs, logLevel: warn}\nprograms:\n${programsYaml}`);
  const d = spawn(node, daemonArgv(file), { stdio: ['ignore', 'ignore', 'inherit'] });
  const client = new SupervisorClient({ socket: join(dir, 's.sock'), timeoutMs: 60_000 });
  const stop = async () => {
    try {
      await client.shutdown();
    } catch {}
    await waitExit(d);
  };
  cleanups.push(stop);
  for (let i = 0; ; i++) {
    try {
      await client.status();
      break;
    } catch (err) {
      if (i > 600) throw err;
      await delay(50);
    }
  }
  return { pid: d.pid!, client, stop };
}

async function holdfastCrash(): Promise<Crash[]> {
  const dir = mkdtempSync(join(work, 'hf-'));
  const port = await freePort();
  // A crash after 100 ms of health restarts at once (the default resetAfterMs is 30 s).
  const h = await holdfastDaemon(dir, `  web:\n    command: [${node}, ${server}]\n    env: {PORT: ${port}}\n    ready: {tcp: ${port}}\n    backoff: {resetAfterMs: 100}\n`);
  const r = await crashLoop('holdfast', port, CRASHES, 300);
  await h.stop();
  return r;
}

// ---------- supervisord ----------

const haveSupervisord = !opts['skip-peers'] && existsSync('/usr/bin/supervisord');
const pm2Bin = ['/tmp/pm2/bin/pm2', '/usr/local/bin/pm2'].find((p) => !opts['skip-peers'] && existsSync(p));

function supervisordConf(dir: string, programs: string): string {
  const conf = join(dir, 'supervisord.conf');
  writeFileSync(
    conf,
    `[unix_http_server]\nfile=${dir}/sv.sock\n\n[supervisord]\nnodaemon=true\nlogfile=${dir}/supervisord.log\npidfile=${dir}/supervisord.pid\nchildlogdir=${dir}\n\n` +
      `[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n[supervisorctl]\nserverurl=unix://${dir}/sv.sock\n\n${programs}`,
  );
  return conf;
}

async function supervisord(dir: string, programs: string) {
  const conf = supervisordConf(dir, programs);
  const p = spawn('/usr/bin/supervisord', ['-n', '-c', conf], { stdio: 'ignore' });
  const stop = async () => {
    // supervisord stops its programs a few per loop tick (about 12 s for 50 here): give it time,
    // then remove whatever still carries its socket in its environment, so the bench leaves nothing.
    p.kill('SIGTERM');
    await waitExit(p, 120_000);
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        if (readFileSync(`/proc/${pid}/environ`, 'utf8').includes(`SUPERVISOR_SERVER_URL=unix://${dir}/sv.sock`)) process.kill(Number(pid), 'SIGKILL');
      } catch {}
    }
  };
  cleanups.push(stop);
  return { pid: p.pid!, stop };
}

async function supervisordCrash(): Promise<Crash[]> {
  const dir = mkdtempSync(join(work, 'sv-'));
  const port = await freePort();
  const s = await supervisord(dir, `[program:web]\ncommand=${node} ${server}\nenvironment=PORT="${port}"\nautorestart=true\nstartsecs=0\nstdout_logfile=${dir}/web.log\n`);
  const r = await crashLoop('supervisord', port, CRASHES, 300);
  await s.stop();
  return r;
}

// ---------- PM2 ----------

function pm2(home: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(pm2Bin!, args, { env: { ...process.env, PM2_HOME: home, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function pm2Crash(): Promise<Crash[]> {
  const home = mkdtempSync(join(work, 'pm2-'));
  const port = await freePort();
  cleanups.push(() => pm2(home, ['kill']));
  // PM2 stops restarting after 15 restarts that each came within min_uptime (1 s) of their start
  // ("errored"); on a quiet machine these crashes come sooner than that. Its restart path is the same.
  pm2(home, ['start', server, '--name', 'web', '--max-restarts', '1000'], { PORT: String(port) });
  const r = await crashLoop('pm2', port, CRASHES, 300);
  pm2(home, ['kill']);
  return r;
}

// ---------- memory with 50 programs ----------

const PROGRAMS = 50;
const TICKERS = 10;

interface SoakSample {
  atS: number;
  rssMB: number;
  /** V8 heap in use as the daemon reported it in the status poll just before. */
  heapUsedMB: number;
}

async function holdfastMemory(): Promise<{ settled: ReturnType<typeof memoryOf>; samples: SoakSample[]; gc: { runs: number; lastMs: number; totalMs: number } | null }> {
  const dir = mkdtempSync(join(work, 'hf50-'));
  let yaml = '';
  for (let i = 0; i < PROGRAMS; i++) {
    const cmd = i < TICKERS ? `"while :; do echo tick $$; sleep 0.2; done"` : 'sleep 100000';
    yaml += `  p${i}:\n    command: ${cmd}\n${i < TICKERS ? '    shell: true\n' : ''}    ready: {afterMs: 0}\n    stopTimeoutMs: 2s\n`;
  }
  const h = await holdfastDaemon(dir, yaml);
  await h.client.start('all');
  await delay(3000);
  const settled = memoryOf(h.pid);
  log(`holdfast: 50 programs READY; daemon RSS ${settled.rssMB} MB (PSS ${settled.pssMB}, private ${settled.privateMB}); soaking ${SOAK_MS / 60_000} min`);
  const samples: SoakSample[] = [];
  const t0 = performance.now();
  let n = 0;
  let st: Awaited<ReturnType<typeof h.client.status>>;
  while (performance.now() - t0 < SOAK_MS) {
    // Activity a real daemon sees: status polls, a metrics scrape, a restart now and then, logs.
    st = await h.client.status();
    if (n % 5 === 0) await h.client.metrics();
    if (n % 10 === 0) await h.client.restart(`p${TICKERS + (n / 10) % (PROGRAMS - TICKERS)}`);
    if (n % 10 === 0) {
      samples.push({ atS: round((performance.now() - t0) / 1000), rssMB: memoryOf(h.pid).rssMB, heapUsedMB: round(st.daemon.heapUsedBytes / 2 ** 20) });
      log(`  soak ${Math.round((performance.now() - t0) / 1000)} s: RSS ${samples.at(-1)!.rssMB} MB, heap used ${samples.at(-1)!.heapUsedMB} MB`);
    }
    n++;
    await delay(1000);
  }
  st = await h.client.status();
  samples.push({ atS: round((performance.now() - t0) / 1000), rssMB: memoryOf(h.pid).rssMB, heapUsedMB: round(st.daemon.heapUsedBytes / 2 ** 20) });
  // The major GCs the daemon's pacer asked for during the whole run, and what they cost.
  const gc = st.daemon.gc;
  await h.stop();
  return { settled, samples, gc };
}

async function supervisordMemory(): Promise<ReturnType<typeof memoryOf>> {
  const dir = mkdtempSync(join(work, 'sv50-'));
  let conf = '';
  for (let i = 0; i < PROGRAMS; i++) conf += `[program:p${i}]\ncommand=/bin/sleep 100000\nautorestart=true\nstdout_logfile=${dir}/p${i}.log\n\n`;
  const s = await supervisord(dir, conf);
  await delay(8000);
  const m = memoryOf(s.pid);
  await s.stop();
  return m;
}

async function pm2Memory(): Promise<ReturnType<typeof memoryOf>> {
  const home = mkdtempSync(join(work, 'pm250-'));
  cleanups.push(() => pm2(home, ['kill']));
  const apps = Array.from({ length: PROGRAMS }, (_, i) => ({ name: `p${i}`, script: '/bin/sleep', args: '100000', interpreter: 'none', autorestart: true }));
  const eco = join(home, 'ecosystem.config.json');
  writeFileSync(eco, JSON.stringify({ apps }));
  pm2(home, ['start', eco]);
  await delay(8000);
  const m = memoryOf(Number(readFileSync(join(home, 'pm2.pid'), 'utf8')));
  pm2(home, ['kill']);
  return m;
}

/** Least-squares slope of RSS over time, MB per minute. */
function slopePerMinute(s: SoakSample[]): number {
  if (s.length < 2) return 0;
  const mx = s.reduce((a, p) => a + p.atS, 0) / s.length;
  const my = s.reduce((a, p) => a + p.rssMB, 0) / s.length;
  const num = s.reduce((a, p) => a + (p.atS - mx) * (p.rssMB - my), 0);
  const den = s.reduce((a, p) => a + (p.atS - mx) ** 2, 0);
  return round((num / den) * 60, 2);
}

// ---------- run ----------

try {
  const load0 = loadavg()[0]!;
  log(`load average ${load0.toFixed(1)} on ${(await import('node:os')).availableParallelism()} cores; child cold boot: 10 direct spawns of ${server}`);
  const boot = await coldBoot(10);
  const bootMs = median(boot);
  log(`cold boot median ${Math.round(bootMs)} ms`);

  const hfCrash = await holdfastCrash();
  const svCrash = haveSupervisord ? await supervisordCrash() : undefined;
  if (!haveSupervisord) log(`supervisord ${opts['skip-peers'] ? 'skipped (--skip-peers)' : 'not installed'}: citing peers-measured.md`);
  const pmCrash = pm2Bin ? await pm2Crash() : undefined;
  if (!pm2Bin) log(`pm2 ${opts['skip-peers'] ? 'skipped (--skip-peers)' : 'not installed'}: citing peers-measured.md`);

  const hfMem = await holdfastMemory();
  const svMem = haveSupervisord ? await supervisordMemory() : undefined;
  const pmMem = pm2Bin ? await pm2Memory() : undefined;

  const overhead = (xs: Crash[]) => round(median(xs.map((c) => c.overheadMs)));
  const total = (xs: Crash[]) => round(median(xs.map((c) => c.totalMs)));
  // The classic figure (peers-measured.md's): crash → answering minus a direct spawn → answering, both
  // medians of the same run. Fair to a supervisor that runs the program through a wrapper of its own
  // (PM2's container starts inside the child's self-measured boot), but noisy on a loaded machine.
  const classic = (xs: Crash[]) => round(total(xs) - median(xs.map((c) => c.directTotalMs)));
  const hfOver = overhead(hfCrash);
  const svOver = svCrash ? overhead(svCrash) : 1050;
  const pmOver = pmCrash ? overhead(pmCrash) : 175;
  const svRss = svMem?.rssMB ?? 31.6;
  const pmRss = pmMem?.rssMB ?? 79.4;
  const soakMax = Math.max(...hfMem.samples.map((s) => s.rssMB));
  const slope = slopePerMinute(hfMem.samples);
  // RSS saw-tooths between major GCs; flat means the lows do not climb: compare each half's minimum.
  const half = Math.floor(hfMem.samples.length / 2);
  const floorFirst = Math.min(...hfMem.samples.slice(0, Math.max(1, half)).map((s) => s.rssMB));
  const floorSecond = Math.min(...hfMem.samples.slice(half).map((s) => s.rssMB));
  const gc = hfMem.gc;
  const gcMean = gc && gc.runs > 0 ? round(gc.totalMs / gc.runs) : null;
  const measured = (m: unknown) => (m ? 'measured in this run' : `peers-measured.md (${opts['skip-peers'] ? 'skipped' : 'not installed here'})`);

  const summary = {
    restart_overhead_ms_median: hfOver,
    daemon_rss_mb_50_programs: hfMem.settled.rssMB,
    daemon_pss_mb_50_programs: hfMem.settled.pssMB,
    daemon_private_mb_50_programs: hfMem.settled.privateMB,
    daemon_rss_mb_soak_max: soakMax,
    daemon_rss_slope_mb_per_min: slope,
    daemon_rss_mb_soak_floor_first_half: floorFirst,
    daemon_rss_mb_soak_floor_second_half: floorSecond,
    daemon_rss_mb_soak_min: Math.min(...hfMem.samples.map((s) => s.rssMB)),
    daemon_heap_used_mb_soak_max: Math.max(...hfMem.samples.map((s) => s.heapUsedMB)),
    // Major GCs the daemon's pacer asked for (start to end of the memory run) and their mean wall time.
    daemon_paced_gc_runs: gc?.runs ?? 0,
    daemon_paced_gc_ms_mean: gcMean ?? 0,
    soak_minutes: round(SOAK_MS / 60_000),
    child_cold_boot_ms_median: round(bootMs),
    crash_to_answering_ms_median: total(hfCrash),
    restart_overhead_ms_median_classic: classic(hfCrash),
    supervisord_restart_overhead_ms_median_classic: svCrash ? classic(svCrash) : 1050,
    pm2_restart_overhead_ms_median_classic: pmCrash ? classic(pmCrash) : 175,
    load_average_1m_at_start: round(load0),
    supervisord_restart_overhead_ms_median: svOver,
    pm2_restart_overhead_ms_median: pmOver,
    supervisord_over_holdfast_restart_overhead: round(svOver / Math.max(1, hfOver)),
    pm2_over_holdfast_restart_overhead: round(pmOver / Math.max(1, hfOver)),
    supervisord_daemon_rss_mb_50_programs: svRss,
    pm2_daemon_rss_mb_50_programs: pmRss,
    holdfast_over_pm2_rss: round(hfMem.settled.rssMB / pmRss, 2),
    holdfast_over_supervisord_rss: round(hfMem.settled.rssMB / svRss, 2),
    peers: `supervisord: ${measured(svCrash)}; pm2: ${measured(pmCrash)}`,
    target_overhead_met: hfOver <= 50,
    target_rss_met: hfMem.settled.rssMB <= 60,
    // The target holds over the soak too, not only once the programs are up.
    target_rss_soak_met: soakMax <= 60,
  };
  const row = (name: string, crash: Crash[] | undefined, over: number, mem: ReturnType<typeof memoryOf> | undefined, rss: number) => [
    name,
    crash ? Math.round(total(crash)) : '—',
    `${Math.round(over)}${name === 'holdfast' ? '' : ` (×${round(over / Math.max(1, hfOver))})`}`,
    crash ? Math.round(classic(crash)) : name.startsWith('supervisord') ? 1050 : 175,
    `${rss}${name === 'holdfast' ? '' : ` (×${round(rss / hfMem.settled.rssMB, 2)})`}`,
    mem ? `${mem.pssMB} / ${mem.privateMB}` : '—',
    crash || mem ? 'this run' : 'peers-measured.md',
  ];
  const markdown = [
    table(
      ['supervisor', 'crash → answering, median ms', 'restart overhead, median ms (× holdfast)', 'classic overhead, ms', 'daemon RSS, 50 programs, MB (× holdfast)', 'PSS / private MB', 'source'],
      [
        row('holdfast', hfCrash, hfOver, hfMem.settled, hfMem.settled.rssMB),
        row('supervisord 4.2.5', svCrash, svOver, svMem, svRss),
        row('PM2 6', pmCrash, pmOver, pmMem, pmRss),
      ],
    ),
    '',
    `Restart overhead = (crash → answering again) − (spawning the same child directly → answering), median of ${CRASHES} crashes ` +
    `each with 300 ms of health between crashes. ` +
      `Each crash is paired with a direct spawn just before it, and the child's own boot (process start → listening, measured by the ` +
      `child) is taken out of both, so a loaded machine's slow starts cancel out (a directly spawned child answers in ` +
      `${Math.round(bootMs)} ms median here). ` +
      `"Classic" is peers-measured.md's method (median crash → answering minus median direct spawn → answering): it also counts a ` +
      `wrapper the supervisor starts inside the child (PM2's container), but it is noisy on a loaded machine (load average ` +
      `${load0.toFixed(1)} on this 2-core machine at the start of the run). ` +
      `RSS is VmRSS of the daemon process with 50 programs (${TICKERS} printing a line every 200 ms, the rest idle); it counts the ` +
      `Node binary's shared pages, so PSS and private memory are shown too. ` +
      `Soak: ${round(SOAK_MS / 60_000)} min with a status poll every second, a metrics scrape every 5 s and a restart every 10 s: ` +
      `RSS max ${soakMax} MB; its low point was ${floorFirst} MB in the first half and ${floorSecond} MB in the second (slope ` +
      `${slope} MB/min; \`--soak-minutes 10\` for the full soak); ` +
      `the daemon's GC pacer (a major GC once the heap grew 1 MiB since the last) ran ${gc ? `${gc.runs} time(s)${gcMean !== null ? `, ${gcMean} ms each on average` : ''}` : 'not at all (no gc() in the daemon)'}. ` +
      `Targets: overhead ≤ 50 ms (${hfOver <= 50 ? 'met' : 'missed'}), RSS ≤ 60 MB once the programs are up (${hfMem.settled.rssMB <= 60 ? 'met' : 'missed'}) and at every sample of the soak (${soakMax <= 60 ? 'met' : 'missed'}).`,
  ].join('\n');
  const file = writeReport({
    name: 'supervisor',
    title: 'Supervisor: restart overhead and daemon memory',
    summary,
    details: { crashes: CRASHES, coldBootMs: boot.map(round), holdfastCrashes: hfCrash, supervisordCrashes: svCrash, pm2Crashes: pmCrash, holdfastMemory: hfMem, supervisordMemory: svMem, pm2Memory: pmMem, soakMinutes: SOAK_MS / 60_000 },
    markdown,
  });
  log(`wrote ${file}`);
  console.log(JSON.stringify(summary, null, 2));
} finally {
  await cleanupAll();
  rmSync(work, { recursive: true, force: true });
}
