#!/usr/bin/env node
// npm run bench:incidents [-- --flood 100000] [--storm 10000] [--storm-seconds 60] [--batch 1000]
//
// The incident loop in the real daemon (lite mode, 50 programs supervised), beside Alertmanager
// (the Debian prometheus-alertmanager, the peer every team already runs) in the same run:
// 1. Flood: 100,000 signals across 50 programs (500 distinct faults) posted to the daemon's
//    /v1/signals in batches as fast as it takes them: the sustained ingest rate. The peer gets
//    the same 100,000 as alerts on POST /api/v2/alerts.
// 2. Paced storm: 10,000 new signals (500 new faults) spread evenly over one minute, group_wait
//    0: the time from a fault's first signal to the notification of it arriving at a webhook
//    receiver. The peer: the same alerts, group_wait 0s, to its webhook.
// 3. Lost: signals not counted into an incident (both runs) and faults nobody was told of.
// 4. The daemon's resident memory with the loop on (idle, after the flood, after the storm) and
//    off (the same 50 programs).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { daemonArgv, IncidentsClient, SupervisorClient } from '@holdfast/supervisor';
import { freePort } from '@holdfast/testkit';
import type { Signal } from '@holdfast/insight';
import { Cleanups } from './lib/cleanups.ts';
import { table, writeReport } from './lib/report.ts';

const { values: opts } = parseArgs({
  options: {
    flood: { type: 'string', default: '100000' },
    storm: { type: 'string', default: '10000' },
    'storm-seconds': { type: 'string', default: '60' },
    batch: { type: 'string', default: '1000' },
    programs: { type: 'string', default: '50' },
    faults: { type: 'string', default: '10' },
  },
});
const FLOOD = Number(opts.flood);
const STORM = Number(opts.storm);
const STORM_MS = Number(opts['storm-seconds']) * 1000;
const BATCH = Number(opts.batch);
const PROGRAMS = Number(opts.programs);
const FAULTS = Number(opts.faults);
const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
const log = (s: string) => process.stderr.write(`[bench:incidents] ${s}\n`);
const work = mkdtempSync(join(tmpdir(), 'hf-bench-incidents-'));
const cleanups = new Cleanups();
process.once('SIGINT', () => void cleanups.run().then(() => process.exit(130)));

