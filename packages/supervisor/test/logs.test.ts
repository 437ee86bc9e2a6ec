// Logs: size rotation at line boundaries, backups kept, gzip, daily rotation on an injected
// clock, a bounded buffer that drops (and counts) instead of blocking, and heavy
// concurrent output from real children rotated without losing a line.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { tempDir } from '@holdfast/testkit';
import { RotatingLog } from '../src/logs/rotating-log.ts';
import { fixtures, node, startSupervisor, waitState, writeConfig } from './helpers.ts';

const opts = { maxBytes: 100, backups: 3, daily: false, gzip: false, bufferBytes: 1 << 20 };

test('size rotation cuts at line boundaries and keeps `backups` files', async (t) => {
  const dir = tempDir(t);
  const log = new RotatingLog({ ...opts, file: join(dir, 'a.log') });
  for (let i = 0; i < 40; i++) log.write(Buffer.from(`line ${String(i).padStart(2, '0')} ${'x'.repeat(10)}\n`));
  await log.close();
  const files = readdirSync(dir).sort();
  assert.deepEqual(files, ['a.log', 'a.log.1', 'a.log.2', 'a.log.3']);
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    assert.ok(text.length <= 100, `${f} within maxBytes`);
    assert.ok(
      text.endsWith('\n') &&
        text
          .split('\n')
          .slice(0, -1)
          .every((l) => /^line \d\d x{10}$/.test(l)),
      `${f} holds whole lines only`,
    );
  }
  const newest = readFileSync(join(dir, 'a.log'), 'utf8').trim().split('\n');
  assert.equal(newest.at(-1), 'line 39 xxxxxxxxxx');
  assert.equal(log.rotations, 7, '760 bytes in files of 95');
});

test('rotated files are gzipped when asked', async (t) => {
  const dir = tempDir(t);
  const log = new RotatingLog({ ...opts, file: join(dir, 'g.log'), gzip: true });
  for (let i = 0; i < 20; i++) log.write(Buffer.from(`line ${String(i).padStart(2, '0')} ${'y'.repeat(10)}\n`));
  await log.close();
  assert.ok(readdirSync(dir).includes('g.log.1.gz'));
  assert.match(gunzipSync(readFileSync(join(dir, 'g.log.1.gz'))).toString(), /^line \d\d y+\n/);
  assert.ok(!readdirSync(dir).some((f) => f.endsWith('.tmp')));
});

test('daily rotation happens at local midnight', async (t) => {
  const dir = tempDir(t);
  let now = new Date(2026, 0, 1, 23, 59, 0);
  const log = new RotatingLog({ ...opts, maxBytes: 0, file: join(dir, 'd.log'), daily: true, now: () => now });
  log.write(Buffer.from('before midnight\n'));
  await log.flush();
  now = new Date(2026, 0, 2, 0, 0, 1);
  log.write(Buffer.from('after midnight\n'));
  await log.close();
  assert.equal(readFileSync(join(dir, 'd.log.1'), 'utf8'), 'before midnight\n');
  assert.equal(readFileSync(join(dir, 'd.log'), 'utf8'), 'after midnight\n');
});

test('a full buffer drops output, counts it, and says so in the file; the writer never blocks', async (t) => {
  const dir = tempDir(t);
  const log = new RotatingLog({ ...opts, maxBytes: 0, file: join(dir, 'b.log'), bufferBytes: 8192 });
  const chunk = Buffer.alloc(4096, 'z');
  // All synchronous: the first chunk goes to the (async) writer, the next two fill the buffer, the rest drop.
  for (let i = 0; i < 10; i++) log.write(chunk);
  assert.equal(log.droppedBytes, 7 * 4096);
  await log.flush();
  log.write(Buffer.from('after\n'));
  await log.close();
  const text = readFileSync(join(dir, 'b.log'), 'utf8');
  assert.ok(
    /\n\[holdfast\] 28672 bytes of output dropped between \S+Z and \S+Z: the log file could not keep up\n/.test(text),
    'the gap is noted on a line of its own',
  );
  assert.ok(text.endsWith('after\n'));
});

test('heavy concurrent output from real children is rotated without losing a line', async (t) => {
  const LINES = 20_000;
  const { dir } = await writeConfig(t, 'programs: {}\n');
  const { config } = await writeConfig(
    t,
    `programs:\n  chat:\n    command: ` +
      `[${node}, ${join(fixtures, 'chatter.mjs')}]\n    instances: 3\n    env: ` +
      (`{LINES: ${LINES}, TAG: "c{instance}"}\n    ready: {afterMs: 0}\n    autorestart: never\n    logs:\n` +
        `      stdout: {maxBytes: 256KiB, backups: 200, bufferBytes: 64MiB}\n      stderr: {maxBytes: 128KiB, ` +
        `backups: 400, bufferBytes: 64MiB}\n`),
    { dir },
  );
  const sup = await startSupervisor(t, config);
  for (let i = 0; i < 3; i++) await waitState(sup, `chat:${i}`, 'EXITED', 60_000);
  for (const r of sup.runners()) {
    await r.logs.stdout!.flush();
    await r.logs.stderr!.flush();
    assert.equal(r.logs.stdout!.droppedBytes + r.logs.stderr!.droppedBytes, 0, 'nothing dropped');
    assert.ok(r.logs.stdout!.rotations >= 3 && r.logs.stderr!.rotations >= 7, 'it rotated many times');
  }
  for (let i = 0; i < 3; i++) {
    for (const stream of ['stdout', 'stderr'] as const) {
      const base = join(dir, 'logs', `chat-${i}.${stream}.log`);
      // Oldest first: the highest-numbered backup, down to the current file.
      const rank = (f: string) => (f.endsWith('.log') ? 0 : Number(f.split('.').pop()));
      const files = readdirSync(join(dir, 'logs'))
        .filter((f) => f.startsWith(`chat-${i}.${stream}.log`))
        .sort((a, b) => rank(b) - rank(a));
      const lines = files.flatMap((f) =>
        readFileSync(join(dir, 'logs', f), 'utf8')
          .split('\n')
          .slice(0, -1),
      );
      assert.equal(lines.length, LINES, `${base}: every line`);
      const kind = stream === 'stdout' ? 'out' : 'err';
      lines.forEach((l, n) => assert.ok(l.startsWith(`c${i} ${kind} ${n} `), `${base}: line ${n} in order, whole: ${l.slice(0, 30)}`));
    }
  }
});
