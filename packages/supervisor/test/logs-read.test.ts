// Reading logs back and keeping them safe: the tail reaches into rotated and gzipped files, a
// program's instances show merged with their names, rotated files keep the live file's mode, a
// gzip that fails (a full disk) keeps the rotation uncompressed, and followers that read slowly
// are skipped ahead instead of buffered without bound.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { cleanup, tempDir, waitFor } from '@holdfast/testkit';
import { RotatingLog } from '../src/logs/rotating-log.ts';
import { MAX_TAIL_LINES, readLastLines } from '../src/logs/tail.ts';
import { fixtures, node, startDaemon, writeConfig } from './helpers.ts';

const opts = { maxBytes: 100, backups: 3, daily: false, gzip: false, bufferBytes: 1 << 20 };
const lines = (from: number, to: number, tag = 'l') => Array.from({ length: to - from }, (_, i) => `${tag}${from + i}\n`).join('');

test('the tail reads the live file, then rotated files newest first, plain and gzipped alike', async (t) => {
  const dir = tempDir(t);
  const f = join(dir, 'w.log');
  writeFileSync(`${f}.3.gz`, gzipSync(lines(0, 3)));
  writeFileSync(`${f}.2`, lines(3, 5)); // a gzip that failed left this one plain
  writeFileSync(`${f}.1.gz`, gzipSync(lines(5, 8)));
  writeFileSync(f, lines(8, 10));
  assert.equal(await readLastLines(f, 1), 'l9\n');
  assert.equal(await readLastLines(f, 4), lines(6, 10));
  assert.equal(await readLastLines(f, 7), lines(3, 10));
  assert.equal(await readLastLines(f, 100), lines(0, 10), 'every file, oldest first');
  writeFileSync(`${f}.1.gz`, gzipSync(lines(0, 50_000, 'big')));
  assert.equal(await readLastLines(f, 3), 'big49999\nl8\nl9\n', 'a large archive is streamed, its last lines kept');
  assert.equal(await readLastLines(join(dir, 'none.log'), 3), '');
  assert.equal(MAX_TAIL_LINES, 100_000);
});

test('rotated files keep the live file mode, gzipped or not, and so does the next live file', async (t) => {
  const dir = tempDir(t);
  const old = process.umask(0o022);
  t.after(() => process.umask(old));
  for (const gzip of [false, true]) {
    const file = join(dir, `m-${gzip}.log`);
    const log = new RotatingLog({ ...opts, gzip, file });
    log.write(Buffer.from('first line\n'));
    await log.flush();
    assert.equal(statSync(file).mode & 0o777, 0o640, 'a new log is 0640');
    for (let i = 0; i < 12; i++) log.write(Buffer.from(`line ${i} ${'m'.repeat(20)}\n`));
    await log.flush();
    const rotated = `${file}.1${gzip ? '.gz' : ''}`;
    assert.equal(statSync(rotated).mode & 0o777, 0o640, `${rotated}: the live file's mode, not the umask's 0644`);
    chmodSync(file, 0o600);
    for (let i = 0; i < 12; i++) log.write(Buffer.from(`more ${i} ${'m'.repeat(20)}\n`));
    await log.close();
    assert.equal(statSync(rotated).mode & 0o777, 0o600, 'a mode the owner set is kept too');
    assert.equal(statSync(file).mode & 0o777, 0o600, 'and the next live file gets it');
  }
});

function mountTmpfs(t: TestContext, dir: string, size: string): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir]);
  cleanup(t, () => execFileSync('umount', ['-l', dir]));
}

