#!/usr/bin/env node
// `npm start`: runs the shop's three services, waits until each is ready, prints where they
// are and what to try. Ctrl-C drains them all gracefully.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const base = Number(process.env.SHOP_PORT_BASE ?? 3000);
const ports = { gateway: base, orders: base + 1, inventory: base + 2 };
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

for (const [name, port] of Object.entries(ports)) {
  if (!(await portFree(port))) {
    console.error(`✗ port ${port} (for ${name}) is in use. Stop whatever holds it (\`ss -ltnp 'sport = :${port}'\` shows it) or pick other ports: SHOP_PORT_BASE=4000 npm start`);
    process.exit(1);
  }
}

const env = {
  ...process.env,
  GATEWAY_PORT: String(ports.gateway),
  ORDERS_PORT: String(ports.orders),
  INVENTORY_PORT: String(ports.inventory),
  ORDERS_URL: `http://127.0.0.1:${ports.orders}`,
  INVENTORY_URL: `http://127.0.0.1:${ports.inventory}`,
};

const children: { name: string; proc: ChildProcess }[] = [];
for (const name of ['inventory', 'orders', 'gateway'] as const) {
  // Each service starts with OpenTelemetry preloaded: traces go to OTEL_EXPORTER_OTLP_ENDPOINT
  // when it is set, and trace ids are in the logs either way. SHOP_TRACING=0 turns it off.
  const preload = process.env.SHOP_TRACING === '0' ? [] : ['--import', import.meta.resolve('@holdfast/service/tracing')];
  const proc = spawn(process.execPath, [...preload, here(`./src/${name}.ts`)], { env: { ...env, OTEL_SERVICE_NAME: name }, stdio: ['ignore', 'pipe', 'inherit'] });
  // Each service logs JSON; prefix its lines so the three streams stay readable together.
  proc.stdout!.setEncoding('utf8');
  let partial = '';
  proc.stdout!.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) if (process.env.SHOP_LOGS === '1' || l.includes('"level":40') || l.includes('"level":50') || l.includes('"level":60')) console.log(`[${name}] ${l}`);
  });
  proc.once('exit', (code, signal) => {
    if (!stopping) {
      console.error(`✗ ${name} exited (code ${code}, signal ${signal}); stopping the shop`);
      void stop(1);
    }
  });
  children.push({ name, proc });
}

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping the shop (graceful drain)…');
  await Promise.all(
    children.map(
      ({ proc }) =>
        new Promise<void>((resolve) => {
          if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
          proc.once('exit', () => resolve());
          proc.kill('SIGTERM');
        }),
    ),
  );
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

async function ready(port: number): Promise<boolean> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) return true;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

process.stdout.write('starting the shop: ');
for (const [name, port] of Object.entries(ports)) {
  if (!(await ready(port))) {
    console.error(`\n✗ ${name} did not become ready on port ${port} within 20 s`);
    await stop(1);
  }
  process.stdout.write(`${name} ✓ `);
}
const g = `http://127.0.0.1:${ports.gateway}`;
console.log(`

holdfast demo shop is up
  gateway    ${g}
  orders     http://127.0.0.1:${ports.orders}
  inventory  http://127.0.0.1:${ports.inventory}   (fault switch: POST /_chaos)

Try:
  curl ${g}/api/inventory
  curl -i ${g}/api/stock/tea     (x-holdfast-cache: miss, then fresh; stale-if-error with inventory down)
  curl -X POST ${g}/api/orders -H 'content-type: application/json' -d '{"sku":"tea","qty":2}'
  curl -X POST http://127.0.0.1:${ports.inventory}/_chaos -H 'content-type: application/json' -d '{"errorRate":0.5}'
  curl ${g}/readyz        curl ${g}/metrics

Ctrl-C drains and stops all three. SHOP_LOGS=1 shows every log line.`);
