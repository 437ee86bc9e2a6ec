#!/usr/bin/env node
// `npm start`: runs the shop under the holdfast supervisor (`holdfast supervise -c
// examples/shop/holdfast.yaml`): the gateway as 2 instances on one supervisor-owned socket, plus
// orders and inventory. Waits until every instance has proved it is READY, prints where
// everything is and how to drive the supervisor, then shows the supervisor's events (crashes,
// restarts, reloads) as they happen. Ctrl-C stops everything cleanly (dependents first, each
// service draining).
//
// Errors become incidents: the config's incident loop classifies them with knowledge.yaml and
// sends each incident (not each error line) to a webhook receiver this script runs and prints.
//
// The supervisor serves the dashboard on 127.0.0.1:3010; this prints a one-time sign-in link to it.
//
// SHOP_PORT_BASE=4000 moves the ports (the receiver's to base + 9, the dashboard's to base + 10) and SHOP_TRACING=0 drops the
// OpenTelemetry preload: both run a copy of holdfast.yaml written to examples/shop/.tmp/.
// SHOP_LOGS=1 prints every log line of the services (otherwise warnings only: errors come as
// incidents).
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { signatureOf } from '@holdfast/insight';
import { SupervisorClient, type SupervisorEvent } from '@holdfast/supervisor';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const cli = join(repo, 'packages', 'cli', 'bin', 'holdfast.ts');
const template = join(here, 'holdfast.yaml');

interface ProgramYaml {
  command: string[];
  listen: { port: number; host: string }[];
  env: Record<string, string>;
  cwd?: string;
}
interface ConfigYaml {
  supervisor: { socket: string; stateDir: string };
  programs: Record<'gateway' | 'orders' | 'inventory', ProgramYaml>;
  incidents: { knowledge: string; receivers: { name: string; url: string; secret?: string }[] };
  dashboard: { port: number; guard: Record<string, { rules?: string }> };
}

/** The config to run: holdfast.yaml as it is, or a copy with other ports / without the tracing preload. */
function configFile(): { file: string; config: ConfigYaml } {
  const config = parse(readFileSync(template, 'utf8')) as ConfigYaml;
  const base = process.env.SHOP_PORT_BASE;
  const noTracing = process.env.SHOP_TRACING === '0';
  if (base === undefined && !noTracing) return { file: template, config };
  const b = Number(base ?? 3000);
  if (!Number.isInteger(b) || b < 1 || b > 65533) {
    console.error(`✗ SHOP_PORT_BASE='${base}' is not a port number (1-65533)`);
    process.exit(2);
  }
  const port = { gateway: b, orders: b + 1, inventory: b + 2 };
  const tmp = join(here, '.tmp');
  mkdirSync(tmp, { recursive: true });
  config.supervisor = { ...config.supervisor, socket: join(tmp, `holdfast-shop-${b}.sock`), stateDir: join(tmp, `holdfast-state-${b}`) };
  for (const [name, p] of Object.entries(config.programs) as [keyof typeof port, ProgramYaml][]) {
    p.cwd = here;
    p.listen = p.listen.map((l) => ({ ...l, port: port[name] }));
    for (const [k, v] of Object.entries(p.env)) p.env[k] = v.replace(/:300([0-2])\b/, (_m, d: string) => `:${b + Number(d)}`);
    if (noTracing) p.command = p.command.filter((a, i, all) => a !== '--import' && all[i - 1] !== '--import');
  }
  config.incidents.knowledge = join(here, config.incidents.knowledge);
  config.dashboard.port = b + 10;
  for (const g of Object.values(config.dashboard.guard)) if (g.rules) g.rules = join(here, g.rules);
  for (const r of config.incidents.receivers) r.url = r.url.replace(/:3009\b/, `:${b + 9}`);
  const file = join(tmp, `holdfast.${b}${noTracing ? '.no-tracing' : ''}.yaml`);
  writeFileSync(file, `# Written by examples/shop/start.ts from holdfast.yaml (SHOP_PORT_BASE / SHOP_TRACING).\n${stringify(config)}`);
  return { file, config };
}

const { file, config } = configFile();
const shown = relative(process.cwd(), file) || file;
const ports = Object.fromEntries(Object.entries(config.programs).map(([n, p]) => [n, p.listen[0]!.port])) as Record<
  'gateway' | 'orders' | 'inventory',
  number
