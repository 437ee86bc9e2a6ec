// The alert ledger: lint findings with file:line over knowledge bases, Prometheus rule files,
// holdfast configs (their knowledge base and built-ins) and Alertmanager configs; the report's
// noise ranking and suggestions.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@holdfast/testkit';
import { alertReport } from '../../src/ledger/report.ts';
import type { RuleHistoryRow } from '../../src/incidents/store.ts';
import { lintFiles } from '../../src/yaml/rule-files.ts';
import { formatFinding } from '../../src/ledger/lint.ts';

function files(t: Parameters<typeof tempDir>[0], contents: Record<string, string>): Record<string, string> {
  const dir = tempDir(t);
  return Object.fromEntries(
    Object.entries(contents).map(([name, text]) => {
      const f = join(dir, name);
      writeFileSync(f, text);
      return [name, f];
    }),
  );
}

const RULES = `groups:
  - name: shop
    rules:
      - record: job:http_errors:rate5m
        expr: sum by (job) (rate(http_errors_total[5m]))
      - alert: HighErrorRate
        expr: job:http_errors:rate5m > 0.05
        for: 5m
        labels: {severity: critical, team: shop}
        annotations: {runbook_url: https://runbooks.example/errors}
      - alert: HighErrorRate
        expr: job:http_errors:rate5m > 0.01
        for: 15m
        labels: {severity: warning, team: shop}
        annotations: {runbook_url: https://runbooks.example/errors}
      - alert: DiskFull
        expr: node_filesystem_avail_bytes < 1e9
        labels: {severity: sev2, receiver: pagr}
      - alert: DiskFullAgain
        expr: node_filesystem_avail_bytes < 1e9
        for: 0s
        labels: {severity: sev2, receiver: pagr}
`;

test('lint: missing owner, runbook and for:, odd severities, duplicate triggers, unknown receivers, each at file:line', (t) => {
  const f = files(t, {
    'rules.yaml': RULES,
    'holdfast.yaml':
      `programs: {}\nincidents:\n  knowledge: knowledge.yaml\n  owner: platform\n  receivers: [{name: ` +
      `pager, type: webhook, url: 'http://127.0.0.1:9/x'}]\n  routes: [{receiver: pager}]\n`,
    'knowledge.yaml':
      `entries:\n  - id: a\n    match: {code: E1}\n    category: c\n    severity: error\n    owner: ` +
      `o\n    runbook: https://r\n  - id: b\n    match: {code: E1}\n    category: c\n`,
  });
  const r = lintFiles([f['rules.yaml']!, f['holdfast.yaml']!]);
  assert.deepEqual(
    r.files.map((x) => x.kind),
    ['prometheus', 'holdfast', 'knowledge'],
    'the knowledge base a config names is read too',
  );
  const lines = r.findings.map(formatFinding);
  const has = (re: RegExp) =>
    assert.ok(
      lines.some((l) => re.test(l)),
      `${re}\n${lines.join('\n')}`,
    );
  const rules = f['rules.yaml']!;
  const kb = f['knowledge.yaml']!;
  has(new RegExp(`^${rules}:18:9  error \\[owner\\] prometheus:DiskFull: no owner`));
  has(new RegExp(`^${rules}:16:9  error \\[for\\] prometheus:DiskFull: no 'for:'`));
  has(new RegExp(`^${rules}:16:9  error \\[runbook\\] prometheus:DiskFull: no runbook and no action`));
  has(new RegExp(`^${rules}:18:18  warning \\[severity\\] prometheus:DiskFull: severity 'sev2'`));
  has(new RegExp(`^${rules}:18:34  error \\[receiver\\] prometheus:DiskFull: unknown receiver 'pagr' \\(receivers: pager\\)`));
  has(
    new RegExp(
      `^${rules}:19:9  warning \\[duplicate\\] prometheus:DiskFullAgain: prometheus:DiskFullAgain fires on exactly ` +
        `what prometheus:DiskFull does`,
    ),
  );
  has(new RegExp(`^${kb}:8:5  error \\[duplicate\\] kb:b: kb:b fires on exactly what kb:a does and never matches`));
  has(new RegExp(`^${kb}:8:5  error \\[owner\\] kb:b`));
  assert.ok(!lines.some((l) => l.includes('HighErrorRate')), 'one alert at two severities is not a duplicate');
  assert.ok(!lines.some((l) => l.includes('builtin:')), "holdfast's built-in rules are complete");
  assert.ok(!lines.some((l) => /DiskFullAgain.*\[for\]/.test(l)), 'for: 0s says it is meant');
  assert.ok(r.errors >= 7);
});

