#!/usr/bin/env node
// npm run bench:reload [-- --reloads 20] [--skip-peers]
//
// Requests served and failed across N rolling reloads of a 2-instance service under continuous
// load (clients with keep-alive and without, every request counted), for holdfast and, in the
// same run on the same app, PM2 in cluster mode twice: as most run it (`pm2 start app -i 2`: a
// new worker counts as up when it listens, the old one is killed 1.6 s after SIGINT), and at its
// best (--wait-ready so PM2 waits for the new worker's `ready` message, a 10 s kill timeout so the
// old one can drain). The app is a @holdfast/service app (bench/servers/reload-app.ts): the same
// drain on SIGTERM and SIGINT under both, so the difference is the supervisor's mechanism (a
// shared listening fd and readiness by the instance's own notice, vs cluster round-robin). PM2
// from `npm i -g pm2 --prefix /tmp/pm2`; without it, peers-measured.md's figures are cited,
// labelled as such.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { daemonArgv, SupervisorClient } from '@holdfast/supervisor';
import { freePort, startLoad, type LoadStats } from '@holdfast/testkit';
import { Cleanups } from './lib/cleanups.ts';
import { table, writeReport } from './lib/report.ts';

const { values: opts } = parseArgs({
  options: { reloads: { type: 'string', default: '20' }, 'skip-peers': { type: 'boolean', default: false } },
});
const RELOADS = Number(opts.reloads);
const app = join(import.meta.dirname, 'servers', 'reload-app.ts');
const node = process.execPath;
const log = (s: string) => process.stderr.write(`[bench:reload] ${s}\n`);
const work = mkdtempSync(join(tmpdir(), 'hf-bench-reload-'));
const pm2Bin = ['/tmp/pm2/bin/pm2', '/usr/local/bin/pm2'].find((p) => !opts['skip-peers'] && existsSync(p));
const run = promisify(execFile);
const cleanups = new Cleanups();
const cleanupAll = () => cleanups.run();
let interrupted = false;
process.once('SIGINT', () => {
  interrupted = true;
  log('interrupted: stopping the load, the supervisors and their programs');
  void cleanupAll().then(() => {
    rmSync(work, { recursive: true, force: true });
    process.exit(130);
  });
});

interface Run {
  name: string;
  reloads: number;
  seconds: number;
  keepAlive: LoadStats;
  close: LoadStats;
  reloadMs: number[];
}

/** Load with and without keep-alive while `reloadOnce` runs `RELOADS` times. */
async function underLoad(name: string, port: number, reloadOnce: () => Promise<void>): Promise<Run> {
  const url = `http://127.0.0.1:${port}`;
  const keepAlive = startLoad(url, { keepAlive: true, concurrency: 4, pauseMs: 2 });
  const close = startLoad(url, { keepAlive: false, concurrency: 3, pauseMs: 2 });
  cleanups.push(
    () => keepAlive.stop(),
    () => close.stop(),
  );
  while (keepAlive.stats.ok < 50 || close.stats.ok < 50) await delay(50);
  const t0 = performance.now();
  const reloadMs: number[] = [];
  for (let i = 1; i <= RELOADS && !interrupted; i++) {
    const r0 = performance.now();
    await reloadOnce();
    reloadMs.push(Math.round(performance.now() - r0));
    if (i % 5 === 0 || i === RELOADS)
      log(
        `${name}: reload ${i}/${RELOADS}, ${keepAlive.stats.failed + close.stats.failed} failed ` +
          `of ${keepAlive.stats.requests + close.stats.requests} so far`,
      );
  }
  // A last stretch of traffic after the final reload, so a late failure is counted too.
  await delay(1000);
  const stats = { keepAlive: await keepAlive.stop(), close: await close.stop() };
  return { name, reloads: RELOADS, seconds: Math.round((performance.now() - t0) / 100) / 10, ...stats, reloadMs };
}

// ---------- holdfast ----------

async function holdfast(): Promise<Run> {
  const dir = mkdtempSync(join(work, 'hf-'));
  const port = await freePort();
  const file = join(dir, 'holdfast.yaml');
  writeFileSync(
    file,
    `supervisor: {socket: ${dir}/s.sock, stateDir: ${dir}/state, logLevel: warn}\nprograms:\n  web:\n    command: [${node}, ` +
      `${app}]\n    instances: 2\n` +
      `    listen: [{port: ${port}, host: 127.0.0.1}]\n    ready: {notify: true, timeoutMs: 60s}\n    stopTimeoutMs: 15s\n`,
  );
  const daemon = spawn(node, daemonArgv(file), { stdio: ['ignore', 'ignore', 'inherit'] });
  const client = new SupervisorClient({ socket: join(dir, 's.sock'), timeoutMs: 600_000 });
  const stop = async () => {
    try {
      await client.shutdown();
    } catch {}
    if (daemon.exitCode === null) await new Promise((r) => daemon.once('exit', r));
  };
  cleanups.push(stop);
  for (;;) {
    try {
      if ((await client.status()).programs.every((p) => p.state === 'READY')) break;
    } catch {}
    await delay(100);
  }
  const r = await underLoad('holdfast', port, async () => {
    await client.reload('web');
  });
  await stop();
  return r;
}

// ---------- PM2 ----------

