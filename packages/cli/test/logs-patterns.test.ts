// `holdfast logs patterns`, run as the real command line on real files and pipes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '@holdfast/testkit';

const bin = fileURLToPath(new URL('../bin/holdfast.ts', import.meta.url));
const run = (args: string[], input?: string | Buffer) =>
  spawnSync(process.execPath, [bin, 'logs', 'patterns', ...args], { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

const appLog = [
  '{"level":30,"time":1,"msg":"listening on 8080"}',
  '2024-05-01 10:00:00,001 ERROR [main] shop.Orders: order 42 failed: card declined',
  '2024-05-01 10:00:01,001 ERROR [main] shop.Orders: order 43 failed: card declined',
  'Error: connect ECONNREFUSED 127.0.0.1:5432',
  '    at TCPConnectWrap.afterConnect (node:net:1555:16)',
  '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
  'time=2024-05-01T10:00:02Z level=warn msg="cache miss for user 12"',
  'time=2024-05-01T10:00:03Z level=warn msg="cache miss for user 13"',
  '2024-05-01 10:00:04,001 ERROR [main] shop.Orders: order 44 failed: card declined',
].join('\n');

test('a file: templates by count with id and level, stack traces folded', (t) => {
  const file = join(tempDir(t), 'app.log');
  writeFileSync(file, appLog + '\n');
  const r = run([file]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0]!, /^COUNT\s+ID\s+LEVEL\s+TEMPLATE$/);
  assert.match(lines[1]!, /^\s*3\s+[0-9a-f]{12}\s+error\s+order <\*> failed: card declined$/);
  assert.match(lines[2]!, /^\s*2\s+[0-9a-f]{12}\s+warn\s+cache miss for user <\*>$/);
  // A line that starts with its level word (Error:, ERROR, [warn]) carries that level.
  assert.ok(
    lines.some((l) => /^\s*1\s+[0-9a-f]{12}\s+error\s+Error: connect ECONNREFUSED <\*>:<\*>$/.test(l)),
    r.stdout,
  );
  assert.equal(lines.at(-1), '7 events from 9 lines, 4 templates');
  const top = run([file, '--top', '1']);
  assert.match(top.stdout, /… 3 more \(--top 1 shown\)/);
});

test('--json: every template with count, level, first/last seen, an example; the input stats', () => {
  const r = run(['--json', '-'], appLog);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    source: string;
    stats: Record<string, number>;
    templates: { id: string; template: string; count: number; level: string | null; example: string; firstSeen: string }[];
  };
  assert.equal(out.source, 'stdin');
  assert.equal(out.stats.lines, 9);
  assert.equal(out.stats.events, 7);
  assert.equal(out.stats.templates, 4);
  const order = out.templates.find((x) => x.template === 'order <*> failed: card declined')!;
  assert.equal(order.count, 3);
  assert.equal(order.level, 'error');
  assert.equal(order.example, 'order 42 failed: card declined');
  assert.ok(!Number.isNaN(Date.parse(order.firstSeen)));
});

test('--ids: one final template id per input line, in order', () => {
  const input = [
    'Invalid user alice from 10.0.0.1',
    'session opened for user root',
    'Invalid user bob from 10.0.0.2',
    'Invalid user carol from 10.0.0.3',
    'Invalid user dave from 10.0.0.4',
    'session closed for user root',
    '',
    'Invalid user erin from 10.0.0.5',
  ].join('\n');
  const r = run(['--ids'], input + '\n');
  assert.equal(r.status, 0, r.stderr);
  const ids = r.stdout.split('\n').slice(0, -1);
  assert.equal(ids.length, 8);
  for (const id of ids) assert.match(id, /^[0-9a-f]{12}$/);
  const users = [0, 2, 3, 4, 7].map((i) => ids[i]);
  assert.equal(new Set(users).size, 1, 'alice, bob and carol were templates of their own before dave: they get the merged id');
  assert.notEqual(ids[1], ids[5], 'opened and closed stay apart');
  assert.equal(new Set(ids).size, 4);
});

test('--state keeps ids stable from one run to the next; a broken state file is refused clearly', (t) => {
  const dir = tempDir(t);
  const state = join(dir, 'templates.json');
  const first = run(['--ids', '--state', state], 'disk full on volume 3\nuser 12 logged in\n');
  assert.equal(first.status, 0, first.stderr);
  assert.ok(existsSync(state));
  const second = run(['--ids', '--state', state], 'user 99 logged in\ndisk full on volume 7\n');
  assert.deepEqual(second.stdout.trim().split('\n'), first.stdout.trim().split('\n').reverse());
  const third = run(['--json', '--state', state], 'user 7 logged in\n');
  const tpl = (JSON.parse(third.stdout) as { templates: { template: string; count: number }[] }).templates.find(
    (x) => x.template === 'user <*> logged in',
  )!;
  assert.equal(tpl.count, 3, 'counts carry over');
  writeFileSync(state, '{"miner":{"format":"holdfast-templates","version":1,"templates":[{"id":"zz"}]}}');
  const bad = run(['--state', state], 'x\n');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /HOLDFAST_E_INSIGHT_STATE/);
  assert.match(bad.stderr, /templates\[0\]\.id: must be 12 lowercase hex digits/);
  writeFileSync(state, 'not json');
  assert.match(run(['--state', state], 'x\n').stderr, /--state .*templates\.json: not JSON/);
});

test('bad input: binary lines, invalid UTF-8 and a line of megabytes are counted, and --ids stays one id per line', () => {
  const input = Buffer.concat([
    Buffer.from('ok 1\n'),
    Buffer.from([0x00, 0x01, 0x02, 0xff, 0x0a]),
    Buffer.from([0x62, 0x61, 0x64, 0xff, 0x20, 0x31, 0x0a]),
    Buffer.from('x'.repeat(3 * 1024 * 1024) + '\n'),
    Buffer.from('ok 2\n'),
  ]);
  const ids = run(['--ids'], input);
  assert.equal(ids.status, 0, ids.stderr);
  const out = ids.stdout.split('\n').slice(0, -1);
  assert.equal(out.length, 5);
  assert.equal(out[0], out[4], 'ok 1 and ok 2');
  assert.match(ids.stderr, /1 line cut at the line limit, 1 line with invalid UTF-8 \(replaced\), 1 binary line/);
  const text = run(['--json', '--max-line-bytes', '1024'], input);
  assert.equal(text.status, 0, text.stderr);
  const stats = (JSON.parse(text.stdout) as { stats: Record<string, number> }).stats;
  assert.deepEqual([stats.lines, stats.truncated, stats.invalidUtf8, stats.binary, stats.events], [5, 1, 1, 1, 4]);
});

test('usage errors name the problem; a missing file is an error, not a hang', () => {
  const two = run(['a.log', 'b.log']);
  assert.equal(two.status, 2);
  assert.match(two.stderr, /give one FILE/);
  const header = run(['--header', '<Date> only'], '');
  assert.equal(header.status, 2);
  assert.match(header.stderr, /--header takes 'auto', 'none' or a format with <Content>/);
  const top = run(['--top', 'lots'], '');
  assert.equal(top.status, 2);
  assert.match(top.stderr, /--top must be an integer/);
  const missing = run(['/nonexistent/app.log']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot read '\/nonexistent\/app.log': no such file/);
  const help = spawnSync(process.execPath, [bin, 'logs', 'patterns', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: holdfast logs patterns/);
  assert.equal(readFileSync(bin, 'utf8').length > 0, true);
});
