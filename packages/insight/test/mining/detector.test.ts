import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InsightError, PatternDetector, type Observation, type PatternSignal } from '@holdfast/insight';

const obs = (id: string, change: Observation['change'] = 'none', level = 30): Observation => ({
  id,
  template: `template ${id}`,
  change,
  level,
  example: `example ${id}`,
  absorbed: [],
});
const SEC = 1000;
const MIN = 60 * SEC;

test('a new template at warn or above is reported at once; at info only once the program has settled', () => {
  const d = new PatternDetector({ settleMs: 10 * MIN, settleMinLines: 5 });
  let t = 0;
  assert.deepEqual(d.observe(t, obs('a', 'created', 30)), [], 'startup: new info templates are expected');
  const warn = d.observe(t, obs('b', 'created', 40));
  assert.equal(warn.length, 1);
  assert.deepEqual(
    { ...warn[0], at: 0 },
    { type: 'template.new', at: 0, id: 'b', template: 'template b', level: 40, example: 'example b', reason: 'level' },
  );
  for (let i = 0; i < 10; i++) d.observe((t += SEC), obs('a'));
  assert.deepEqual(d.observe((t += SEC), obs('c', 'created', 30)), [], 'not settled: a new template 12 s after the last one');
  t += 11 * MIN;
  const late = d.observe(t, obs('d', 'created', 30));
  assert.equal(late.length, 1);
  assert.equal(late[0]!.type, 'template.new');
  assert.equal((late[0] as { reason: string }).reason, 'settled');
});

test('a burst: a template far above its own baseline is reported once per episode', () => {
  const d = new PatternDetector({ warmupMs: MIN, burstMinCount: 60, burstFactor: 10 });
  const signals: PatternSignal[] = [];
  let t = 0;
  // 30 minutes of 'steady' at 6/min, and one 'refused' line every 10 minutes.
  for (; t < 30 * MIN; t += 10 * SEC) {
    signals.push(...d.observe(t, obs('steady')));
    if (t % (10 * MIN) === 0) signals.push(...d.observe(t, obs('refused', t === 0 ? 'created' : 'none', 50)));
  }
  assert.deepEqual(
    signals.filter((s) => s.type === 'template.burst'),
    [],
    'no burst at the usual rates',
  );
  // Connection refused jumps to 300/min.
  const burst: PatternSignal[] = [];
  for (let i = 0; i < 300; i++) burst.push(...d.observe(t + i * 200, obs('refused', 'none', 50)));
  const b = burst.filter((s) => s.type === 'template.burst');
  assert.equal(b.length, 1, 'one signal for the episode, not one per line');
  assert.equal(b[0]!.id, 'refused');
  assert.ok(b[0]!.type === 'template.burst' && b[0]!.windowCount >= 60 && b[0]!.baselineCount < 6);
  // Quiet for an hour, then a second flood is a second episode.
  t += 60 * MIN;
  d.observe(t, obs('refused'));
  const again: PatternSignal[] = [];
  for (let i = 0; i < 300; i++) again.push(...d.observe(t + i * 200, obs('refused')));
  assert.equal(again.filter((s) => s.type === 'template.burst').length, 1);
});

test('a steady high rate is the baseline, not a burst; no burst during warm-up', () => {
  const d = new PatternDetector({ warmupMs: 2 * MIN });
  const out: PatternSignal[] = [];
  for (let t = 0; t < 60 * MIN; t += 100) out.push(...d.observe(t, obs('chatty', t === 0 ? 'created' : 'none')));
  assert.deepEqual(
    out.filter((s) => s.type === 'template.burst').map((s) => s.at),
    [],
    'started at 600/min from the first minute: warm-up, then baseline',
  );
});

test('absorbed ids carry their counts into the survivor', () => {
  const d = new PatternDetector();
  for (let i = 0; i < 5; i++) d.observe(i, obs('old'));
  d.observe(10, { ...obs('new'), absorbed: ['old'] });
  assert.equal(d.rate('old', 10), undefined);
  assert.equal(d.rate('new', 10)!.windowCount, 6);
});

test('state round trip keeps baselines; tracking is bounded', () => {
  const d = new PatternDetector({ maxTracked: 3 });
  for (let t = 0; t < 10 * MIN; t += SEC) d.observe(t, obs('a'));
  const copy = new PatternDetector({ maxTracked: 3 }, JSON.parse(JSON.stringify(d.save())));
  assert.deepEqual(copy.rate('a', 10 * MIN), d.rate('a', 10 * MIN));
  for (const id of ['b', 'c', 'd', 'e']) copy.observe(10 * MIN, obs(id));
  assert.equal(copy.tracked, 3);
  assert.throws(
    () => new PatternDetector({}, { startedAt: 0, lastNewAt: null, lines: 1, rates: [['a', 0, [1], 0, 0]] }),
    (e: unknown) => e instanceof InsightError && e.code === 'HOLDFAST_E_INSIGHT_STATE',
  );
});

test('bad options are refused with their paths', () => {
  assert.throws(
    () => new PatternDetector({ bucketMs: 0, burstFactor: 0.5, nope: 1 } as never),
    (e: unknown) =>
      e instanceof InsightError &&
      e.code === 'HOLDFAST_E_INSIGHT_DETECTOR' &&
      e.issues
        .map((i) => i.path[0])
        .sort()
        .join() === 'bucketMs,burstFactor,nope',
  );
});