>;
const socket = resolve(dirname(file), config.supervisor.socket);
const terminal = config.incidents.receivers.find((r) => r.name === 'terminal')!;

// The webhook receiver the incident loop notifies: it checks the signature and prints each one.
interface Notified {
  id: number;
  action: 'trigger' | 'acknowledge' | 'resolve';
  severity: string;
  category: string;
  program: string | null;
  summary: string;
  count: number;
  owner: string | null;
  runbook: string | string[] | null;
}
const receiver = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => (body += c));
  req.on('end', () => {
    const ts = String(req.headers['x-holdfast-timestamp'] ?? '');
    if (terminal.secret && req.headers['x-holdfast-signature'] !== signatureOf(terminal.secret, ts, body)) {
      console.log('  ✗ a notification with a wrong signature was refused');
      return void res.writeHead(401).end();
    }
    res.writeHead(204).end();
    const time = new Date().toISOString().slice(11, 19);
    for (const i of (JSON.parse(body) as { incidents: Notified[] }).incidents) {
      if (i.action === 'trigger') {
        const step = Array.isArray(i.runbook) ? i.runbook[0] : i.runbook;
        console.log(
          `${time}  🚨 ` +
            `incident ${i.id} ` +
            (`[${i.severity}] ${i.category}: ${i.program ? `${i.program}: ` : ''}${i.summary} ` +
              `(${i.count}×${i.owner ? `, owner ${i.owner}` : ''})`),
        );
        if (step)
          console.log(
            `            runbook: ${step}${Array.isArray(i.runbook) && i.runbook.length > 1 ? ' …' : ''}   (npx ` +
              `holdfast incidents show ${i.id} -c ${shown})`,
          );
      } else
        console.log(
          `${time}  ${i.action === 'resolve' ? '✓' : '👀'} ` +
            `incident ${i.id} ${i.action === 'resolve' ? 'resolved' : 'acknowledged'} (${i.count}× in all)`,
        );
    }
  });
});
const hook = new URL(terminal.url);
await new Promise<void>((ok, fail) => {
  receiver.once('error', (err: NodeJS.ErrnoException) =>
    fail(
      err.code === 'EADDRINUSE'
        ? new Error(`the incident receiver's port ${hook.port} is taken: move the shop with SHOP_PORT_BASE=4000 npm start`)
        : err,
    ),
  );
  receiver.listen(Number(hook.port), hook.hostname, ok);
}).catch((err: Error) => {
  console.error(`✗ ${err.message}`);
  process.exit(1);
});

