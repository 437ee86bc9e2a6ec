// The dashboard's parts that need no browser: the history's bounds and windows, the metrics text
// reader, sign-in codes and session cookies, and the rules editor's child process (comments kept,
// the loader's own refusal, nothing written on a refusal or a stale version), and where the
// guard reader finds each instance's metrics.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseRulesText } from '@holdfast/guard/rules';
import { tempDir } from '@holdfast/testkit';
import { DashboardAuth } from '../src/dashboard/auth.ts';
import { BYTES_PER_SERIES, History, MINUTES, SECONDS } from '../src/dashboard/history.ts';
import { parseSamples } from '../src/guard-state/prom-text.ts';
import { guardTargets } from '../src/guard-state/targets.ts';
import { loadSupervisorConfig } from '../src/index.ts';
import { editRulesIsolated, readRulesIsolated } from '../src/dashboard/rules-isolated.ts';

test('history: an hour at 1 s and a day at 1 min, in a fixed size per series', () => {
  const h = new History(4);
  const t0 = Date.UTC(2026, 0, 1, 0, 0, 0);
  for (let s = 0; s < 2 * SECONDS; s++) {
    h.tick(t0 + s * 1000);
    h.record('a', s);
    if (s % 2 === 0) h.record('b', 1);
  }
  const hour = h.seconds('a')!;
  assert.equal(hour.values.length, SECONDS);
  assert.equal(hour.values.at(-1), 2 * SECONDS - 1);
  assert.equal(hour.values[0], SECONDS);
  assert.equal(hour.start, t0 + SECONDS * 1000);
  // Gaps stay gaps.
  assert.deepEqual(h.seconds('b', 4)!.values, [1, null, 1, null]);
  const day = h.minutes('a')!;
  assert.equal(day.values.length, MINUTES);
  // The last completed minute is the mean of its 60 seconds (kept to four significant digits).
  const mean = (2 * SECONDS - 120 + 2 * SECONDS - 61) / 2;
  assert.ok(Math.abs(day.values.at(-1)! - mean) <= mean * 1e-3, `${day.values.at(-1)} ≈ ${mean}`);
  assert.equal(h.bytes, 2 * BYTES_PER_SERIES);
  // The bound holds: no fifth series while four are fed.
  for (const id of ['c', 'd', 'e']) h.record(id, 1);
  assert.equal(h.size, 4);
  assert.equal(h.seconds('e'), undefined);
});

test('history: a stalled second is a gap, not a repeated value', () => {
  const h = new History();
  const t0 = 1_000_000_000;
  h.tick(t0);
  h.record('x', 1);
  h.tick(t0 + 4000);
  h.record('x', 2);
  assert.deepEqual(h.seconds('x', 5)!.values, [1, null, null, null, 2]);
});

test('metrics text: only the prefix is read, labels unescaped, NaN and infinities kept', () => {
  const text = [
    '# HELP holdfast_guard_pass_total x',
    'holdfast_guard_pass_total{resource="GET /a/:id",service="shop"} 12',
    'http_requests_total{route="/"} 5',
    'holdfast_guard_block_total{resource="POST /x",reason="flow"} 3 1700000000000',
    'holdfast_guard_signal{signal="cpu"} NaN',
    'holdfast_guard_rt_seconds_bucket{resource="q\\"uote\\\\",le="+Inf"} +Inf',
  ].join('\n');
  const s = parseSamples(text, 'holdfast_guard_');
  assert.equal(s.length, 4);
  assert.deepEqual(s[0], { name: 'holdfast_guard_pass_total', labels: { resource: 'GET /a/:id', service: 'shop' }, value: 12 });
  assert.equal(s[1]!.value, 3);
  assert.ok(Number.isNaN(s[2]!.value));
  assert.equal(s[3]!.labels.resource, 'q"uote\\');
  assert.equal(s[3]!.value, Infinity);
});

test('sign-in: a code works once and expires; a session cookie cannot be forged; the key outlives the daemon', (t) => {
  const dir = tempDir(t);
  let now = 1_000_000;
  const auth = new DashboardAuth(dir, 3_600_000, () => now);
  const { code } = auth.issueCode();
  const s = auth.redeem(code)!;
  assert.ok(s);
  assert.equal(auth.redeem(code), undefined, 'a code works once');
  const late = auth.issueCode().code;
  now += 121_000;
  assert.equal(auth.redeem(late), undefined, 'a code expires after two minutes');
  const req = (cookie: string, extra: Record<string, string> = {}) =>
    ({ headers: { cookie: `holdfast_session=${cookie}`, host: '127.0.0.1:1', ...extra } }) as never;
  const value = auth.cookieValue(s);
  assert.deepEqual(auth.session(req(value)), s);
  const [exp, id, sig] = value.split('.');
  assert.equal(
    auth.session(req(`${(parseInt(exp!, 36) + 1e9).toString(36)}.${id}.${sig}`)),
    undefined,
    'a longer expiry breaks the signature',
  );
  assert.ok(/HttpOnly/.test(auth.setCookie(s)) && /SameSite=Strict/.test(auth.setCookie(s)));
  // CSRF: the token in the header, from the page's own origin.
  const token = auth.csrfToken(s);
  assert.equal(auth.csrfOk(req(value, { 'x-holdfast-csrf': token, origin: 'http://127.0.0.1:1' }), s), true);
  assert.equal(auth.csrfOk(req(value, { 'x-holdfast-csrf': token, origin: 'http://evil.example' }), s), false);
  assert.equal(auth.csrfOk(req(value, {}), s), false);
  // A restarted daemon reads the same key: the browser stays signed in.
  assert.deepEqual(new DashboardAuth(dir, 3_600_000, () => now).session(req(value)), s);
});