async function pm2(tuned: boolean): Promise<{ run: Run; version: string }> {
  const home = mkdtempSync(join(work, 'pm2-'));
  const port = await freePort();
  const env = { ...process.env, PM2_HOME: home, PORT: String(port) };
  const pm = (args: string[]) => run(pm2Bin!, args, { env, maxBuffer: 1 << 24 });
  cleanups.push(() => pm(['kill']));
  const version = (await pm(['-v'])).stdout.trim().split('\n').pop()!;
  const flags = tuned ? ['--wait-ready', '--listen-timeout', '60000', '--kill-timeout', '10000'] : [];
  await pm(['start', app, '-i', '2', '--name', 'web', '--interpreter', node, ...flags]);
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
    if (res?.ok) break;
    await delay(100);
  }
  const r = await underLoad(tuned ? 'pm2 (wait-ready)' : 'pm2 (defaults)', port, async () => {
    await pm(['reload', 'web']);
  });
  await pm(['kill']);
  return { run: r, version };
}

// ---------- report ----------

const total = (r: Run) => ({ requests: r.keepAlive.requests + r.close.requests, failed: r.keepAlive.failed + r.close.failed });
const pct = (failed: number, requests: number) => Math.round((failed / Math.max(1, requests)) * 1e4) / 100;
const kinds = (s: LoadStats) =>
  Object.entries(s.failures)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ') || '-';

try {
  log(`${RELOADS} reloads each, 2 instances, load average ${loadavg()[0]!.toFixed(1)} at start`);
  const hf = await holdfast();
  const pmDefaults = pm2Bin ? await pm2(false) : undefined;
  const pmRun = pm2Bin ? await pm2(true) : undefined;
  if (!pm2Bin) log(`pm2 ${opts['skip-peers'] ? 'skipped (--skip-peers)' : 'not installed'}: citing peers-measured.md`);
  const h = total(hf);
  const p = pmRun ? total(pmRun.run) : undefined;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const row = (name: string, r: Run) => {
    const t = total(r);
    return [
      name,
      r.reloads,
      t.requests,
      t.failed,
      `${pct(t.failed, t.requests)} %`,
      `${r.keepAlive.failed} of ${r.keepAlive.requests} (${kinds(r.keepAlive)})`,
      `${r.close.failed} of ${r.close.requests} (${kinds(r.close)})`,
      `${(median(r.reloadMs) / 1000).toFixed(1)} s`,
    ];
  };
  const rows = [row('holdfast (shared fd, notify readiness)', hf)];
  if (pmDefaults) rows.push(row(`PM2 ${pmDefaults.version} cluster, defaults`, pmDefaults.run));
  if (pmRun) rows.push(row(`PM2 ${pmRun.version} cluster, --wait-ready, kill timeout 10 s`, pmRun.run));
  const d = pmDefaults ? total(pmDefaults.run) : undefined;
  const file = writeReport({
    name: 'reload',
    title: 'Rolling reload under load',
    summary: {
      reloads: RELOADS,
      requests: h.requests,
      failed: h.failed,
      failed_pct: pct(h.failed, h.requests),
      // A peer that did not run in this run: null, never a figure from elsewhere.
      pm2_requests: p?.requests ?? null,
      pm2_failed: p?.failed ?? null,
      pm2_failed_pct: p ? pct(p.failed, p.requests) : null,
      pm2_defaults_requests: d?.requests ?? null,
      pm2_defaults_failed: d?.failed ?? null,
      pm2_defaults_failed_pct: d ? pct(d.failed, d.requests) : null,
      peer: pmRun ? `pm2 ${pmRun.version}, measured in this run` : 'pm2 not measured in this run (its figures are null)',
    },
    details: { holdfast: hf, pm2WaitReady: pmRun ?? null, pm2Defaults: pmDefaults ?? null, loadAverageAtEnd: loadavg()[0] },
    markdown:
      table(
        [
          'supervisor',
          'reloads',
          'requests',
          'failed',
          'failed %',
          'keep-alive clients: failed',
          'no keep-alive: failed',
          'one reload (median)',
        ],
        rows,
      ) +
      `\n\nOne app for both (bench/servers/reload-app.ts, a @holdfast/service app that drains on SIGTERM and SIGINT), 2 instances, 4 ` +
      `keep-alive and 3 non-keep-alive client loops for the whole run, every request counted (a failure is any non-200, reset, ` +
      `refusal or hang of 10 s). ` +
      `holdfast replaces each instance start-before-stop on the socket it holds (docs/reload.md); PM2 reloads its cluster workers ` +
      `one after the other, with its defaults (a new worker is up when it listens; the old one gets SIGINT and SIGKILL 1.6 s later) ` +
      `and with \`--wait-ready --kill-timeout 10000\` (it waits for the new worker's \`ready\` message, which @holdfast/service ` +
      `sends under PM2, and gives the old one 10 s to drain). ` +
      `An app that drains itself is most of the work: peers-measured.md's 0.16 % failed for \`pm2 reload\` is with an app that exits ` +
      `with requests in flight. What the supervisor adds (docs/reload.md): a socket that stays open across restarts and reloads, ` +
      `readiness proved by the new instance itself, a failed deploy stopped with the old instances serving, and all of it for ` +
      `programs in any language. ` +
      (pmRun
        ? ''
        : 'PM2 was not installed: peers-measured.md reports about 0.16 % failed for `pm2 reload` of 2 instances with ' +
          'keep-alive clients (not measured in this run). ') +
      `The reload time includes each new instance's boot (the service runtime loads in about a second on an idle 2-core machine, ` +
      `several on a loaded one). ` +
      `A refused connection fails at once and its client loop sends the next request 2 ms later, so refusals weigh in proportion to ` +
      `how long the port was closed: a percentage of requests, not of users.`,
  });
  log(
    `holdfast: ${h.failed} failed ` +
      `of ${h.requests}${
        d ? `; pm2 ` + `defaults: ${d.failed} failed ` + `of ${d.requests}` : ''
      }${p ? `; pm2 wait-ready: ${p.failed} failed of ${p.requests}` : ''}. Written ${file}`,
  );
} finally {
  await cleanupAll();
  rmSync(work, { recursive: true, force: true });
}