// The services run on this very Node (the supervisor finds `node` on the PATH).
const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}` };
const sup = spawn(process.execPath, [cli, 'supervise', '-c', file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
let stopping = false;
let failure = '';

// The daemon logs JSON (warnings and up): show the message, not the JSON.
const lines = (stream: NodeJS.ReadableStream, onLine: (l: string) => void) => {
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const l of parts) if (l.trim()) onLine(l);
  });
};
lines(sup.stdout!, (l) => {
  try {
    const j = JSON.parse(l) as { level?: number; msg?: string };
    if ((j.level ?? 0) >= 40) console.log(`  holdfast: ${j.msg}`);
  } catch {
    console.log(`  holdfast: ${l}`);
  }
});
lines(sup.stderr!, (l) => {
  failure += `${l}\n`;
  console.error(l);
});

const exited = new Promise<number>((resolve) => sup.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
void exited.then((code) => {
  if (stopping) {
    console.log('the shop is stopped.');
    receiver.close();
    process.exit(0);
  }
  if (/HOLDFAST_E_PORT_IN_USE/.test(failure))
    console.error(`\n✗ a shop port is taken (see above). Stop that process, or move the shop: SHOP_PORT_BASE=4000 npm start`);
  else if (/HOLDFAST_E_LOCKED/.test(failure))
    console.error(`\n✗ the shop already runs under holdfast (another npm start?). Stop it: npx holdfast shutdown -c ${shown}`);
  else console.error(`\n✗ the supervisor exited (code ${code})`);
  process.exit(code || 1);
});

function stop(): void {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping the shop: gateway first, then orders, then inventory (each drains)…');
  sup.kill('SIGTERM');
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

const client = new SupervisorClient({ socket, timeoutMs: 10_000 });
process.stdout.write('starting the shop under holdfast: ');
const deadline = Date.now() + 60_000;
const shownReady = new Set<string>();
for (;;) {
  if (stopping) await new Promise(() => {});
  try {
    const st = await client.status();
    for (const p of st.programs) {
      if (p.state === 'READY' && !shownReady.has(p.id)) {
        shownReady.add(p.id);
        process.stdout.write(`${p.id} ✓ `);
      }
      if (p.state === 'FATAL') {
        console.error(`\n✗ ${p.id} could not start: ${p.fatalReason}. Its output: npx holdfast logs ${p.id} -c ${shown}`);
        stop();
      }
    }
    if (st.programs.length > 0 && st.programs.every((p) => p.state === 'READY')) break;
  } catch {}
  if (Date.now() > deadline) {
    console.error(`\n✗ the shop did not become ready within 60 s: npx holdfast status -c ${shown}`);
    stop();
  }
  await new Promise((r) => setTimeout(r, 150));
}

const g = `http://127.0.0.1:${ports.gateway}`;
const hf = `npx holdfast`;
const dashboard = await client.dashboardLogin().catch((err: Error) => ({ url: `(not available: ${err.message})` }));
console.log(`

holdfast demo shop is up, under the holdfast supervisor (${shown})
  dashboard  ${dashboard.url}
             (the link signs one browser in, once; ${hf} dashboard -c ${shown} prints another)
  gateway    ${g}   (gateway:0 and gateway:1 on one shared socket)
  orders     http://127.0.0.1:${ports.orders}
  inventory  http://127.0.0.1:${ports.inventory}   (fault switch: POST /_chaos)

Try:
  curl ${g}/api/inventory
  curl -i ${g}/api/stock/tea     (x-holdfast-cache: miss, then fresh; stale-if-error with inventory down)
  curl -X POST ${g}/api/orders -H 'content-type: application/json' -d '{"sku":"tea","qty":2}'
  curl -X POST http://127.0.0.1:${ports.inventory}/_chaos -H 'content-type: application/json' -d '{"errorRate":0.5}'
      …then some requests: the errors become ONE incident, classified by knowledge.yaml, printed below

Drive the supervisor from another terminal (in the repository):
  ${hf} status -c ${shown}             every instance: state, pid, uptime, restarts, memory
  ${hf} reload gateway -c ${shown}     zero-downtime: a new instance, READY, then an old one drains; twice
  ${hf} logs gateway:0 -f -c ${shown}  follow one instance's log
  kill -9 <a gateway pid>              the supervisor replaces it; the other instance keeps serving
  ${hf} incidents -c ${shown}          the incidents: one per fault, with how often it happened
  ${hf} incidents resolve <id> --cause "…" --learn -c ${shown}   and knowledge.yaml learns it

Ctrl-C stops everything. SHOP_LOGS=1 shows every log line (otherwise warnings; errors come as incidents).
`);

// From here on: what the supervisor does, as it happens, and the services' warnings.
const icon: Record<string, string> = { READY: '✓', STARTING: '…', STOPPING: '↓', STOPPED: '■', BACKOFF: '↻', EXITED: '■', FATAL: '✗' };
const onEvent = (e: SupervisorEvent) => {
  if (stopping) return;
  const time = e.at.slice(11, 19);
  if (e.type === 'state') {
    const why =
      e.lastExit && (e.to === 'BACKOFF' || e.to === 'STARTING' || e.to === 'FATAL') && e.from !== 'STOPPED'
        ? ` (last exit: ${e.lastExit.signal ?? `code ${e.lastExit.code}`})`
        : '';
    console.log(`${time}  ${icon[e.to] ?? ' '} ${e.instance} ${e.from} → ${e.to}${e.pid ? ` pid ${e.pid}` : ''}${why}`);
  } else if (e.type === 'reload') {
    console.log(`${time}  ⟳ reload ${e.program}: ${e.phase}${e.instance ? ` ${e.instance}` : ''}${e.detail ? ` (${e.detail})` : ''}`);
  }
};
const ac = new AbortController();
process.once('SIGINT', () => ac.abort());
process.once('SIGTERM', () => ac.abort());
client.events(onEvent, { signal: ac.signal }).catch(() => {});
for (const p of (await client.status()).programs) {
  void client
    .followLogs(p.id, { lines: 0, signal: ac.signal }, (chunk) => {
      for (const l of chunk.split('\n')) {
        if (!l.trim()) continue;
        if (process.env.SHOP_LOGS === '1' || /"level":40/.test(l)) console.log(`[${p.id}] ${l}`);
      }
    })
    .catch(() => {});
}
