// The log destination: lines are batched, written in order, never lost at exit, and a log reader
// that stops reading neither blocks the event loop nor takes unbounded memory.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir, waitFor } from '@holdfast/testkit';
import { BatchedDestination } from '../src/logging/batched-destination.ts';

const line = (i: number) => `{"n":${i},"pad":"${'x'.repeat(100)}"}\n`;

test('lines are batched: nothing is written until the interval passes or the batch is full; order is kept', async (t) => {
  const file = join(tempDir(t), 'sub', 'service.log');
  const d = new BatchedDestination({ dest: file, flushIntervalMs: 20, maxBatchBytes: 4096 });
  d.write(line(0));
  d.write(line(1));
  assert.equal(readFileSync(file, 'utf8'), '', 'a batch waits for the interval');
  await waitFor('the batch written by the timer', () => readFileSync(file, 'utf8') === line(0) + line(1));
  for (let i = 2; i < 50; i++) d.write(line(i));
  assert.ok(readFileSync(file, 'utf8').length >= 4096, 'a full batch is written at once');
  d.flushSync();
  const got = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { n: number }).n);
  assert.deepEqual(
    got,
    Array.from({ length: 50 }, (_, i) => i),
  );
  assert.equal(d.pendingBytes, 0);
});

test('lines longer than the batch and non-ASCII text are written whole and in order', (t) => {
  const file = join(tempDir(t), 'long.log');
  const d = new BatchedDestination({ dest: file, flushIntervalMs: 60_000, maxBatchBytes: 1024 });
  const long = `{"n":1,"big":"${'é€😀'.repeat(40_000)}"}\n`;
  d.write('{"n":0,"s":"ünïcødé"}\n');
  d.write(long);
  d.write('{"n":2}\n');
  d.flushSync();
  assert.equal(readFileSync(file, 'utf8'), '{"n":0,"s":"ünïcødé"}\n' + long + '{"n":2}\n');
  assert.equal(d.pendingBytes, 0);
});

test('lines still batched when the process exits are written by the exit hook', async (t) => {
  const file = join(tempDir(t), 'exit.log');
  const src = `import { BatchedDestination } from ${JSON.stringify(new URL('../src/logging/batched-destination.ts', import.meta.url).href)};
const d = new BatchedDestination({ dest: ${JSON.stringify(file)}, flushIntervalMs: 60_000 });
d.write('last words\\n');
process.exit(3);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', src], { stdio: 'inherit' });
  const code = await new Promise((r) => child.once('exit', r));
  assert.equal(code, 3);
  assert.equal(readFileSync(file, 'utf8'), 'last words\n');
});

test(
  'a pipe whose reader stops: writes never block, the tail is kept, overflow is dropped and counted, all resumes ' + 'when it reads again',
  async (t) => {
    // The reader holds its stdin unread until told over IPC, then counts what arrives.
    const reader = spawn(
      process.execPath,
      [
        '-e',
        `
    let bytes = 0, dropped = '';
    process.stdin.pause();
    process.on('message', () => process.stdin.resume().on('data', (c) => { bytes += c.length; const s = c.toString(); ` +
          `const m = /(\\d+) log lines were dropped/.exec(s); if (m) dropped = m[1]; }));
    process.stdin.on('end', () => { process.stdout.write(JSON.stringify({ bytes, dropped })); });
    process.send('ready');
  `,
      ],
      { stdio: ['pipe', 'pipe', 'inherit', 'ipc'] },
    );
    t.after(() => reader.kill('SIGKILL'));
    await new Promise((r) => reader.once('message', r));
    const fd = (reader.stdin as unknown as { _handle: { fd: number } })._handle.fd;
    const d = new BatchedDestination({ dest: fd, flushIntervalMs: 5, maxBatchBytes: 16 * 1024, maxPendingBytes: 512 * 1024 });
    const t0 = performance.now();
    // Write until the bound drops a line (the socket's buffer size varies), then 1,000 more.
    let sent = 0;
    let accepted = 0;
    let firstDrop = -1;
    while (firstDrop < 0 ? sent < 1_000_000 : sent < firstDrop + 1000) {
      if (d.write(line(sent))) accepted++;
      else if (firstDrop < 0) firstDrop = sent;
      sent++;
    }
    const blockedMs = performance.now() - t0;
    assert.ok(d.pendingBytes > 0, 'the pipe is full: a tail is kept');
    assert.ok(d.pendingBytes <= 512 * 1024 + 16 * 1024 + line(0).length, `bounded memory (${d.pendingBytes} bytes pending)`);
    assert.ok(firstDrop > 0, 'lines past the bound are dropped');
    assert.ok(blockedMs < 5000, `writes returned without waiting for the reader (${Math.round(blockedMs)} ms for ${sent} lines)`);

    let out = '';
    reader.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    reader.send('go');
    await waitFor('the kept tail written once the reader reads', () => d.pendingBytes === 0, { timeoutMs: 10_000 });
    d.flushSync(); // the drop notice follows the tail
    reader.stdin!.end();
    await waitFor('the reader done', () => out.includes('bytes'), { timeoutMs: 10_000 }).catch((err: Error) =>
      assert.fail(`${err.message}; reader printed ${JSON.stringify(out)}`),
    );
    const got = JSON.parse(out) as { bytes: number; dropped: string };
    assert.equal(Number(got.dropped), sent - accepted, 'the notice counts every dropped line');
    assert.ok(got.bytes >= accepted * line(0).length, `every accepted line arrived (${got.bytes} bytes)`);
  },
);
