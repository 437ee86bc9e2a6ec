// The template annotator on its own, with a real ProgramMiner behind it: lines cut anywhere by
// the pipe come out whole and annotated, output past the CPU share comes out unchanged and counted
// as shed, and a held line start goes out as it is when released.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProgramMiner, type MinerStream } from '@holdfast/insight/mining';
import { TemplateAnnotator, type AnnotatorContext } from '../src/insight/template-annotator.ts';

function setup(over: Partial<AnnotatorContext> = {}) {
  const pm = new ProgramMiner({ detector: false });
  const stream: MinerStream = pm.stream();
  const released: Buffer[] = [];
  const a = new TemplateAnnotator(
    { field: 'template_id', textField: false },
    {
      stream: () => stream,
      allow: () => true,
      charge: () => {},
      before: () => {},
      release: (b) => released.push(b),
      maxLineBytes: 1024,
      // A still clock unless a test moves it: a cold first call on a loaded machine must not end the turn.
      now: () => 0,
      ...over,
    },
  );
  return { pm, a, released };
}

const lines = [
  '{"level":30,"msg":"request 1 done in 3 ms"}',
  'plain user 1 logged in',
  '{"level":30,"msg":"request 2 done in 9 ms"}\r',
  '  indented continuation',
  '{"level":50,"msg":"request 3 done in 12 ms","err":{"type":"E","message":"x"}}',
];
const text = lines.join('\n') + '\n';

test('lines cut at every byte by the pipe come out as if written whole', () => {
  const whole = setup();
  const expected = whole.a.write(Buffer.from(text)).toString();
  assert.equal(whole.a.annotated, 3);
  assert.match(expected.split('\n')[0]!, /^\{"level":30,"msg":"request 1 done in 3 ms","template_id":"[0-9a-f]{12}"\}$/);
  assert.match(expected.split('\n')[2]!, /,"template_id":"[0-9a-f]{12}"\}\r$/, 'the CR stays after the brace');
  assert.equal(expected.split('\n')[1], lines[1]);
  assert.equal(expected.split('\n')[3], lines[3]);
  for (let cut = 1; cut < text.length; cut += 7) {
    const s = setup();
    const bytes = Buffer.from(text);
    const out = Buffer.concat([s.a.write(bytes.subarray(0, cut)), s.a.write(bytes.subarray(cut))]).toString();
    assert.equal(out, expected, `cut at ${cut}`);
    assert.equal(s.pm.stats.lines, lines.length, `cut at ${cut}: every line mined once`);
  }
});

test('past the CPU share the output is written unchanged and counted as shed', () => {
  let allowed = false;
  const s = setup({ allow: () => allowed });
  assert.equal(s.a.write(Buffer.from(text)).toString(), text);
  assert.equal(s.a.annotated, 0);
  assert.equal(s.pm.stats.mined, 0);
  assert.equal(s.pm.stats.skippedBytes, text.length);
  // A shed chunk that ended a line leaves the next line whole: it is mined and annotated.
  allowed = true;
  assert.match(s.a.write(Buffer.from(`${lines[0]}\n`)).toString(), /"template_id"/);
});

test('a chunk that takes a turn of time: the rest is written unchanged (shed), never held', () => {
  // The clock moves 5 ms per reading: the second line mined ends the 8 ms turn.
  let now = 0;
  let charged = 0;
  const s = setup({ now: () => (now += 5), charge: (ms) => (charged += ms) });
  const out = s.a.write(Buffer.from(`${lines[0]}\n`.repeat(4) + '{"msg":"unfinished')).toString();
  const got = out.split('\n');
  assert.equal(s.a.annotated, 2);
  assert.equal(got.filter((l) => l === lines[0]).length, 2, 'the rest exactly as written');
  assert.equal(got[4], '{"msg":"unfinished', 'not held: the shed rest goes out at once');
  assert.equal(s.pm.stats.mined, 2);
  assert.ok(s.pm.stats.skippedBytes > 0);
  assert.ok(charged >= 10, 'the time is charged to the share');
});

test('a JSON line start is held for its end; end() gives it back unchanged and its rest follows unchanged', () => {
  const s = setup();
  assert.equal(s.a.write(Buffer.from('plain\n{"msg":"half')).toString(), 'plain\n');
  const held = s.a.end().toString();
  assert.equal(held, '{"msg":"half');
  assert.equal(s.a.write(Buffer.from(' line"}\n{"msg":"next"}\n')).toString().split('\n')[0], ' line"}');
  assert.equal(s.a.annotated, 1, 'the next whole line is annotated');
  // A line start longer than the line limit is not held.
  const long = `{"msg":"${'x'.repeat(2000)}`;
  assert.equal(s.a.write(Buffer.from(long)).toString(), long);
});
