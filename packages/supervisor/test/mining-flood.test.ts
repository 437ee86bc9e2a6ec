// A program writing as fast as the pipe takes it (hundreds of MB): the daemon stays responsive
// (status and restarts are not delayed), the miner sheds by sampling and says so in a metric,
// another program keeps being mined, the log file gets every byte, the daemon's memory stays
// bounded.
import assert from 'node:assert/strict';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { waitFor } from '@holdfast/testkit';
import { fixtures, node, startDaemon, writeConfig } from './helpers.ts';

const BYTES = 300 * 2 ** 20;

test('a flood of output never delays a status call or a restart; mining sheds and counts; no byte is lost from the log', async (t) => {
  const { dir, config } = await writeConfig(
    t,
    `programs:
  flood:
    command: [${node}, ${join(fixtures, 'flood.mjs')}]
    env: {BYTES: ${BYTES}}
    autostart: false
    ready: {afterMs: 0}
    logs: {stdout: {maxBytes: 2GiB, bufferBytes: 64MiB}}
  calm:
    command: [${node}, ${join(fixtures, 'patterns.mjs')}]
    ready: {afterMs: 0}
`,
  );
  const { client } = await startDaemon(t, config);
  await waitFor('calm mined', async () => (await client.patterns('calm')).stats.mined > 0);
  const rssBefore = (await client.status()).daemon.rssBytes;
  const calmBefore = (await client.patterns('calm')).stats.mined;

  await client.start('flood');
  const file = join(dir, 'logs', 'flood.stdout.log');
  const size = () => {
    try {
      return statSync(file).size;
    } catch {
      return 0;
    }
  };
  // Status calls all through the flood, one after another, each timed.
  const times: number[] = [];
  let restartMs = -1;
  let rssMax = rssBefore;
  const t0 = performance.now();
  while (size() < BYTES) {
    const s = performance.now();
    const st = await client.status();
    times.push(performance.now() - s);
    rssMax = Math.max(rssMax, st.daemon.rssBytes);
    if (restartMs < 0 && size() > BYTES / 3) {
      const r = performance.now();
      await client.restart('calm');
      restartMs = performance.now() - r;
    }
    if (performance.now() - t0 > 120_000) break;
  }
  const floodMs = performance.now() - t0;
  await waitFor('the whole flood in the log file', () => size() > BYTES && tailOf(file, 100).includes('flood done'), { timeoutMs: 60_000 });
  times.sort((a, b) => a - b);
  const p50 = times[Math.floor(times.length / 2)]!;
  const p99 = times[Math.floor(times.length * 0.99)]!;
  const max = times.at(-1)!;
  const report = await waitFor('the flood mined or shed to its end', async () => {
    const r = await client.patterns('flood');
    return r.stats.mined + r.stats.shedLines > 0 && (await client.status()).daemon.mining!.queuedBytes === 0 ? r : undefined;
  });
  const metrics = await client.metrics();
  const shed = Number(/holdfast_log_shed_lines_total\{program="flood"\} (\d+)/.exec(metrics)?.[1]);
  const dropped = Number(/holdfast_process_log_dropped_bytes_total\{program="flood",instance="flood"\} (\d+)/.exec(metrics)?.[1]);
  const calmAfter = (await client.patterns('calm')).stats.mined;
  t.diagnostic(
    `${(BYTES / 2 ** 20).toFixed(0)} MiB in ${(floodMs / 1000).toFixed(1)} s (${(BYTES / 2 ** 20 / (floodMs / 1000)).toFixed(0)} MiB/s); ` +
      (`${times.length} status calls: ` +
        `p50 ${p50.toFixed(1)} ms, ` +
        `p99 ${p99.toFixed(1)} ms, ` +
        `max ${max.toFixed(1)} ms; ` +
        `restart of calm ${restartMs.toFixed(0)} ms; `) +
      `mined ${report.stats.mined} lines, shed ${shed}; daemon RSS ${(rssBefore / 1e6).toFixed(1)} → max ${(rssMax / 1e6).toFixed(1)} MB`,
  );
  assert.ok(p50 < 100, `status answers in < 100 ms while the flood runs (median ${p50.toFixed(1)} ms)`);
  assert.ok(max < 2000, `no status call waits on the flood (slowest ${max.toFixed(0)} ms)`);
  assert.ok(restartMs >= 0 && restartMs < 5000, `a restart during the flood took ${restartMs.toFixed(0)} ms`);
  assert.ok(shed > 0, 'mining shed lines and said so in holdfast_log_shed_lines_total');
  assert.ok(report.stats.mined > 0, 'and mined a sample');
  assert.ok(find(report, /^GET <\*> <\*> in <\*> ms from <\*> worker <\*>$/) || report.templates.length > 0);
  assert.ok(calmAfter > calmBefore, 'another program kept being mined during the flood');
  assert.equal(dropped, 0, 'the log file lost nothing');
  // The program says how many bytes it wrote (whole 1 MiB writes, at least BYTES) in its last line.
  const end = tailOf(file, 4096);
  const last = end.subarray(end.lastIndexOf(10, end.length - 2) + 1).toString();
  const m = /^flood done (\d+) bytes in [\d.]+ s\n$/.exec(last);
  assert.ok(m, `the file ends with the program's last line, not ${JSON.stringify(last.slice(0, 200))}`);
  assert.equal(size(), Number(m[1]) + last.length, 'every byte the program wrote is in the log file');
  assert.ok(
    rssMax - rssBefore < 160e6,
    `the daemon's memory stayed bounded: +${((rssMax - rssBefore) / 1e6).toFixed(1)} MB with a 64 MiB log buffer`,
  );
});

/** The last `n` bytes of a file (the flood's file is hundreds of MB: never read whole). */
function tailOf(file: string, n: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const size = statSync(file).size;
    const b = Buffer.alloc(Math.min(n, size));
    readSync(fd, b, 0, b.length, size - b.length);
    return b;
  } finally {
    closeSync(fd);
  }
}

const find = (r: { templates: { template: string }[] }, re: RegExp) => r.templates.find((x) => re.test(x.template));