test('a gzip that fails for want of space keeps the rotation uncompressed, and its mode', async (t) => {
  const disk = join(tempDir(t), 'disk');
  mountTmpfs(t, disk, '1m');
  const file = join(disk, 'z.log');
  const log = new RotatingLog({ ...opts, file, maxBytes: 400_000, gzip: true, backups: 2 });
  // Random text hardly compresses: its gzip needs more room than is left.
  const first = Array.from({ length: 3500 }, () => `${randomBytes(75).toString('base64')}\n`).join('');
  log.write(Buffer.from(first));
  await log.flush();
  const free = Number(execFileSync('df', ['--output=avail', '-B1', disk], { encoding: 'utf8' }).split('\n')[1]);
  writeFileSync(join(disk, 'filler'), Buffer.alloc(Math.max(0, free - 120_000)));
  log.write(Buffer.from(`${'r'.repeat(60_000)}\n`));
  await log.flush();
  log.write(Buffer.from('after the rotation\n'));
  await log.close();
  const files = readdirSync(disk).sort();
  assert.deepEqual(files, ['filler', 'z.log', 'z.log.1'], 'the rotated file kept plain, no partial .gz, no .tmp');
  assert.equal(readFileSync(join(disk, 'z.log.1'), 'utf8'), first, 'every byte of the rotation is there');
  assert.equal(statSync(join(disk, 'z.log.1')).mode & 0o777, 0o640);
  assert.match(readFileSync(file, 'utf8'), /after the rotation\n$/);
  assert.match(log.compressionError ?? '', /gzip of .*z\.log\.1 failed \(no space left on the device \(ENOSPC\)\); kept it uncompressed/);
  // The next rotation shifts the plain file along with the compressed ones.
  execFileSync('rm', [join(disk, 'filler')]);
  const log2 = new RotatingLog({ ...opts, file, maxBytes: 40, gzip: true, backups: 3 });
  log2.write(Buffer.from('x'.repeat(30) + '\n' + 'y'.repeat(30) + '\n'));
  await log2.close();
  assert.deepEqual(readdirSync(disk).sort(), ['z.log', 'z.log.1.gz', 'z.log.2.gz', 'z.log.3']);
  assert.equal(readFileSync(join(disk, 'z.log.3'), 'utf8'), first, 'the plain rotation moved along');
  assert.ok(
    gunzipSync(readFileSync(join(disk, 'z.log.2.gz')))
      .toString()
      .endsWith('r\nafter the rotation\n'),
  );
  assert.equal((await readLastLines(file, 4000)).split('\n').length - 1, 3500 + 4, 'read back across plain and gzipped rotations');
  assert.equal(gunzipSync(readFileSync(join(disk, 'z.log.1.gz'))).toString(), 'x'.repeat(30) + '\n');
});

function get(socket: string, path: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, path }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.once('error', reject);
    req.end();
  });
}

test('logs of a program with several instances: merged, each line with its instance; lines is bounded', async (t) => {
  const { config } = await writeConfig(
    t,
    `programs:\n  many:\n    command: ` +
      `[${node}, ${join(fixtures, 'storm.mjs')}]\n    instances: 3\n    env: ` +
      `{EVERY_MS: 20, PAD: 3}\n    ready: {afterMs: 0}\n`,
  );
  const { client } = await startDaemon(t, config);
  await waitFor('5 lines from every instance', async () => {
    const text = await client.logs('many', { lines: 5 });
    return [0, 1, 2].every((i) => text.split(`many:${i} | many:${i} `).length - 1 === 5);
  });
  const text = await client.logs('many', { lines: 5 });
  const rows = text.trimEnd().split('\n');
  assert.equal(rows.length, 15, '5 lines of each instance');
  for (const r of rows) assert.match(r, /^(many:\d) \| \1 \d+ line \d+ xxx$/, 'each line says its instance');
  assert.deepEqual([...new Set(rows.map((r) => r.slice(0, 6)))], ['many:0', 'many:1', 'many:2'], 'grouped by instance, in order');
  assert.match(await client.logs('many:1', { lines: 2 }), /^(many:1 \d+ line \d+ xxx\n){2}$/, 'one instance: no prefix');
  const tooMany = await get(config.supervisor.socket, `/v1/logs?instance=many&lines=${MAX_TAIL_LINES + 1}`);
  assert.equal(tooMany.status, 400);
  assert.match(tooMany.text, /lines must be an integer from 0 to 100000/);

  // Following every instance: new lines of all three arrive, prefixed.
  const ac = new AbortController();
  let followed = '';
  const following = client.followLogs('many', { lines: 0, signal: ac.signal }, (c) => (followed += c));
  await waitFor('followed lines of every instance', () => [0, 1, 2].every((i) => followed.includes(`many:${i} | many:${i} `)));
  ac.abort();
  await following.catch(() => {});
  for (const l of followed.trimEnd().split('\n').slice(0, -1)) assert.match(l, /^(many:\d) \| \1 \d+ line \d+ xxx$/);
});

