import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InsightError, ProgramMiner, type MinedEvent, type PatternSignal } from '@holdfast/insight';

function collect(options = {}, runtime = {}) {
  const mined: MinedEvent[] = [];
  const signals: PatternSignal[] = [];
  let now = 0;
  const pm = new ProgramMiner(options, { now: () => now, onMined: (m) => mined.push(m), onSignal: (s) => signals.push(s), ...runtime });
  return { pm, mined, signals, at: (t: number) => (now = t) };
}

test(
  'a program writing JSON, logfmt, plain lines with headers and a stack trace: one event each, mined on the ' +
    'message with the level kept',
  () => {
    const { pm, mined } = collect();
    const out = [
      '{"level":30,"time":1,"msg":"listening on 8080"}',
      'time=2 level=warn msg="cache miss for user 12"',
      '2024-05-01 10:00:00,001 ERROR [main] shop.Orders: order 42 failed',
      'Error: connect ECONNREFUSED 127.0.0.1:5432',
      '    at TCPConnectWrap.afterConnect (node:net:1555:16)',
      '{"level":"info","msg":"listening on 9090"}',
    ].join('\n');
    // Chunks that split lines anywhere.
    for (let i = 0; i < out.length; i += 7) pm.write(Buffer.from(out.slice(i, i + 7)));
    pm.end();
    assert.deepEqual(
      mined.map((m) => [m.event.format, m.event.level, m.result.template]),
      [
        ['json', 30, 'listening on <*>'],
        ['logfmt', 40, 'cache miss for user <*>'],
        ['plain', 50, 'order <*> failed'],
        ['plain', 50, 'Error: connect ECONNREFUSED <*>:<*>'],
        ['json', 30, 'listening on <*>'],
      ],
    );
    assert.equal(mined[3]!.event.lines, 2);
    assert.equal(mined[2]!.event.header, '2024-05-01 10:00:00,001 ERROR [main] shop.Orders:');
    const s = pm.stats;
    assert.equal(s.lines, 6);
    assert.equal(s.events, 5);
    assert.equal(s.mined, 5);
    assert.deepEqual(s.byLevel, { info: 2, warn: 1, error: 2 });
  },
);

test('a flood above maxEventsPerSecond is shed and counted; the sampling hook sheds too', () => {
  const { pm, mined, at } = collect({ maxEventsPerSecond: 10, multiline: false });
  at(1000);
  for (let i = 0; i < 25; i++) pm.line(`event ${i}`);
  at(2000);
  for (let i = 0; i < 5; i++) pm.line(`event ${i}`);
  assert.equal(mined.length, 15);
  assert.equal(pm.stats.shed, 15);
  const sampled = collect({ multiline: false }, { sample: (e: { message: string }) => !e.message.includes('noise') });
  sampled.pm.line('keep me');
  sampled.pm.line('noise noise');
  assert.equal(sampled.mined.length, 1);
  assert.equal(sampled.pm.stats.shed, 1);
});

test('signals: a new error template and a burst arrive through onSignal', () => {
  const { pm, signals, at } = collect({ multiline: false, detector: { warmupMs: 0, burstMinCount: 20 } });
  at(0);
  pm.line('2024-05-01 10:00:00 INFO app: started');
  pm.line('2024-05-01 10:00:00 ERROR app: connection refused to 10.0.0.5:6379');
  for (let i = 0; i < 30; i++) {
    at(1000 + i * 100);
    pm.line('2024-05-01 10:00:01 ERROR app: connection refused to 10.0.0.5:6379');
  }
  assert.deepEqual(
    signals.map((s) => [s.type, s.template]),
    [
      ['template.new', 'connection refused to <*>:<*>'],
      ['template.burst', 'connection refused to <*>:<*>'],
    ],
  );
});

test('state saved as JSON and restored: ids and baselines survive a restart', () => {
  const a = collect({ multiline: false });
  for (const u of ['alice', 'bob', 'carol', 'dave']) a.pm.line(`INFO login ok for ${u}`);
  const before = a.mined.map((m) => a.pm.miner.resolve(m.result.id));
  const state = JSON.parse(JSON.stringify(a.pm.save()));
  const mined: MinedEvent[] = [];
  const b = new ProgramMiner({ multiline: false }, { onMined: (m) => mined.push(m) }, state);
  b.line('INFO login ok for erin');
  assert.equal(mined[0]!.result.id, before[0]);
  assert.throws(
    () => new ProgramMiner({}, {}, { miner: { format: 'x' }, detector: null } as never),
    (e: unknown) => e instanceof InsightError && e.code === 'HOLDFAST_E_INSIGHT_STATE',
  );
});

test('bad options are refused with every problem', () => {
  assert.throws(
    () => new ProgramMiner({ header: '<Date> only', maxLineBytes: 1, miner: { maxTemplates: -1 }, extra: 1 } as never),
    (e: unknown) =>
      e instanceof InsightError &&
      e.issues
        .map((i) => i.path.join('.'))
        .sort()
        .join() === 'extra,header,maxLineBytes,miner.maxTemplates',
  );
});
