import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InsightError, TemplateMiner, restoreState, saveState, validateState } from '@holdfast/insight';

const lines = [
  'Invalid user alice from 10.0.0.1',
  'Invalid user bob from 10.0.0.2',
  'Invalid user carol from 10.0.0.3',
  'Invalid user dave from 10.0.0.4',
  'session opened for user root by (uid=0)',
  'session closed for user root by (uid=0)',
  "creating device node '/udev/vcs1'",
  "creating device node '/udev/vcsa'",
  "creating device node '/udev/ttyS'",
  "creating device node '/udev/sda'",
  'Accepted password for root from 10.1.1.1 port 22 ssh2',
];

test('a saved state is plain JSON; restored, the same messages get the same ids and absorbed ids still resolve', () => {
  const a = new TemplateMiner();
  const first = lines.map((l) => a.add(l).id);
  const json = JSON.stringify(saveState(a));
  const parsed = JSON.parse(json) as unknown;
  assert.deepEqual(validateState(parsed), []);
  const b = restoreState(parsed);
  assert.equal(b.size, a.size);
  for (const l of lines) assert.equal(b.add(l).id, a.resolve(a.add(l).id), l);
  for (const id of first) assert.equal(b.resolve(id), a.resolve(id), `absorbed id ${id} resolves after the restart`);
  const t = b.get(first[0]!)!;
  assert.equal(t.text, 'Invalid user <*> from <*>');
  assert.equal(t.absorbed.length, 2, 'bob and carol (dave matched the merged template)');
  // A new user still lands in the restored template, and an affix wildcard still fits.
  assert.equal(b.add('Invalid user zed from 10.9.9.9').id, a.resolve(first[0]!));
  assert.deepEqual(b.add("creating device node '/udev/hdc'").params, ['hdc']);
  // Least-recently-seen order survives: the restored list is in the same order.
  assert.deepEqual(
    restoreState(JSON.parse(json))
      .templates()
      .map((x) => x.id),
    a.templates().map((x) => x.id),
  );
});

test('a template that generalises after the restart keeps its id', () => {
  const a = new TemplateMiner();
  const ids = ['alice', 'bob'].map((u) => a.add(`Invalid user ${u} from 10.0.0.1`).id);
  const b = restoreState(JSON.parse(JSON.stringify(saveState(a))));
  b.add('Invalid user carol from 10.0.0.1');
  const r = b.add('Invalid user dave from 10.0.0.1');
  assert.equal(r.change, 'generalised');
  assert.equal(r.id, ids[0], 'the oldest id, from before the restart');
  assert.equal(b.resolve(ids[1]!), ids[0]);
});

test('a bad state is refused whole, with every problem and its path', () => {
  const good = saveState(new TemplateMiner()) as unknown as Record<string, unknown>;
  const bad = {
    ...good,
    version: 9,
    templates: [
      { id: 'nothex', seq: -1, tokens: ['a', 'b'], wild: [[5]], count: 1, firstSeen: 0, lastSeen: 0, example: '', absorbed: [], level: -1 },
      {
        id: '0123456789ab',
        seq: 0,
        tokens: ['x', 'y z'],
        wild: [],
        count: 'many',
        firstSeen: 0,
        lastSeen: 0,
        example: 'x 1',
        absorbed: ['zz'],
        level: 30,
      },
    ],
  };
  assert.throws(
    () => restoreState(bad),
    (err: unknown) => {
      assert.ok(err instanceof InsightError);
      assert.equal(err.code, 'HOLDFAST_E_INSIGHT_STATE');
      assert.deepEqual(
        err.issues.map((i) => i.path.join('.')),
        [
          'version',
          'templates.0.id',
          'templates.0.seq',
          'templates.0.wild.0',
          'templates.1.tokens',
          'templates.1.count',
          'templates.1.absorbed',
        ],
      );
      return true;
    },
  );
  assert.throws(() => restoreState('{"format":1}'), /must be an object/);
});

test('reading a state runs no code: a __proto__ key is only data', () => {
  const text = '{"format":"holdfast-templates","version":1,"templates":[],"__proto__":{"polluted":true}}';
  const m = restoreState(JSON.parse(text));
  assert.equal(m.size, 0);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
