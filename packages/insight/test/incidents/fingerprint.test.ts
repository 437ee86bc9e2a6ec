// Grouping and signal validation: which signals become one incident, what a dedup key looks
// like, and what a bad signal is told.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEDUP_KEY_MAX, fingerprint, inAppFrames } from '../../src/incidents/fingerprint.ts';
import { patternIsIncident, signalFromPattern } from '../../src/incidents/from-pattern.ts';
import { fnv1a64 } from '../../src/incidents/hash.ts';
import { validateSignal, validateSignals, type Signal } from '../../src/incidents/signal.ts';

const stackA = `TypeError: Cannot read properties of undefined (reading 'qty')
    at reserve (/srv/shop/src/inventory.ts:41:17)
    at Object.handler (/srv/shop/src/routes.ts:12:9)
    at preHandlerCallback (/srv/shop/node_modules/fastify/lib/handleRequest.js:137:37)
    at process.processTicksAndRejections (node:internal/process/task_queues:105:5)
    at async main (file:///srv/shop/src/main.ts:3:1)`;
// The same error after a deploy: every line number moved, the checkout path changed.
const stackB = stackA.replaceAll('/srv/shop/', '/opt/releases/42/').replace(':41:17', ':44:3').replace(':12:9', ':15:9');

const err = (stack: string, program = 'inventory'): Signal => ({
  kind: 'log.error',
  at: 1,
  summary: 'request failed',
  program,
  error: { type: 'TypeError', message: 'x', stack },
});

test('FNV-1a 64 matches the reference values', () => {
  assert.equal(fnv1a64(''), 'cbf29ce484222325');
  assert.equal(fnv1a64('a'), 'af63dc4c8601ec8c');
  assert.equal(fnv1a64('foobar'), '85944171f73967e8');
});

test('stack traces group by error type and in-app frames, not line numbers or checkout paths', () => {
  assert.deepEqual(inAppFrames(stackA), ['reserve@src/inventory.ts', 'handler@src/routes.ts', 'main@src/main.ts']);
  const a = fingerprint(err(stackA));
  const b = fingerprint(err(stackB));
  assert.equal(a.rule, 'stack');
  assert.equal(a.dedupKey, b.dedupKey);
  assert.notEqual(fingerprint(err(stackA, 'orders')).dedupKey, a.dedupKey, 'the same error in another program is another incident');
  const other = stackA.replace('at reserve (', 'at release (');
  assert.notEqual(fingerprint(err(other)).dedupKey, a.dedupKey, 'another function is another incident');
});

test('python tracebacks give in-app frames too', () => {
  const py = `Traceback (most recent call last):
  File "/usr/lib/python3/site-packages/flask/app.py", line 2190, in wsgi_app
  File "/srv/api/handlers.py", line 88, in create_order
  File "/srv/api/db.py", line 12, in connect`;
  assert.deepEqual(inAppFrames(py), ['create_order@api/handlers.py', 'connect@api/db.py']);
});

test('rule order: explicit, alert labels, stack, template, error code, kind and labels', () => {
  const base: Signal = { kind: 'log.error', at: 1, summary: 's', program: 'p' };
  assert.equal(fingerprint({ ...base, fingerprint: 'db-down' }).rule, 'explicit');
  assert.equal(fingerprint({ ...base, error: { stack: stackA } }, 'kb-fp').rule, 'explicit', 'the knowledge base wins over the stack');
  assert.equal(fingerprint({ kind: 'alert', at: 1, summary: 's', labels: { alertname: 'HighLatency' } }).rule, 'alert');
  assert.equal(fingerprint({ ...base, template: { id: 't1', text: 'x <*>' }, error: { code: 'E1' } }).rule, 'template');
  assert.equal(fingerprint({ ...base, error: { code: 'E1' } }).rule, 'error');
  const k = fingerprint({ kind: 'guard.breaker_open', at: 1, summary: 's', program: 'orders', labels: { resource: 'inventory' } });
  assert.equal(k.rule, 'kind');
  assert.deepEqual(k.components, ['guard.breaker_open', 'resource=inventory']);
  // details never group
  assert.equal(fingerprint({ ...base, details: { n: 1 } }).dedupKey, fingerprint({ ...base, details: { n: 2 } }).dedupKey);
});

test('an explicit fingerprint groups across programs; alerts group by their whole label set', () => {
  const a = fingerprint({ kind: 'log.error', at: 1, summary: 's', program: 'gateway' }, 'inventory-down');
  const b = fingerprint({ kind: 'log.error', at: 1, summary: 's', program: 'orders' }, 'inventory-down');
  assert.equal(a.dedupKey, b.dedupKey);
  const c = fingerprint(
    { kind: 'guard.breaker_open', at: 1, summary: 's', program: 'orders', labels: { resource: 'inventory' } },
    'inventory-down',
  );
  assert.equal(c.dedupKey, a.dedupKey, 'and across sources');
  assert.match(a.dedupKey, /^hf1:fp:inventory-down:[0-9a-f]{16}$/);
  const x = fingerprint({ kind: 'alert', at: 1, summary: 's', labels: { alertname: 'A', instance: 'h1' } });
  const y = fingerprint({ kind: 'alert', at: 1, summary: 's', labels: { instance: 'h1', alertname: 'A' } });
  const z = fingerprint({ kind: 'alert', at: 1, summary: 's', labels: { alertname: 'A', instance: 'h2' } });
  assert.equal(x.dedupKey, y.dedupKey, 'label order does not matter');
  assert.notEqual(x.dedupKey, z.dedupKey);
});

