import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InsightError, TemplateMiner, restoreState } from '@holdfast/insight';

test('one line in: an id, the template text and the parameters out', () => {
  const m = new TemplateMiner();
  const r = m.add('Failed password for root from 5.36.59.76 port 42393 ssh2');
  assert.match(r.id, /^[0-9a-f]{12}$/);
  assert.equal(r.template, 'Failed password for root from <*> port <*> ssh2');
  assert.deepEqual(r.params, ['5.36.59.76', '42393']);
  assert.equal(r.change, 'created');
  const again = m.add('Failed password for root from 112.95.230.3 port 45378 ssh2');
  assert.equal(again.id, r.id);
  assert.equal(again.change, 'none');
  assert.equal(m.get(r.id)!.count, 2);
});

test('messages that differ in one word stay separate until the place has variantLimit different words', () => {
  const m = new TemplateMiner();
  const opened = m.add('session opened for user root by (uid=0)');
  const closed = m.add('session closed for user root by (uid=0)');
  assert.notEqual(opened.id, closed.id, 'opened/closed: two words at that place are two templates');
  const users = ['alice', 'bob', 'carol', 'dave'].map((u) => m.add(`Invalid user ${u} from 10.0.0.1`));
  assert.equal(new Set(users.slice(0, 3).map((r) => r.id)).size, 3, 'three names are not enough evidence yet');
  const last = users[3]!;
  assert.equal(last.change, 'generalised');
  assert.equal(last.template, 'Invalid user <*> from <*>');
  assert.equal(last.id, users[0]!.id, 'the oldest template keeps its id');
  assert.deepEqual([...last.absorbed].sort(), [users[1]!.id, users[2]!.id].sort());
  for (const r of users) assert.equal(m.resolve(r.id), users[0]!.id, 'absorbed ids resolve to the survivor');
  assert.equal(m.add('Invalid user eve from 10.0.0.2').id, users[0]!.id);
  assert.deepEqual(m.add('Invalid user mallory from 10.0.0.3').params, ['mallory', '10.0.0.3']);
  assert.equal(m.get(users[0]!.id)!.count, 6);
});

test('a first word that names the event never becomes a value without a shared prefix', () => {
  const m = new TemplateMiner();
  const ids = ['cupsd', 'syslogd', 'klogd', 'portmap', 'irqbalance'].map((d) => m.add(`${d} startup succeeded`).id);
  assert.equal(new Set(ids).size, 5);
  const apple = ['com.apple.cts:', 'com.apple.Safari.Update:', 'com.apple.icloud.fmfd:', 'com.apple.mail:'].map((w) =>
    m.add(`${w} job not ready, retry in 12 seconds`),
  );
  assert.equal(apple[3]!.template, 'com.apple.<*>: job not ready, retry in <*> seconds');
});

test('places that differ only by a value generalise at once (an address or a host name)', () => {
  const m = new TemplateMiner();
  const a = m.add('authentication failure; rhost=218.188.2.4 user=root');
  const b = m.add('authentication failure; rhost=ec2-54-222-1-1.compute.internal.x user=root');
  assert.equal(b.id, a.id);
  assert.equal(b.change, 'generalised');
  assert.equal(b.template, 'authentication failure; rhost=<*> user=root');
  assert.deepEqual(b.params, ['ec2-54-222-1-1.compute.internal.x']);
  assert.equal(
    m.add('authentication failure; rhost=db.example.com user=root').id,
    a.id,
    'a host name with a top-level domain is masked at once',
  );
});

test('a generalised place keeps the constant prefix and suffix its values share', () => {
  const m = new TemplateMiner();
  const rs = ['vcs1', 'vcsa', 'ttyS', 'sda'].map((d) => m.add(`creating device node '/udev/${d}'`));
  assert.equal(rs[3]!.template, "creating device node '/udev/<*>'");
  assert.deepEqual(m.add("creating device node '/udev/hdb'").params, ['hdb']);
});

test('a message that does not fit any template of its length starts a new one', () => {
  const m = new TemplateMiner();
  const a = m.add('Starting executor ID 1 on host node-a');
  const b = m.add('Registered signal handlers for [TERM, HUP, INT]');
  assert.notEqual(a.id, b.id);
  assert.equal(m.size, 2);
  assert.equal(m.add('').template, '');
});

test('at most maxTemplates are kept; the least recently seen goes first', () => {
  const m = new TemplateMiner({ maxTemplates: 3 });
  const a = m.add('alpha happened');
  const b = m.add('bravo went wrong here');
  m.add('charlie is a longer message than these');
  m.add('alpha happened'); // alpha is now the most recent
  const d = m.add('delta: another shape entirely, with more tokens in it');
  assert.equal(m.size, 3);
  assert.equal(m.evicted, 1);
  assert.equal(m.get(b.id), undefined, 'bravo was the least recently seen');
  assert.ok(m.get(a.id));
  assert.ok(m.get(d.id));
  for (let i = 0; i < 1000; i++) m.add(`unique shape ${'x '.repeat(i % 50)} number ${'y'.repeat(i % 7)} end`);
  assert.ok(m.size <= 3);
});

