// `holdfast drill alerts --storm N`: the guide's "alert storm" drill. N synthetic signals across
// programs go through the real pipeline (classification, grouping, routing, delivery) of the
// running daemon, or with --local through a private one with its own store and receiver; the
// report says how many incidents came of them, the deduplication ratio, notifications sent and
// held back, time to the first notification, and whether anything was lost.
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StormReport } from '@holdfast/insight';
import { duration, integer, parse } from '../args.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { incidentsClient } from './incidents-shared.ts';
import { connectionHelp, connectionOptions } from './supervisor-shared.ts';

const usage = `Usage: holdfast drill alerts --storm N [--programs P] [--faults F] [--spread 60s] [--local] [--json]

Fires N synthetic signals (kind drill.synthetic, labels drill="true" and run="<id>") spread over
P programs with F distinct faults each, through the daemon's incident loop: they are classified,
grouped, routed and delivered to the configured receivers like any other (route drill="true"
elsewhere, or silence it, if nobody should be paged). The drill's incidents are resolved at the
end. --local runs the same pipeline in this process instead, with a temporary store and a
local webhook receiver, for a machine without a daemon.

Reports: incidents created, deduplication ratio (signals per incident), notifications sent,
held back and failed, time to the first notification, signal-to-notification p50/p99, and what
was lost (signals not counted into an incident, incidents nobody was told of: must be 0).
Exit code 0 when nothing was lost and nothing failed, 1 otherwise.

Options:
  --storm      signals to fire (required)
  --programs   programs to spread them over (default 10)
  --faults     distinct faults per program (default 5)
  --spread     send them evenly over this long (default: as fast as they are taken)
  --local      run a private pipeline here instead of the daemon's
  --json       the report as JSON
${connectionHelp}

Examples:
  holdfast drill alerts --storm 10000 -c holdfast.yaml
  holdfast drill alerts --storm 10000 --spread 60s --programs 50 --local --json`;

function line(r: StormReport): string {
  const ms = (v: number | null) => (v === null ? '-' : `${v} ms`);
  const n = r.notifications;
  return [
    `${r.ok ? 'PASS' : 'FAIL'} alert-storm drill ${r.run}: ${r.signals} signals across ${r.programs} programs in ${r.ingestMs} ms`,
    `  ingest          ${r.signalsPerSecond} signals/s`,
    `  incidents       ${r.incidents} (deduplication ratio ${r.dedupRatio}: signals per incident)`,
    `  notifications   ${n.sent} sent, ${n.held} held back, ${n.failed} failed, ${n.pending} still pending`,
    `  first notified  ${ms(r.firstNotificationMs)} after the first signal`,
    `  delivered       signal → receiver p50 ${ms(r.notifyP50Ms)}, p99 ${ms(r.notifyP99Ms)}`,
    `  lost            ${r.lost.signals} signals, ${r.lost.notifications} notifications`,
  ].join('\n');
}

interface DrillOptions {
  storm: number;
  programs: number;
  faults: number;
  spreadMs: number;
}

/** A webhook receiver on a free loopback port that counts what it gets. */
async function localReceiver(): Promise<{ url: string; received: () => number; close: () => Promise<void> }> {
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/`, received: () => received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function local(o: DrillOptions, progress: (m: string) => void): Promise<StormReport> {
  const { IncidentEngine, SqliteIncidentStore, runAlertStorm, validateIncidentsConfig } = await import('@holdfast/insight');
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-drill-'));
  const receiver = await localReceiver();
  const route = { receiver: 'drill', groupBy: ['...'], groupWait: 0, groupInterval: 0 };
  const v = validateIncidentsConfig({ receivers: [{ name: 'drill', type: 'webhook', url: receiver.url }], routes: [route] });
  if (!v.ok) throw new Error(JSON.stringify(v.issues));
  const file = join(dir, 'incidents.sqlite');
  const clock = {
    now: () => Date.now(),
    setTimeout: (fn: () => void, ms: number) => {
      const h = setTimeout(fn, ms);
      return { cancel: () => clearTimeout(h) };
    },
  };
  const engine = new IncidentEngine({ config: v.config, openStore: () => new SqliteIncidentStore({ file }), storeLocation: file, clock });
  try {
    return await runAlertStorm(engine, { ...o, settleMs: 60_000, progress });
  } finally {
    await Promise.race([engine.deliveriesIdle(), new Promise((r) => setTimeout(r, 5000))]);
    engine.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
    progress(`the local receiver got ${receiver.received()} request(s)`);
  }
}

export const command: Command = {
  path: ['drill', 'alerts'],
  summary: 'alert-storm drill: N signals through the incident loop; incidents, dedup, notifications, losses',
  usage,
  async run(argv) {
    const text = { type: 'string' } as const;
    const flag = { type: 'boolean' } as const;
    const options = { ...connectionOptions, storm: text, programs: text, faults: text, spread: text, local: flag, json: flag };
    const { values } = parse(argv, options);
    if (values.storm === undefined) throw new UsageError('--storm N is required: how many signals to fire');
    const storm = integer('storm', values.storm, 0, 1, 1_000_000);
    const o: DrillOptions = {
      storm,
      programs: integer('programs', values.programs, 10, 1, 10_000),
      faults: integer('faults', values.faults, 5, 1, 100),
      spreadMs: duration('spread', values.spread, 0, 3_600_000),
    };
    const progress = (m: string) => process.stderr.write(`[drill] ${m}\n`);
    const where = values.local ? 'through a local pipeline' : "through the daemon's incident loop";
    progress(`${o.storm} signals across ${o.programs} programs${o.spreadMs ? ` over ${o.spreadMs / 1000} s` : ''}, ${where}…`);
    const r = values.local ? await local(o, progress) : await (await incidentsClient(values, o.spreadMs + 180_000)).drill(o);
    console.log(values.json ? JSON.stringify(r, null, 2) : line(r));
    return r.ok ? 0 : 1;
  },
};
