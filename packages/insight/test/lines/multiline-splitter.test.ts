import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter, MultilineFolder } from '@holdfast/insight';

function fold(lines: string[], limits = {}): string[][] {
  const f = new MultilineFolder(limits);
  const out: string[][] = [];
  for (const l of lines) {
    const done = f.push(l);
    if (done) out.push(done);
  }
  const last = f.flush();
  if (last) out.push(last);
  return out;
}

test('a Java stack trace with Caused by and ... N more is one event', () => {
  const java = [
    '2024-05-01 10:00:00 ERROR [main] app: request failed',
    'java.lang.IllegalStateException: boom',
    '\tat com.shop.Orders.place(Orders.java:42)',
    '\tat com.shop.Api.handle(Api.java:7)',
    'Caused by: java.io.IOException: reset',
    '\tat java.net.Socket.read(Socket.java:1)',
    '\t... 2 more',
  ];
  // The exception line starts a new event (it is not indented); its frames and causes join it.
  assert.deepEqual(
    fold([...java, '2024-05-01 10:00:01 INFO [main] app: next']).map((e) => e.length),
    [1, 6, 1],
  );
});

test('a Node error, a Python traceback and a Go panic are one event each', () => {
  const node = [
    'Error: connect ECONNREFUSED 127.0.0.1:5432',
    '    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)',
    '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
  ];
  const python = [
    'Traceback (most recent call last):',
    '  File "app.py", line 3, in <module>',
    '    main()',
    '  File "app.py", line 2, in main',
    '    raise ValueError("bad input")',
    'ValueError: bad input',
  ];
  const go = [
    'panic: runtime error: index out of range [3] with length 3',
    '',
    'goroutine 1 [running]:',
    'main.main()',
    '\t/tmp/x.go:8 +0x1d',
    'exit status 2',
  ];
  const events = fold([...node, 'next line', ...python, 'after', ...go.slice(0, 1), ...go.slice(2)]);
  assert.deepEqual(
    events.map((e) => e[0]),
    [node[0], 'next line', python[0], 'after', go[0]],
  );
  assert.equal(events[2]!.length, python.length);
  assert.equal(events[2]!.at(-1), 'ValueError: bad input');
  assert.equal(events[4]!.length, 5);
});

test('JSON lines and blank lines never continue an event; the size limits start a new one', () => {
  assert.deepEqual(
    fold(['a', '{"msg":"x"}', '  indented', '', 'b']).map((e) => e.length),
    [1, 2, 1, 1],
  );
  assert.deepEqual(
    fold(['head', ' 1', ' 2', ' 3', ' 4'], { maxLines: 3 }).map((e) => e.length),
    [3, 2],
  );
});

test('lines split across chunks; CRLF; a line longer than the cap is cut and counted; the rest of it is dropped', () => {
  const s = new LineSplitter(64);
  const out: string[] = [];
  const on = (l: string) => out.push(l);
  s.push(Buffer.from('hel'), on);
  s.push(Buffer.from('lo\r\nwor'), on);
  s.push(Buffer.from(`ld\n${'x'.repeat(200)}`), on);
  s.push(Buffer.from(`${'y'.repeat(10_000)}\nafter`), on);
  s.end(on);
  assert.deepEqual(out, ['hello', 'world', 'x'.repeat(64), 'after']);
  assert.equal(s.stats.lines, 4);
  assert.equal(s.stats.truncated, 1);
  assert.equal(s.stats.bytes, 3 + 7 + 203 + 10_006);
});

test('a cut never leaves half a UTF-8 character; invalid UTF-8 is replaced and counted; binary lines are counted and skipped', () => {
  const s = new LineSplitter(64);
  const out: string[] = [];
  const on = (l: string) => out.push(l);
  s.push(Buffer.from(`${'a'.repeat(63)}é tail\n`), on); // é is 2 bytes: bytes 63-64
  s.push(Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x21, 0x0a]), on);
  s.push(Buffer.from([0x00, 0x01, 0x02, 0x41, 0x0a]), on);
  s.push(Buffer.from('ok\n'), on);
  assert.deepEqual(out, ['a'.repeat(63), 'bad\ufffd\ufffd!', 'ok']);
  assert.equal(s.stats.invalidUtf8, 1);
  assert.equal(s.stats.binary, 1);
  assert.equal(s.stats.truncated, 1);
});

test('whole chunks of lines and the same bytes a few at a time give the same lines and counts, clean or not', () => {
  // Whole lines inside one chunk are decoded as one run; a chunk with a bad line goes line by
  // line; a byte at a time goes through the partial-line path. All three must agree.
  const lines = ['plain 1', 'crlf 2\r', 'é ünïcödé 3', `${'z'.repeat(100)} long`, '', 'tab\there', 'last'];
  const dirty = Buffer.concat([
    Buffer.from(lines.slice(0, 3).join('\n') + '\n'),
    Buffer.from([0x62, 0xff, 0x0a, 0x00, 0x01, 0x02, 0x0a]),
    Buffer.from(lines.slice(3).join('\n') + '\n'),
  ]);
  const clean = Buffer.from(lines.join('\n') + '\n');
  for (const input of [clean, dirty]) {
    const run = (sizes: number) => {
      const s = new LineSplitter(64);
      const out: string[] = [];
      for (let i = 0; i < input.length; i += sizes) s.push(input.subarray(i, i + sizes), (l) => out.push(l));
      s.end((l) => out.push(l));
      return { out, stats: s.stats };
    };
    const whole = run(input.length);
    for (const size of [1, 2, 3, 7, 50]) assert.deepEqual(run(size), whole, `chunks of ${size}`);
    assert.equal(whole.out[1], 'crlf 2');
    assert.equal(whole.out.find((l) => l.startsWith('zzz'))!.length, 64);
  }
});