const RULES = `# the shop's rules
flow:
  # orders: 200 a second
  - id: orders
    resource: POST /orders
    threshold: 200   # raise it on sale days
  - id: stock
    resource: GET /stock
    threshold: 500
`;

test('rules editor: an edit keeps every comment and changes only what it changes', async (t) => {
  const file = join(tempDir(t), 'rules.yaml');
  writeFileSync(file, RULES);
  const view = await readRulesIsolated(file);
  assert.equal((view.rules as { flow: { threshold: number }[] }).flow[0]!.threshold, 200);
  assert.ok(view.fields.flow!.threshold, 'the form knows the fields');
  const next = await editRulesIsolated(file, {
    version: view.version,
    op: 'set',
    kind: 'flow',
    id: 'orders',
    rule: { id: 'orders', resource: 'POST /orders', threshold: 3 },
  });
  // The edited line is written anew (its comment kept); every other line stays byte for byte.
  assert.equal(readFileSync(file, 'utf8'), RULES.replace('threshold: 200   #', 'threshold: 3 #'));
  assert.notEqual(next.version, view.version);
  await editRulesIsolated(file, {
    version: next.version,
    op: 'add',
    kind: 'hotspot',
    rule: { id: 'per-sku', resource: 'GET /stock', threshold: 10 },
  });
  assert.match(readFileSync(file, 'utf8'), /^hotspot:\n {2}- id: per-sku/m);
  assert.match(readFileSync(file, 'utf8'), /# raise it on sale days/);
});

test('rules editor: an edit the loader refuses is refused in its words, and the file is untouched', async (t) => {
  const file = join(tempDir(t), 'rules.yaml');
  writeFileSync(file, RULES);
  const view = await readRulesIsolated(file);
  const err = await editRulesIsolated(file, {
    version: view.version,
    op: 'set',
    kind: 'flow',
    id: 'orders',
    rule: { id: 'orders', resource: 'POST /orders', threshold: -1, strategy: 'fastest' },
  }).then(
    () => assert.fail('accepted'),
    (e: Error & { code: string }) => e,
  );
  let loader = '';
  try {
    parseRulesText(
      RULES.replace('threshold: 200   # raise it on sale days', 'threshold: -1   # raise it on sale days\n    strategy: fastest'),
      { file },
    );
  } catch (e) {
    loader = (e as Error).message;
  }
  assert.equal(err.message, loader);
  assert.equal(err.code, 'HOLDFAST_E_RULES');
  assert.equal(readFileSync(file, 'utf8'), RULES);
});

test('rules editor: an edit against an older version of the file is refused (someone else changed it)', async (t) => {
  const file = join(tempDir(t), 'rules.yaml');
  writeFileSync(file, RULES);
  const view = await readRulesIsolated(file);
  writeFileSync(file, RULES.replace('500', '600'));
  await assert.rejects(
    editRulesIsolated(file, { version: view.version, op: 'delete', kind: 'flow', id: 'stock' }),
    (e: Error & { code: string }) => e.code === 'HOLDFAST_E_RULES_CHANGED',
  );
  assert.equal(readFileSync(file, 'utf8'), RULES.replace('500', '600'));
});

test('metrics are said once: the deprecated dashboard.guard.<p>.metrics moves to programs.<p>.metrics, with a warning', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'holdfast.yaml');
  writeFileSync(
    file,
    `programs:
  web:
    command: node app.js
    instances: 2
  api:
    command: node api.js
    metrics: http://127.0.0.1:92{instance}/metrics
dashboard:
  port: 3010
  guard:
    web: {metrics: 'http://127.0.0.1:91{instance}/metrics', rules: rules.yaml}
    api: {rules: rules.yaml}
`,
  );
  const c = await loadSupervisorConfig(file);
  assert.equal(c.programs.web!.metrics, 'http://127.0.0.1:91{instance}/metrics', 'moved to the program');
  assert.deepEqual(c.dashboard!.guard.web, { rules: join(dir, 'rules.yaml') }, 'and gone from the dashboard section');
  assert.ok(
    c.warnings.some((w) =>
      /^dashboard\.guard\.web\.metrics is deprecated: move it to programs\.web\.metrics \(metrics: http:\/\/127\.0\.0\.1:91\{instance\}\/metrics\)/.test(
        w,
      ),
    ),
    c.warnings.join('\n'),
  );
  // The guard reader reads it as the scrape does: the configured URL per instance, else what the instance announced.
  const row = (program: string, index: number, metricsUrl: string | null) =>
    ({ id: `${program}:${index}`, program, index, pid: 1, role: null, state: 'READY', metricsUrl }) as const;
  const rows = [
    row('web', 0, 'http://127.0.0.1:7000/metrics'),
    row('web', 1, null),
    row('api', 0, null),
    row('plain', 0, 'http://127.0.0.1:7100/m'),
  ];
  const targets = guardTargets(rows, c.dashboard!.guard, (p) => c.programs[p]?.metrics);
  assert.deepEqual(targets.get('web'), [
    { id: 'web:0', url: 'http://127.0.0.1:910/metrics' },
    { id: 'web:1', url: 'http://127.0.0.1:911/metrics' },
  ]);
  assert.deepEqual(targets.get('api'), [{ id: 'api:0', url: 'http://127.0.0.1:920/metrics' }]);
  assert.deepEqual(targets.get('plain'), [{ id: 'plain:0', url: 'http://127.0.0.1:7100/m' }], 'announced, nothing configured');
  assert.equal(guardTargets([row('web', 0, 'http://x:1/m')], {}, () => false).size, 0, 'metrics: false reads nothing');
});
