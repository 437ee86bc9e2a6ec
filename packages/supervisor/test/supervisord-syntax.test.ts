// The layers under the supervisord reader, each held to Python's behaviour: the INI dialect of
// RawConfigParser, shlex splitting, %-formatting and supervisord's value types.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseIni } from '../src/supervisord/ini.ts';
import { FormatError, pyFormat } from '../src/supervisord/pyformat.ts';
import { keyValueTokens, shlexSplit, ShlexError } from '../src/supervisord/shlex.ts';
import { parseBoolean, parseByteSize, parseInteger, parseKeyValuePairs, parseSignal, ValueProblem } from '../src/supervisord/values.ts';

const entries = (text: string) =>
  Object.fromEntries(parseIni(text, 'f.conf').sections.map((s) => [s.name, Object.fromEntries(s.entries.map((e) => [e.key, e.value]))]));

test('ini: key = value and key: value, keys lower-cased, section names kept as written', () => {
  assert.deepEqual(entries('[Program:Web]\nCommand = /bin/web\nuser: www-data\n'), {
    'Program:Web': { command: '/bin/web', user: 'www-data' },
  });
});

test('ini: the first = or : splits, so values may contain both', () => {
  assert.deepEqual(entries('[a]\nurl=http://x:1/?a=b\nx: y=z\n'), { a: { url: 'http://x:1/?a=b', x: 'y=z' } });
});

test('ini: ; and # start a comment at line start, or after whitespace mid-line', () => {
  assert.deepEqual(entries('; c\n# c\n[a] ; c\nx=1 ; c\ny=2;3 #c\nz=a#b\n  ; indented comment\n'), { a: { x: '1', y: '2;3', z: 'a#b' } });
});

test('ini: an indented line continues the value; blank lines inside are kept, trailing ones dropped', () => {
  assert.deepEqual(entries('[a]\nx = one\n  two\n\n  three\n\ny=\n  1\n\n'), { a: { x: 'one\ntwo\n\nthree', y: '\n1' } });
});

test('ini: a repeated key takes the later value and is reported; a repeated section merges', () => {
  const r = parseIni('[a]\nx=1\n[b]\ny=1\n[a]\nx=2\nz=3\n', 'f.conf');
  assert.deepEqual(entries('[a]\nx=1\n[b]\ny=1\n[a]\nx=2\nz=3\n'), { a: { x: '2', z: '3' }, b: { y: '1' } });
  assert.deepEqual(
    r.overridden.map((o) => [o.section, o.entry.key, o.entry.line]),
    [['a', 'x', 2]],
  );
});

test('ini: every entry keeps its line; CRLF and a BOM are read like plain text', () => {
  const r = parseIni('\uFEFF[a]\r\nx=1\r\n\r\ny=2\r\n', 'f.conf');
  assert.deepEqual(
    r.sections[0]!.entries.map((e) => [e.key, e.value, e.line]),
    [
      ['x', '1', 2],
      ['y', '2', 4],
    ],
  );
});

test('ini: malformed lines are collected with their lines, not thrown', () => {
  const r = parseIni('x=1\n[a]\nnot a pair\n=v\n', 'f.conf');
  assert.deepEqual(
    r.errors.map((e) => e.line),
    [1, 3, 4],
  );
});

// Cases checked against Python 3's shlex.split.
const SPLIT_CASES: [string, string[]][] = [
  ['a b  c', ['a', 'b', 'c']],
  [`say "hello world" 'it''s'`, ['say', 'hello world', 'its']],
  [`a"b c"d`, ['ab cd']],
  [`"a\\"b" 'a\\b' a\\ b`, ['a"b', 'a\\b', 'a b']],
  [`"\\x"`, ['\\x']],
  [`""`, ['']],
  [`a ""`, ['a', '']],
  ['x\n  y', ['x', 'y']],
  ['-n w@%h --x=1;2', ['-n', 'w@%h', '--x=1;2']],
];

test('shlex: commands split as Python shlex.split does', () => {
  for (const [input, argv] of SPLIT_CASES) assert.deepEqual(shlexSplit(input), argv, input);
  assert.throws(() => shlexSplit('"open'), ShlexError);
  assert.throws(() => shlexSplit('end\\'), ShlexError);
});

test('shlex: the environment= lexer makes punctuation its own token and # a comment', () => {
  assert.deepEqual(keyValueTokens('A="x y",B=/p:1.2+3-(4),C=a#rest\nD=1'), [
    'A',
    '=',
    'x y',
    ',',
    'B',
    '=',
    '/p:1.2+3-(4)',
    ',',
    'C',
    '=',
    'a',
    'D',
    '=',
    '1',
  ]);
});

const hasPython = spawnSync('python3', ['-c', 'import shlex'], { encoding: 'utf8' }).status === 0;