/** A webhook receiver that stamps the arrival of the first notification of each fault. */
async function sink(
  keyOf: (body: any) => string[],
): Promise<{ url: string; first: Map<string, number>; requests: () => number; server: Server }> {
  const port = await freePort();
  const first = new Map<string, number>();
  let requests = 0;
  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => {
      const at = Date.now();
      requests++;
      for (const k of keyOf(JSON.parse(raw))) if (!first.has(k)) first.set(k, at);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${port}/`, first, requests: () => requests, server };
}

function post(url: string, body: unknown): Promise<number> {
  const text = JSON.stringify(body);
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.once('error', reject);
    req.end(text);
  });
}

const fault = (i: number) => ({ program: `${i % PROGRAMS}`, fault: `${Math.floor(i / PROGRAMS) % FAULTS}` });
function signal(run: string, i: number): Signal {
  const f = fault(i);
  return {
    kind: 'log.error',
    at: Date.now(),
    summary: `${run}: fault ${f.fault} in p${f.program} after ${i} ms`,
    program: `${run}-p${f.program}`,
    template: { id: `${run}-f${f.fault}`, text: `fault ${f.fault} in p<n> after <n> ms` },
  };
}
function alert(run: string, i: number) {
  const f = fault(i);
  return {
    labels: { alertname: `${run}-f${f.fault}`, program: `${run}-p${f.program}`, severity: 'warning' },
    annotations: { summary: `fault ${f.fault} after ${i} ms` },
    startsAt: new Date().toISOString(),
  };
}

interface Daemon {
  client: SupervisorClient;
  incidents: IncidentsClient;
  proc: ChildProcess;
  stop: () => Promise<void>;
}

async function daemon(name: string, incidentsYaml: string): Promise<Daemon> {
  const dir = join(work, name);
  mkdirSync(dir);
  const programs = Array.from({ length: PROGRAMS }, (_, i) => `  p${i}:\n    command: [sleep, '1000000']\n    ready: {afterMs: 0}\n`).join(
    '',
  );
  writeFileSync(
    join(dir, 'holdfast.yaml'),
    `supervisor:\n  socket: ${dir}/s.sock\n  stateDir: ${dir}/state\n  logLevel: warn\nprograms:\n${programs}${incidentsYaml}`,
  );
  const proc = spawn(process.execPath, daemonArgv(join(dir, 'holdfast.yaml')), { stdio: ['ignore', 'inherit', 'inherit'] });
  const client = new SupervisorClient({ socket: `${dir}/s.sock`, timeoutMs: 120_000 });
  const stop = async () => {
    await client.shutdown().catch(() => {});
    await Promise.race([new Promise((r) => proc.once('exit', r)), delay(30_000)]);
    proc.kill('SIGKILL');
  };
  cleanups.push(stop);
  for (let i = 0; ; i++) {
    try {
      if ((await client.status()).programs.every((p) => p.state === 'READY')) break;
    } catch {}
    if (i > 300) throw new Error(`the ${name} daemon did not come up`);
    await delay(100);
  }
  return { client, incidents: new IncidentsClient({ socket: `${dir}/s.sock`, timeoutMs: 120_000 }), proc, stop };
}

const rssMb = async (c: SupervisorClient) => Math.round(((await c.status()).daemon.rssBytes / 1e6) * 10) / 10;
const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]! : NaN;
};

async function alertmanager(webhook: string): Promise<string> {
  if (!existsSync(ALERTMANAGER))
    throw new Error(`${ALERTMANAGER} is missing: apt-get install prometheus-alertmanager (the peer of this benchmark)`);
  const port = await freePort();
  const dir = join(work, 'alertmanager');
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'am.yml'),
    `route:\n  receiver: sink\n  group_by: ['...']\n  group_wait: 0s\n  group_interval: 1s\n  repeat_interval: 24h\n` +
      `receivers:\n  - name: sink\n    webhook_configs: [{url: '${webhook}'}]\n`,
  );
  const proc = spawn(
    ALERTMANAGER,
    [
      `--config.file=${dir}/am.yml`,
      `--storage.path=${dir}/data`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=error',
    ],
    { stdio: 'inherit' },
  );
  cleanups.push(() => proc.kill('SIGKILL'));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {}
    if (i > 200) throw new Error('Alertmanager did not come up');
    await delay(100);
  }
  return url;
}

/** Sends `total` items, `make(run, i)`, in batches through `send`, as fast as it takes them. */
async function flood(send: (batch: unknown[]) => Promise<void>, make: (i: number) => unknown, total: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < total; i += BATCH) {
    const batch: unknown[] = [];
    for (let k = i; k < Math.min(total, i + BATCH); k++) batch.push(make(k));
    await send(batch);
  }
  return performance.now() - t0;
}

/** Sends `total` items evenly over STORM_MS (one request per 10 ms tick); returns when each fault was first sent. */
async function paced(
  send: (batch: unknown[]) => Promise<void>,
  make: (i: number) => unknown,
  key: (i: number) => string,
  total: number,
): Promise<Map<string, number>> {
  const firstSent = new Map<string, number>();
  const start = performance.now();
  let i = 0;
  while (i < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / STORM_MS) * total) + 1);
    const batch: unknown[] = [];
    const now = Date.now();
    for (; i < due; i++) {
      batch.push(make(i));
      if (!firstSent.has(key(i))) firstSent.set(key(i), now);
    }
    if (batch.length) await send(batch);
    await delay(10);
  }
  return firstSent;
}

try {
  // Resident memory without the loop, for the difference.
  log(`the daemon without the incident loop: ${PROGRAMS} programs`);
  const off = await daemon('off', '');
  await delay(5000);
  const rssOff = await rssMb(off.client);
  await off.stop();

  const hfSink = await sink(
    (b: { incidents: { program: string; labels: Record<string, string>; kind: string; action: string; summary: string }[] }) =>
      b.incidents.filter((i) => i.action === 'trigger').map((i) => `${i.program}|${/fault (\d+)/.exec(i.summary)?.[1]}`),
  );
  const hf = await daemon(
    'on',
    `incidents:\n  quietPeriod: 1h\n  receivers: [{name: sink, type: webhook, url: ` +
      `'${hfSink.url}'}]\n  routes: ` +
      `[{receiver: sink, groupBy: ['...'], groupWait: 0, groupInterval: 0}]\n`,
  );
  await delay(5000);
  const rssIdle = await rssMb(hf.client);
  log(`daemon RSS: ${rssOff} MB without the loop, ${rssIdle} MB with it (idle)`);

  const amSink = await sink((b: { alerts: { status: string; labels: Record<string, string> }[] }) =>
    b.alerts.filter((a) => a.status === 'firing').map((a) => `${a.labels.program}|${a.labels.alertname?.replace(/^.*-f/, '')}`),
  );
  const am = await alertmanager(amSink.url);

  // 1. Flood
  log(`flood: ${FLOOD.toLocaleString('en')} signals in batches of ${BATCH}, ${PROGRAMS * FAULTS} faults`);
  const hfFloodMs = await flood(
    async (b) => void (await hf.incidents.signals(b as Signal[])),
    (i) => signal('flood', i),
    FLOOD,
  );
  const rssFlood = await rssMb(hf.client);
  const amFloodMs = await flood(
    async (b) => void (await post(`${am}/api/v2/alerts`, b)),
    (i) => alert('flood', i),
    FLOOD,
  );
  const floodIncidents = (await hf.incidents.list({ state: 'all', limit: 10_000 })).filter((i) => i.program?.startsWith('flood-'));
  const floodCounted = floodIncidents.reduce((n, i) => n + i.count, 0);
  log(
    `flood: holdfast ${Math.round((FLOOD / hfFloodMs) * 1000)}/s ` +
      `(${floodIncidents.length} ` +
      `incidents, ${floodCounted} ` +
      `counted), Alertmanager ${Math.round((FLOOD / amFloodMs) * 1000)}/s`,
  );

  // 2. Paced storm
  log(`paced storm: ${STORM.toLocaleString('en')} new signals over ${STORM_MS / 1000} s, group_wait 0`);
  const key = (run: string) => (i: number) => `${run}-p${fault(i).program}|${fault(i).fault}`;
  const hfSent = await paced(
    async (b) => void (await hf.incidents.signals(b as Signal[])),
    (i) => signal('storm', i),
    key('storm'),
    STORM,
  );
  await delay(3000);
  const rssStorm = await rssMb(hf.client);
  const amSent = await paced(
    async (b) => void (await post(`${am}/api/v2/alerts`, b)),
    (i) => alert('storm', i),
    key('storm'),
    STORM,
  );
  await delay(3000);
  const lat = (sent: Map<string, number>, got: Map<string, number>) => [...sent].flatMap(([k, t]) => (got.has(k) ? [got.get(k)! - t] : []));
  const hfLat = lat(hfSent, hfSink.first);
  const amLat = lat(amSent, amSink.first);
  const stormIncidents = (await hf.incidents.list({ state: 'all', limit: 10_000 })).filter((i) => i.program?.startsWith('storm-'));
  const stormCounted = stormIncidents.reduce((n, i) => n + i.count, 0);
  const notTold = hfSent.size - hfLat.length;
  const lost = FLOOD - floodCounted + (STORM - stormCounted) + notTold;
  const status = (await hf.client.status()).daemon;
  await delay(20_000);
  const rssSettled = await rssMb(hf.client);
  log(
    `storm: holdfast ` +
      `p99 ${pct(hfLat, 0.99)} ms ` +
      `(${hfLat.length}/${hfSent.size} faults told), Alertmanager ` +
      (`p99 ${pct(amLat, 0.99)} ms ` +
        `(${amLat.length}/${amSent.size}); ` +
        `lost ${lost}; ` +
        `RSS ${rssFlood} MB after the ` +
        `flood, ${rssStorm} after the storm, ${rssSettled} 20 s later`),
  );

  const signalsPerS = Math.round((FLOOD / hfFloodMs) * 1000);
  const amPerS = Math.round((FLOOD / amFloodMs) * 1000);
  const summary = {
    signals_per_s: signalsPerS,
    notify_p99_ms: pct(hfLat, 0.99),
    lost,
    dedup_ratio: Math.round((FLOOD / floodIncidents.length) * 10) / 10,
    notify_p50_ms: pct(hfLat, 0.5),
    alertmanager_alerts_per_s: amPerS,
    alertmanager_notify_p99_ms: pct(amLat, 0.99),
    alertmanager_notify_p50_ms: pct(amLat, 0.5),
    ingest_ratio_vs_alertmanager: Math.round((signalsPerS / amPerS) * 100) / 100,
    daemon_rss_mb_loop_off: rssOff,
    daemon_rss_mb_loop_on_idle: rssIdle,
    daemon_rss_mb_after_flood: rssFlood,
    daemon_rss_mb_after_storm: rssStorm,
    daemon_rss_mb_settled: rssSettled,
    targets_met: signalsPerS >= 5000 && pct(hfLat, 0.99) <= 1000 && lost === 0,
  };
  const markdown = [
    `The incident loop inside the supervisor daemon ` +
      `(\`--lite-mode\`, ${PROGRAMS} programs supervised) beside ` +
      (`Alertmanager ${'0.25'} (Debian's prometheus-alertmanager) in the same run. ` +
        (`Flood: ${FLOOD.toLocaleString('en')} ` +
          `signals, ${PROGRAMS * FAULTS} distinct faults, posted in batches ` +
          (`of ${BATCH} as fast as each accepts them (holdfast: \`POST /v1/signals\` on the control socket; ` +
            `Alertmanager: \`POST /api/v2/alerts\`). Paced ` +
            `storm: ${STORM.toLocaleString('en')} signals ` +
            `of ${PROGRAMS * FAULTS} new faults spread evenly ` +
            `over ${STORM_MS / 1000} s, group_wait 0 (Alertmanager: \`group_wait: 0s\`, \`group_by: ['...']\`), ` +
            `latency from a fault's first signal to its first notification at a webhook receiver.`))),
    '',
    table(
      ['', 'holdfast', 'Alertmanager', 'target'],
      [
        ['flood ingest, signals/s', signalsPerS, amPerS, '≥ 5,000'],
        ['ratio holdfast / Alertmanager', summary.ingest_ratio_vs_alertmanager, 1, ''],
        ['incidents (flood)', floodIncidents.length, '–', ''],
        ['dedup ratio (signals per incident)', summary.dedup_ratio, '–', ''],
        ['signal → notification p50, ms', summary.notify_p50_ms, summary.alertmanager_notify_p50_ms, ''],
        ['signal → notification p99, ms', summary.notify_p99_ms, summary.alertmanager_notify_p99_ms, '≤ 1,000'],
        ['faults told (storm)', `${hfLat.length}/${hfSent.size}`, `${amLat.length}/${amSent.size}`, 'all'],
        ['lost (signals uncounted + faults untold)', lost, '–', '0'],
      ],
    ),
    '',
    table(
      ['daemon RSS, MB', 'loop off', 'loop on, idle', 'after the flood', 'after the storm', '20 s later'],
      [['', rssOff, rssIdle, rssFlood, rssStorm, rssSettled]],
    ),
    '',
    'How to read it: the ingest rate is end to end (JSON over the control socket, validation, classification, ' +
      'grouping, the state machine; the store written a few times a second in one transaction). Alertmanager ' +
      'notifies on its own schedule after `group_wait` (its dispatcher and its webhook notifier); holdfast sends ' +
      "a new incident's trigger from the ingest call itself, up to 8 requests in flight per receiver. The RSS " +
      "after the flood includes the garbage of the parsed batches until the daemon's GC pacer collects it.",
  ].join('\n');
  const file = writeReport({
    name: 'incidents',
    title: 'Incident loop: ingest, notification latency, losses, daemon memory',
    summary,
    details: {
      flood: FLOOD,
      storm: STORM,
      stormMs: STORM_MS,
      batch: BATCH,
      programs: PROGRAMS,
      faults: FAULTS,
      holdfast: {
        floodMs: hfFloodMs,
        floodIncidents: floodIncidents.length,
        floodCounted,
        stormIncidents: stormIncidents.length,
        stormCounted,
        stormLatencies: hfLat,
        sinkRequests: hfSink.requests(),
        incidentsStatus: status.incidents,
      },
      alertmanager: { floodMs: amFloodMs, stormLatencies: amLat, sinkRequests: amSink.requests() },
    },
    markdown,
  });
  log(`wrote ${file}`);
  console.log(JSON.stringify(summary, null, 2));
} finally {
  await cleanups.run();
  rmSync(work, { recursive: true, force: true });
}
