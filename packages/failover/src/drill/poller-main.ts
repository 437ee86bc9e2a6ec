#!/usr/bin/env node
// The drill's client: polls the VIP every <interval> ms on a new connection each time (so it
// follows ARP changes at once) and prints one JSON line per poll when it completes:
// {"at": <CLOCK_MONOTONIC ms when sent>, "ok": true, "node": "n2", "ms": 3} or {"at", "ok": false, "error"}.
// Usage: node poller-main.ts <url> <intervalMs> <timeoutMs>
import { get } from 'node:http';

const [url = '', interval = '50', timeout = '250'] = process.argv.slice(2);
const mono = () => Number(process.hrtime.bigint()) / 1e6;

function poll(): void {
  const at = mono();
  let done = false;
  const finish = (r: Record<string, unknown>) => {
    if (done) return;
    done = true;
    process.stdout.write(`${JSON.stringify({ at, ms: Math.round(mono() - at), ...r })}\n`);
  };
  const req = get(url, { agent: false, timeout: Number(timeout) }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (s: string) => (body += s));
    res.on('end', () => finish(res.statusCode === 200 ? { ok: true, node: body.trim() } : { ok: false, error: `HTTP ${res.statusCode}` }));
    res.on('error', (e) => finish({ ok: false, error: e.message }));
  });
  req.on('timeout', () => {
    req.destroy(new Error('timeout'));
  });
  req.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, error: e.code ?? e.message }));
}

setInterval(poll, Number(interval));
poll();
process.stdout.on('error', () => process.exit(0));