test('shlex: random command lines split exactly as Python does', { skip: hasPython ? false : 'python3 not installed' }, () => {
  const alphabet = fc.constantFrom('a', 'b', ' ', '"', "'", '\\', '\n', '\t', '#', ';', '=', ',', '/', '%', '$', 'é');
  const lines = fc.sample(
    fc.array(alphabet, { maxLength: 14 }).map((cs) => cs.join('')),
    { numRuns: 400, seed: 42 },
  );
  const script = `
import json, shlex, sys
out = []
for s in json.load(sys.stdin):
    try:
        split = shlex.split(s)
    except ValueError:
        split = None
    lex = shlex.shlex(s, posix=True)
    lex.wordchars += '/.+-():'
    try:
        tokens = list(lex)
    except ValueError:
        tokens = None
    out.append([split, tokens])
print(json.dumps(out))`;
  const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(lines), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const expected = JSON.parse(r.stdout) as [string[] | null, string[] | null][];
  const attempt = (fn: () => string[]) => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ShlexError) return null;
      throw err;
    }
  };
  lines.forEach((line, i) => {
    assert.deepEqual(
      attempt(() => shlexSplit(line)),
      expected[i]![0],
      `split ${JSON.stringify(line)}`,
    );
    assert.deepEqual(
      attempt(() => keyValueTokens(line)),
      expected[i]![1],
      `tokens ${JSON.stringify(line)}`,
    );
  });
});

test('pyformat: %(name)s, widths, zero padding, signs, hex, %% — as Python formats them', () => {
  const v = { a: 'ab', n: 7, neg: -3 };
  assert.equal(
    pyFormat('%(a)5s|%(a)-5s|%(n)05d|%(n)+d|%(n) d|%(n).3d|%(n)x|%(n)#x|%(n)#o|%(a).1s|%(n)5.3d|%(n)-05d|%(a)r', v),
    "   ab|ab   |00007|+7| 7|007|7|0x7|0o7|a|  007|7    |'ab'",
  );
  assert.equal(pyFormat('%(neg)03d %(n)02d%%', v), '-03 07%');
  assert.equal(pyFormat('no expansions', {}), 'no expansions');
});

test('pyformat: missing names and malformed specs throw FormatError', () => {
  const problem = (t: string, v: Record<string, string | number> = {}) => {
    try {
      pyFormat(t, v);
    } catch (err) {
      assert.ok(err instanceof FormatError);
      return err.problem;
    }
    assert.fail(`expected ${t} to fail`);
  };
  assert.deepEqual(problem('%(x)s'), { kind: 'missing', name: 'x' });
  assert.equal(problem('50%').kind, 'malformed');
  assert.equal(problem('%d').kind, 'malformed');
  assert.equal(problem('%(a)', { a: 'v' }).kind, 'malformed');
  assert.equal(problem('%(a)q', { a: 'v' }).kind, 'malformed');
  assert.equal(problem('%(a)d', { a: 'v' }).kind, 'malformed');
});

test('values: integers, booleans, sizes and signals in supervisord spellings', () => {
  assert.equal(parseInteger(' 1_000 '), 1000);
  assert.equal(parseInteger('-5'), -5);
  for (const t of ['yes', 'TRUE', 'on', '1']) assert.equal(parseBoolean(t), true);
  for (const f of ['no', 'False', 'OFF', '0']) assert.equal(parseBoolean(f), false);
  assert.equal(parseByteSize('50MB'), 50 * 1024 * 1024);
  assert.equal(parseByteSize('1kb'), 1024);
  assert.equal(parseByteSize('2GB'), 2 * 1024 ** 3);
  assert.equal(parseByteSize('0'), 0);
  assert.equal(parseSignal('quit'), 'SIGQUIT');
  assert.equal(parseSignal('SIGHUP'), 'SIGHUP');
  assert.equal(parseSignal('9'), 'SIGKILL');
  for (const bad of ['1.5', '', 'ten']) assert.throws(() => parseInteger(bad), ValueProblem);
  for (const bad of ['50M', 'MB', '-1MB', '1.5MB']) assert.throws(() => parseByteSize(bad), ValueProblem);
});

test('values: environment= pairs with quotes, commas in quotes and continuation lines', () => {
  assert.deepEqual(parseKeyValuePairs('A="1",B=\'x,y\',\n  C=/usr/bin:/bin,D=""').pairs, { A: '1', B: 'x,y', C: '/usr/bin:/bin', D: '' });
  assert.deepEqual(parseKeyValuePairs('').pairs, {});
  // supervisord skips whatever sits between pairs; holdfast reads the same and says so.
  assert.deepEqual(parseKeyValuePairs('A=1;B=2'), { pairs: { A: '1', B: '2' }, oddSeparators: [';'] });
  assert.throws(() => parseKeyValuePairs('A=1,B'), ValueProblem);
});
