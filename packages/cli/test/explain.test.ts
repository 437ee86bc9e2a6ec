// `holdfast explain` as a user runs it against a real daemon: a bad --since is refused before
// anything is asked, a daemon without a scrape: section says how to turn it on, and a daemon
// reading a healthy program answers with no cause (exit 0), in words and as JSON. Naming a cause
// on a real fault is examples/shop/test/explain.serial.test.ts.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { waitFor } from '@holdfast/testkit';
import { ExplainClient } from '@holdfast/supervisor';
import { holdfast, startDaemon, writeConfig } from './support/daemon.ts';

// A program that serves its own /metrics: one counter that only grows, never an error.
const CALM =
  `import { createServer } from 'node:http';
const started = Date.now();
createServer((q, s) => s.end(q.url === '/metrics' ? ` +
  `'holdfast_http_requests_total{service="calm",route="/",method="GET",status="200"} ' + ` +
  `Math.floor((Date.now() - started) / 10) + '\\n' : 'ok')).listen(Number(process.argv[2]), '127.0.0.1');
`;

test('explain: bad --since refused, no scrape: section explained, a healthy program gives no cause', async (t) => {
  for (const [args, re] of [
    [['explain', '--since', 'soon'], /--since/],
    [['explain', '--since', '5s'], /--since must be at least 10s, got '5s'/],
    [['explain', 'inventory'], /holdfast explain takes options only/],
  ] as const) {
    const r = await holdfast([...args, '--socket', '/nonexistent.sock']);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }

  const off = await writeConfig(
    t,
    `programs:\n  idle:\n    command: [${process.execPath}, -e, "setInterval(() => {}, 1000)"]\n    ready: {afterMs: 0}\n`,
  );
  await startDaemon(t, off.config);
  const r = await holdfast(['explain', '-c', off.file]);
  assert.notEqual(r.code, 0);
  assert.notEqual(r.code, 3);
  assert.match(r.stderr, /the daemon reads no metrics: add a 'scrape:' section to the config \(docs\/root-cause\.md\)/);

  const { freePort } = await import('@holdfast/testkit');
  const port = await freePort();
  const on = await writeConfig(
    t,
    `programs:\n  calm:\n    command: ` +
      `[${process.execPath}, calm.mjs, ` +
      `'${port}']\n    ready: ` +
      `{tcp: ${port}}\n` +
      `    metrics: http://127.0.0.1:${port}/metrics\nscrape: {interval: 1s, retention: 2m}\n`,
  );
  writeFileSync(join(on.dir, 'calm.mjs'), CALM);
  await startDaemon(t, on.config);
  const api = new ExplainClient({ socket: on.config.supervisor.socket });
  await waitFor(
    'calm read twice',
    async () => (await api.scrapeStatus()).targets.some((x) => x.ok && x.series > 0) && (await api.scrapeStatus()).rounds > 2,
    { timeoutMs: 30_000 },
  );
  const text = await holdfast(['explain', '--since', '30s', '-c', on.file]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /calm/);
  assert.doesNotMatch(text.stdout, /^probable cause: calm/m);
  const json = await holdfast(['explain', '--json', '-c', on.file]);
  assert.equal(json.code, 0, json.stderr);
  const parsed = JSON.parse(json.stdout) as { ranking: { candidates: unknown[] }; text: string; note?: string };
  assert.deepEqual(parsed.ranking.candidates, []);
  assert.match(
    parsed.note ?? '',
    /the store holds 2 min \(scrape\.retention\): explained the last 1 min/,
    'a window longer than half the retention is cut, and said so',
  );
});