test('very long messages are cut at maxTokens: the tail is one value', () => {
  const m = new TemplateMiner({ maxTokens: 8 });
  const r = m.add('a b c d e f g h i j k l m');
  assert.equal(r.template, 'a b c d e f g <*>');
  assert.deepEqual(r.params, ['h i j k l m']);
});

test('levels: a template keeps the most severe level it was seen at', () => {
  const m = new TemplateMiner();
  const r = m.add('disk almost full', 40);
  m.add('disk almost full', 30);
  m.add('disk almost full', 50);
  assert.equal(m.get(r.id)!.level, 50);
});

test('first and last seen come from the injected clock', () => {
  let now = 1000;
  const m = new TemplateMiner({}, { now: () => now });
  const r = m.add('tick 1');
  now = 5000;
  m.add('tick 2');
  const t = m.get(r.id)!;
  assert.equal(t.firstSeen, 1000);
  assert.equal(t.lastSeen, 5000);
});

test('invalid options are rejected with every problem and its path', () => {
  assert.throws(
    () =>
      new TemplateMiner({
        maxTemplates: 0,
        masks: { numbers: 'yes' as unknown as boolean, nope: true } as never,
        variantLimit: 1.5,
        custom: 1,
      } as never),
    (err: unknown) => {
      assert.ok(err instanceof InsightError);
      assert.equal(err.code, 'HOLDFAST_E_INSIGHT_OPTIONS');
      const paths = err.issues.map((i) => i.path.join('.'));
      assert.deepEqual(paths.sort(), ['custom', 'masks.nope', 'masks.numbers', 'maxTemplates', 'variantLimit'].sort());
      return true;
    },
  );
  assert.throws(
    () => new TemplateMiner({ masks: { custom: [{ name: 'x', pattern: '(' }] } }),
    /masks\.custom\[0\]\.pattern: not a valid regular expression/,
  );
});

test('a message of megabytes without a space is mined on its head, and the cache and template stay small', () => {
  const m = new TemplateMiner();
  const blob = 'x1'.repeat(1_500_000);
  const r = m.add(blob);
  assert.ok(r.template.length <= 64 * 1024);
  assert.equal(m.add(blob).id, r.id);
  assert.ok(m.get(r.id)!.example.length <= 500);
});

test('the ids a template absorbed are bounded: the most recent 256 still resolve', () => {
  const ids = Array.from({ length: 300 }, (_, i) => i.toString(16).padStart(12, '0'));
  const state = {
    format: 'holdfast-templates',
    version: 1,
    templates: [
      {
        id: 'aaaaaaaaaaaa',
        seq: 0,
        tokens: ['job', '<*>', 'done'],
        wild: [[1]],
        count: 300,
        firstSeen: 0,
        lastSeen: 0,
        example: 'job 1 done',
        absorbed: ids,
        level: -1,
      },
    ],
  };
  const m = restoreState(state);
  assert.equal(m.get('aaaaaaaaaaaa')!.absorbed.length, 256);
  assert.equal(m.resolve(ids[299]!), 'aaaaaaaaaaaa');
  assert.equal(m.resolve(ids[44]!), 'aaaaaaaaaaaa');
  assert.equal(m.resolve(ids[43]!), undefined, 'the oldest ids beyond the bound stop resolving');
});

test('match() names the template a message falls into without mining it: no count, no template, nothing cached', () => {
  const m = new TemplateMiner();
  assert.equal(m.match('Failed password for root from 5.36.59.76 port 42393 ssh2'), undefined, 'nothing mined yet: no template');
  assert.equal(m.size, 0, 'match() made no template');
  const r = m.add('Failed password for root from 5.36.59.76 port 42393 ssh2');
  const seen = m.match('Failed password for root from 10.1.1.1 port 22 ssh2');
  assert.equal(seen?.id, r.id, 'a repeat with other values: the same template');
  assert.equal(m.get(r.id)!.count, 1, 'match() did not count the line');
  // A message that fits a generalised template by its place-by-place comparison (not the exact cache).
  const users = ['alice', 'bob', 'carol', 'dave'].map((u) => m.add(`Invalid user ${u} from 10.0.0.1`));
  const general = m.match('Invalid user zed from 10.9.9.9');
  assert.equal(general?.id, users[0]!.id);
  assert.equal(general?.text, 'Invalid user <*> from <*>');
  assert.equal(m.match('Invalid user zed from 10.9.9.9 twice'), undefined, 'one token more: no template fits');
  const before = m.size;
  assert.equal(m.match('session opened for user root'), undefined);
  assert.equal(m.size, before);
  assert.equal(m.add('Invalid user zed from 10.9.9.9').change, 'none', 'the line mined afterwards is counted once, as usual');
  assert.equal(m.get(users[0]!.id)!.count, 5);
});