test(
  'a follower that stops reading is skipped ahead, not buffered: the daemon stays small and the follower is told ' + 'what it missed',
  async (t) => {
    const { config } = await writeConfig(
      t,
      `programs:\n  flood:\n    command: ` +
        `[${node}, ${join(fixtures, 'chatter.mjs')}]\n    env: {LINES: 400000, PAD: ` +
        `200}\n    autostart: false\n    autorestart: never\n    ready: {afterMs: 0}\n    logs:\n      stdout: ` +
        `{maxBytes: 8MiB, backups: 1}\n      stderr: {file: false}\n`,
    );
    const { client, child } = await startDaemon(t, config);
    const rss = () => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) * 1024;
    // A follower that reads nothing for now.
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request({ socketPath: config.supervisor.socket, path: '/v1/logs?instance=flood&lines=0&follow=1' }, resolve);
      req.once('error', reject);
      req.end();
    });
    res.pause();
    cleanup(t, () => res.destroy());
    const before = rss();
    await client.start('flood');
    await waitFor('the flood is over', async () => (await client.status()).programs[0]!.state === 'EXITED', { timeoutMs: 60_000 });
    const grew = rss() - before;
    assert.ok(grew < 40 * 2 ** 20, `the daemon did not hold the ~90 MB the follower did not read (grew ${Math.round(grew / 2 ** 20)} MB)`);
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => (text += c));
    res.resume();
    await waitFor('the skip notice', () => /\[holdfast\] \d+ bytes skipped: this reader fell behind the program's output\n/.test(text), {
      timeoutMs: 10_000,
    });
    const skipped = Number(/\[holdfast\] (\d+) bytes skipped/.exec(text)![1]);
    assert.ok(skipped > 10 * 2 ** 20, `most of the flood was skipped (${skipped} bytes)`);
  },
);

test('an event stream whose client stops reading: a bounded queue, then an overflow event and the end of the stream', async (t) => {
  const { config } = await writeConfig(t, `programs:\n  swarm:\n    command: sleep 1000\n    instances: 60\n    ready: {afterMs: 0}\n`);
  const { client } = await startDaemon(t, config);
  await waitFor('every instance READY', async () => (await client.status()).programs.every((p) => p.state === 'READY'), {
    timeoutMs: 30_000,
  });
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request({ socketPath: config.supervisor.socket, path: '/v1/events' }, resolve);
    req.once('error', reject);
    req.end();
  });
  res.pause();
  cleanup(t, () => res.destroy());
  // Each restart of all 60 sends 180 events; the socket buffer takes a few hundred of ~400 bytes.
  for (let i = 0; i < 12; i++) await client.restart('swarm');
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (c: string) => (text += c));
  const ended = new Promise((r) => res.once('end', r));
  res.resume();
  await ended;
  assert.match(
    text,
    /event: overflow\ndata: \{"type":"overflow","dropped":true,"max":256\}\n\n$/,
    'the client is told, then the stream ends',
  );
  assert.ok(
    (await client.status()).programs.every((p) => p.state === 'READY'),
    'the daemon carried on',
  );
});