test('dedup keys are readable, versioned and never longer than 255 characters', () => {
  const f = fingerprint({ kind: 'program.fatal', at: 1, summary: 's', program: 'web' });
  assert.match(f.dedupKey, /^hf1:program:web:[0-9a-f]{16}$/);
  const long = fingerprint({ kind: 'program.fatal', at: 1, summary: 's', program: 'p'.repeat(600) });
  assert.ok(long.dedupKey.length <= DEDUP_KEY_MAX);
  assert.match(long.dedupKey, /:[0-9a-f]{16}$/, 'the hash survives the cut');
  assert.notEqual(long.dedupKey, fingerprint({ kind: 'program.fatal', at: 1, summary: 's', program: `${'p'.repeat(599)}q` }).dedupKey);
  // Every rule's key is cut the same way: an explicit fingerprint and an alert's label set too.
  const explicit = fingerprint({ kind: 'log.error', at: 1, summary: 's', program: 'web' }, `checkout-${'x'.repeat(400)}`);
  const alert = fingerprint({
    kind: 'alert',
    at: 1,
    summary: 's',
    labels: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`label_${i}`, 'v'.repeat(20)])),
  });
  for (const g of [explicit, alert]) {
    assert.ok(g.dedupKey.length <= DEDUP_KEY_MAX, `${g.rule}: ${g.dedupKey.length}`);
    assert.match(g.dedupKey, /^hf1:[a-z]+:.*:[0-9a-f]{16}$/);
  }
});

test('signal validation names every problem; a batch is refused whole', () => {
  assert.deepEqual(validateSignal({ kind: 'program.fatal', summary: 'web gave up' }, 42), {
    ok: true,
    value: { kind: 'program.fatal', summary: 'web gave up', at: 42 },
  });
  const bad = validateSignal(
    { kind: 'nope', summary: '', severity: 'sev1', labels: { 'bad-name': 1 }, extra: true, id: 'x'.repeat(257) },
    1,
  );
  assert.equal(bad.ok, false);
  const errors = (bad as { errors: string[] }).errors.join('\n');
  for (const part of [
    "unknown field(s) 'extra'",
    "kind: 'nope' is not a signal kind",
    'summary: must not be empty',
    "severity: 'sev1' is not one of",
    'labels.bad-name: a label name',
    'labels.bad-name: expected a string',
    'id: longer than 256 characters (257)',
  ])
    assert.ok(errors.includes(part), `${part}\n${errors}`);
  const batch = validateSignals([{ kind: 'alert', summary: 'ok' }, { kind: 'alert' }], 1);
  assert.equal(batch.ok, false);
  assert.deepEqual((batch as { errors: string[] }).errors, ['signals[1].summary: missing']);
  assert.equal(validateSignals([], 1).ok, false);
  assert.equal(validateSignals('x', 1).ok, false);
  assert.equal(validateSignals({ kind: 'alert', summary: 'one' }, 1).ok, true, 'a single signal is a batch of one');
});

test("the miner's pattern signals: one incident per template, severity from the level", () => {
  const burst = signalFromPattern(
    {
      type: 'template.burst',
      at: 5,
      id: 'a1b2c3',
      template: 'connection refused to <*>',
      level: 50,
      windowCount: 600,
      baselineCount: 20,
      windowMs: 60_000,
    },
    'orders',
    'orders:0',
  );
  assert.deepEqual(
    [burst.kind, burst.severity, burst.summary],
    ['template.burst', 'error', "orders: 'connection refused to <*>' 600 times in 60 s (30× its baseline)"],
  );
  const fresh = signalFromPattern(
    {
      type: 'template.new',
      at: 6,
      id: 'a1b2c3',
      template: 'connection refused to <*>',
      level: 40,
      example: 'connection refused to 10.0.0.5:6379',
      reason: 'level',
    },
    'orders',
  );
  assert.equal(fresh.severity, 'warning');
  assert.equal(fingerprint(burst).rule, 'template');
  assert.notEqual(fingerprint(burst).dedupKey, fingerprint({ ...burst, program: 'gateway' }).dedupKey);
});

test(
  'which pattern signals are incidents: new error templates, bursts of warnings and errors; not a start-up warning ' + 'or a traffic burst',
  () => {
    const fresh = (level: number, reason: 'level' | 'settled' = 'level') => ({
      type: 'template.new' as const,
      at: 1,
      id: 't',
      template: 'x <*>',
      level,
      example: 'x 1',
      reason,
    });
    const burst = (level: number) => ({
      type: 'template.burst' as const,
      at: 1,
      id: 't',
      template: 'x <*>',
      level,
      windowCount: 600,
      baselineCount: 20,
      windowMs: 60_000,
    });
    assert.deepEqual(
      [60, 50, 40, 30, -1].map((l) => patternIsIncident(fresh(l))),
      [true, true, false, false, false],
    );
    assert.equal(patternIsIncident(fresh(30, 'settled')), false, 'a new info line once the program settled');
    assert.deepEqual(
      [60, 50, 40, 30, -1].map((l) => patternIsIncident(burst(l))),
      [true, true, true, false, false],
    );
  },
);