test('lint: Alertmanager routes to unknown receivers, unreadable and unknown files are findings too', (t) => {
  const f = files(t, {
    'alertmanager.yml':
      `route:\n  receiver: ops\n  routes:\n    - receiver: db-team\n      matchers: ['team="db"']\n` + `receivers:\n  - name: ops\n`,
    'other.yaml': 'just: a map\n',
    'broken.yaml': 'groups: [\n',
  });
  const r = lintFiles([f['alertmanager.yml']!, f['other.yaml']!, f['broken.yaml']!, join(tempDir(t), 'nope.yaml')]);
  const lines = r.findings.map(formatFinding).join('\n');
  assert.match(lines, new RegExp(`${f['alertmanager.yml']}:4:7  error \\[receiver\\] -: unknown receiver 'db-team' \\(receivers: ops\\)`));
  assert.match(lines, /other\.yaml:1:1 {2}error \[file\] -: not a file the alert ledger knows/);
  assert.match(lines, /broken\.yaml:\d+:\d+ {2}error \[file\] -: YAML syntax/);
  assert.match(lines, /nope\.yaml {2}error \[file\] -: .*file not found/);
  assert.equal(r.errors, 4);
});

test('lint: a clean ledger has no findings', (t) => {
  const f = files(t, { 'rules.yaml': RULES.split('      - alert: DiskFull\n')[0]! });
  const r = lintFiles([f['rules.yaml']!]);
  assert.deepEqual(r.findings, []);
  assert.equal(r.rules, 2);
});

const row = (rule: string, o: Partial<RuleHistoryRow>): RuleHistoryRow => ({
  rule,
  opened: 0,
  reopened: 0,
  acknowledged: 0,
  invalid: 0,
  resolved: 0,
  resolvedQuiet: 0,
  ackTimes: [],
  reopenGaps: [],
  ...o,
});

test('report: noisy rules first, each with a suggestion', () => {
  const r = alertReport([
    row('kb:good', {
      opened: 10,
      acknowledged: 10,
      resolved: 10,
      ackTimes: [60_000, 120_000, 30_000, 90_000, 45_000, 50_000, 70_000, 80_000, 100_000, 300_000],
    }),
    row('prometheus:Flappy', {
      opened: 2,
      reopened: 8,
      acknowledged: 1,
      resolved: 10,
      resolvedQuiet: 9,
      reopenGaps: [60_000, 120_000, 60_000, 30_000, 60_000, 60_000, 7_200_000, 60_000],
    }),
    row('builtin:program.oom', { opened: 4, invalid: 3, resolved: 1 }),
    row('unclassified:log.error', { opened: 6, resolved: 6, resolvedQuiet: 6 }),
    row('kb:once', { opened: 2, acknowledged: 1, invalid: 1, resolved: 1 }),
  ]);
  assert.deepEqual(
    r.map((x) => [x.rule, x.suggestion]),
    [
      ['prometheus:Flappy', 'tune'],
      ['builtin:program.oom', 'close'],
      ['unclassified:log.error', 'tune'],
      ['kb:once', 'close'],
      ['kb:good', 'keep'],
    ],
  );
  const good = r.find((x) => x.rule === 'kb:good')!;
  assert.equal(good.ackMedianMs, 80_000);
  assert.equal(good.ackP90Ms, 300_000);
  assert.equal(good.noise, 0);
  const flappy = r[0]!;
  assert.equal(flappy.flapping, 7);
  assert.match(flappy.why, /flaps \(7 of 10 came back within 60 min/);
  assert.match(r[1]!.why, /3 of 4 firings were marked not valid: close the rule/);
});
