// The scraper against real HTTP servers: what a good answer puts in the store, and how every
// way a read can fail (refused, HTTP error, no answer, too big, not the text format) is recorded
// as a gap with its reason, never as zeros.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { RingStore, increase, seriesKey } from '@holdfast/insight/rootcause';
import { cleanup, freePort } from '@holdfast/testkit';
import { readMetrics, Scraper } from '../src/insight/scraper.ts';

async function serve(t: Parameters<typeof cleanup>[0], handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup(t, () => new Promise<void>((r) => server.close(() => r())));
  cleanup(t, () => server.closeAllConnections());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
}

test('every way a read fails is said in a few words', async (t) => {
  const refused = `http://127.0.0.1:${await freePort()}/metrics`;
  assert.deepEqual(await readMetrics(refused, 1000), { error: 'ECONNREFUSED' });
  const failing = await serve(t, (_q, s) => s.writeHead(503).end('draining'));
  assert.deepEqual(await readMetrics(failing, 1000), { error: 'HTTP 503' });
  const silent = await serve(t, () => {});
  assert.deepEqual(await readMetrics(silent, 200), { error: 'no answer within 200 ms' });
  const huge = await serve(t, (_q, s) => {
    s.writeHead(200);
    const chunk = Buffer.alloc(1 << 20, 'x');
    for (let i = 0; i < 17; i++) s.write(chunk);
    s.end();
  });
  assert.deepEqual(await readMetrics(huge, 5000), { error: 'the answer is larger than 16 MiB' });
  assert.deepEqual(await readMetrics('http://127.0.0.1:1/ bad url', 1000).then((r) => 'error' in r), true);
});

test('a round reads each instance into the store, keeps only what is wanted, and records failures as gaps', async (t) => {
  let n = 0;
  const good = await serve(t, (q, s) => {
    assert.match(String(q.headers.accept), /text\/plain;version=0\.0\.4/);
    n++;
    s.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(
      `# TYPE holdfast_http_requests_total counter\n` +
        (`holdfast_http_requests_total{route="/a",method="GET",status="200"} ${n * 10}\n` +
          (`holdfast_http_requests_total{route="/a",method="GET",status="500"} ${n}\n# TYPE nodejs_heap_bytes gauge\n` +
            `nodejs_heap_bytes 123\n`)),
    );
  });
  let broken = true;
  const flaky = await serve(t, (_q, s) =>
    broken ? s.writeHead(500).end() : s.writeHead(200).end('holdfast_http_requests_total{route="/b",status="200"} 7\n'),
  );
  const html = await serve(t, (_q, s) => s.writeHead(200).end('<html>hello</html>\n'));
  const store = new RingStore({ slots: 10, maxSeries: 100 });
  let now = 1000;
  const targets = [
    { id: 'a', program: 'pa', url: good },
    { id: 'b', program: 'pb', url: flaky },
    { id: 'c', program: 'pc', url: html },
  ];
  let rounds = 0;
  const scraper = new Scraper(store, {
    intervalMs: 1000,
    timeoutMs: 1000,
    want: (name) => name.startsWith('holdfast_'),
    targets: () => targets,
    now: () => now,
    onRound: () => rounds++,
  });
  cleanup(t, () => scraper.stop());
  await scraper.round();
  now = 2000;
  broken = false;
  await scraper.round();
  assert.equal(rounds, 2);
  const a = store.target('a')!;
  assert.equal(a.series.size, 2, 'nodejs_heap_bytes is not kept');
  assert.equal(
    increase(a, a.series.get(seriesKey('holdfast_http_requests_total', { route: '/a', method: 'GET', status: '500' }))!, 1000, 2000),
    1,
  );
  assert.equal(scraper.catalog.get('pa')!.get('nodejs_heap_bytes'), 'gauge', 'the registry is known for the alert-rule checks');
  const b = store.target('b')!;
  assert.deepEqual([...b.ok].slice(0, 2), [0, 1], 'the first read failed, the second did not');
  const status = Object.fromEntries(scraper.status().map((s) => [s.id, s]));
  assert.equal(status.a!.ok, true);
  assert.equal(status.a!.series, 2);
  assert.equal(status.b!.ok, true);
  assert.equal(status.c!.ok, false);
  assert.equal(status.c!.error, 'the answer is not in the Prometheus text format');
  assert.equal(status.c!.malformed, 0, 'unwanted lines are never parsed: nothing to complain about');
  targets.pop();
  await scraper.round();
  assert.deepEqual(
    scraper
      .status()
      .map((s) => s.id)
      .sort(),
    ['a', 'b'],
    'an instance gone is no longer listed',
  );
});

test('an instance still being read is not read again', async (t) => {
  let calls = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const slow = await serve(t, (_q, s) => {
    calls++;
    void gate.then(() => s.writeHead(200).end('x_total 1\n'));
  });
  const store = new RingStore({ slots: 10, maxSeries: 10 });
  const scraper = new Scraper(store, {
    intervalMs: 1000,
    timeoutMs: 5000,
    want: () => true,
    targets: () => [{ id: 's', program: 'p', url: slow }],
    now: () => Date.now(),
  });
  cleanup(t, () => scraper.stop());
  const first = scraper.round();
  await new Promise((r) => setTimeout(r, 100));
  await scraper.round();
  release();
  await first;
  assert.equal(calls, 1);
  assert.equal(store.target('s')!.seq, 1);
});
