import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonLine, parseLogfmtLine } from '@holdfast/insight';

const pick = (e: ReturnType<typeof parseJsonLine>) => e && { message: e.message, level: e.level, format: e.format };

test('pino: msg, numeric level, err {type, message}', () => {
  const line = JSON.stringify({
    level: 50,
    time: 1700000000000,
    pid: 12,
    hostname: 'h',
    msg: 'request failed',
    err: { type: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:6379', stack: 'Error: connect…\n    at x' },
  });
  assert.deepEqual(pick(parseJsonLine(line)), {
    message: 'request failed Error: connect ECONNREFUSED 127.0.0.1:6379',
    level: 50,
    format: 'json',
  });
});

test('bunyan: err {name, message}; Go slog and zap: string levels, error strings', () => {
  assert.deepEqual(
    pick(
      parseJsonLine(
        '{"name":"app","hostname":"h","pid":1,"level":40,"msg":"slow query","err":{"name":"TimeoutError","message":"took 3s"},"v":0}',
      ),
    ),
    { message: 'slow query TimeoutError: took 3s', level: 40, format: 'json' },
  );
  assert.deepEqual(
    pick(parseJsonLine('{"time":"2024-05-01T10:00:00Z","level":"WARN","msg":"retrying","attempt":3,"err":"dial tcp: i/o timeout"}')),
    { message: 'retrying dial tcp: i/o timeout', level: 40, format: 'json' },
  );
  assert.deepEqual(
    pick(parseJsonLine('{"level":"error","ts":1714557600.1,"caller":"x/y.go:12","msg":"write failed","error":"disk full"}')),
    { message: 'write failed disk full', level: 50, format: 'json' },
  );
});

test('structlog: event and a traceback named by its last line; ECS: log.level and error.*', () => {
  const tb = 'Traceback (most recent call last):\n  File "a.py", line 1, in <module>\nValueError: bad input';
  assert.deepEqual(pick(parseJsonLine(JSON.stringify({ event: 'import failed', level: 'error', timestamp: 'x', exception: tb }))), {
    message: 'import failed ValueError: bad input',
    level: 50,
    format: 'json',
  });
  assert.deepEqual(
    pick(
      parseJsonLine(
        JSON.stringify({ '@timestamp': 'x', 'log.level': 'info', message: 'started', 'error.type': 'E', 'error.message': 'm' }),
      ),
    ),
    { message: 'started E: m', level: 30, format: 'json' },
  );
  assert.deepEqual(pick(parseJsonLine(JSON.stringify({ log: { level: 'debug' }, message: 'hi' }))), {
    message: 'hi',
    level: 20,
    format: 'json',
  });
});

test('not JSON, or JSON without a message: undefined (the line is read as plain)', () => {
  assert.equal(parseJsonLine('{not json}'), undefined);
  assert.equal(parseJsonLine('[1,2]'), undefined);
  assert.equal(parseJsonLine('{"a":1}'), undefined);
  assert.equal(parseJsonLine('plain text'), undefined);
});

test('logfmt: msg, level, err; quoted values with escapes', () => {
  const e = parseLogfmtLine('time=2024-05-01T10:00:00Z level=warn msg="cache miss \\"user\\"" key=u:12 err="redis: nil"');
  assert.deepEqual(e && { message: e.message, level: e.level, format: e.format }, {
    message: 'cache miss "user" redis: nil',
    level: 40,
    format: 'logfmt',
  });
  assert.equal(parseLogfmtLine('level=info no message here'), undefined);
  assert.equal(parseLogfmtLine('the msg= is inside prose here'), undefined);
  assert.equal(parseLogfmtLine('msg="unterminated'), undefined);
});

test('the fast field scanner reads what JSON.parse reads, and refuses what JSON.parse refuses', () => {
  const lines = [
    '{"msg":"a \\"quoted\\" word","level":30}',
    '{"ctx":{"a":"}{","b":[1,{"c":"]"}]},"msg":"nested braces in strings","level":"warn"}',
    '{ "msg" : "spaced out" , "level" : 40 }',
    '{"msg":"first","msg":"second"}',
    '{"msg":"back\\\\slash","level":20}',
    '{"msg":"esc \\u0041","err":{"type":"E","message":"two\\nlines"}}',
    '{"le\\u0076el":50,"msg":"escaped key"}',
  ];
  const expected = ['a "quoted" word', 'nested braces in strings', 'spaced out', 'second', 'back\\slash', 'esc A E: two', 'escaped key'];
  assert.deepEqual(
    lines.map((l) => parseJsonLine(l)?.message),
    expected,
  );
  assert.deepEqual(
    lines.map((l) => parseJsonLine(l)?.level),
    [30, 40, 40, -1, 20, -1, 50],
  );
  for (const bad of ['{"msg":"x",}', '{"msg":"x" "y":1}', '{"msg":"unterminated}', '{"msg":"x","level":}', '{"msg":"x"}}'])
    assert.equal(parseJsonLine(bad), undefined, bad);
});
