// knowledge.yaml: loaded with every problem at file:line:column (an invalid regex refused at
// load), matched in file order, and learned into with the file's comments and layout kept.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@holdfast/testkit';
import { Classifier } from '../../src/knowledge/classify.ts';
import { learnedEntry } from '../../src/knowledge/learn.ts';
import type { Incident } from '../../src/incidents/incident.ts';
import { appendKnowledgeEntry, loadKnowledgeFile } from '../../src/yaml/knowledge-file.ts';

const GOOD = `# The shop's knowledge base: what we have seen before and what to do.
entries:
  # Inventory's fault switch, or inventory really failing.
  - id: inventory-down
    match: {code: [SHOP_E_CHAOS, SHOP_E_DOWN]}   # both codes mean inventory is the cause
    fingerprint: inventory-unavailable
    category: upstream-failure
    severity: error
    owner: team-inventory
    runbook: https://runbooks.example/inventory

  - id: pool
    match:
      program: orders
      regex: 'pool (exhausted|timeout)'
    category: capacity
    severity: critical
    owner: team-orders
    runbook:
      - check the pool size against the traffic
      - raise pool.max
`;

// Matched by the template's text, and by labels.
const MORE = `
  - id: cert
    match: {template: 'certificate expired'}
    category: certificate
    owner: team-edge
    runbook: renew it
  - id: slow-checkout
    match: {kind: alert, labels: {alertname: CheckoutSlow, team: web}}
    category: latency
    owner: team-web
    runbook: https://runbooks.example/checkout
`;

function kbFile(t: Parameters<typeof tempDir>[0], text: string): string {
  const file = join(tempDir(t), 'knowledge.yaml');
  writeFileSync(file, text);
  return file;
}

test('a valid knowledge base loads and classifies in file order', (t) => {
  const kb = loadKnowledgeFile(kbFile(t, GOOD + MORE));
  const c = new Classifier(kb);
  assert.equal(
    c.classify({ kind: 'log.error', at: 1, summary: 'x', program: 'gateway', error: { code: 'SHOP_E_DOWN' } }).rule,
    'kb:inventory-down',
  );
  assert.equal(c.classify({ kind: 'log.error', at: 1, summary: 'db pool timeout', program: 'orders' }).category, 'capacity');
  assert.equal(
    c.classify({ kind: 'log.error', at: 1, summary: 'db pool timeout', program: 'billing' }).category,
    'unclassified',
    'program must match too',
  );
  assert.equal(
    c.classify({ kind: 'log.error', at: 1, summary: 'other', program: 'orders', error: { message: 'pool exhausted' } }).category,
    'capacity',
    'the regex also sees the error message',
  );
  assert.equal(
    c.classify({
      kind: 'log.error',
      at: 1,
      summary: 'tls: certificate expired for <*>',
      program: 'api',
      template: { id: 't1', text: 'tls: certificate expired for <*>' },
    }).rule,
    'kb:cert',
  );
  assert.equal(
    c.classify({ kind: 'alert', at: 1, summary: 'slow', labels: { alertname: 'CheckoutSlow', team: 'web', instance: 'a' } }).rule,
    'kb:slow-checkout',
  );
  assert.equal(
    c.classify({ kind: 'alert', at: 1, summary: 'slow', labels: { alertname: 'CheckoutSlow', team: 'mobile' } }).rule,
    'prometheus:CheckoutSlow',
    'every label must match',
  );
  assert.deepEqual(loadKnowledgeFile(kbFile(t, '# nothing learned yet\n')), { entries: [] });
});

test('an invalid regex is refused at load with file:line:column, and every other problem with it', (t) => {
  const file = kbFile(
    t,
    `entries:
  - id: bad
    match:
      regex: 'timeout (after'
    category: x
  - id: bad
    match: {}
    categroy: y
    severity: sev1
    action: reboot
`,
  );
  assert.throws(
    () => loadKnowledgeFile(file),
    (err: Error & { code: string; issues: { line?: number; column?: number; message: string; hint?: string }[] }) => {
      assert.equal(err.code, 'HOLDFAST_E_KNOWLEDGE');
      const text = err.message;
      assert.match(text, /knowledge\.yaml was not loaded\n/);
      assert.ok(text.includes(`${file}:4:7  entries[0].match.regex: invalid regex /timeout (after/: Unterminated group`), text);
      assert.match(text, /:6:5 {2}entries\[1\]\.id: duplicate id 'bad' \(also entries\[0\]\)/);
      assert.match(text, /:7:5 {2}entries\[1\]\.match: an empty match would classify every incident/);
      assert.match(text, /:8:5 {2}entries\[1\]\.categroy: unknown key 'categroy' \(did you mean 'category'\?\)/);
      assert.match(text, /entries\[1\]\.category: missing/);
      assert.match(text, /:9:5 {2}entries\[1\]\.severity: 'sev1' is not a severity/);
      assert.match(text, /:10:5 {2}entries\[1\]\.action: 'reboot' is not an action \(use notify, none, or 'restart <program>'\)/);
      return true;
    },
  );
  assert.throws(() => loadKnowledgeFile(join(tempDir(t), 'missing.yaml')), /file not found/);
  assert.throws(() => loadKnowledgeFile(kbFile(t, 'entries:\n  - id: a\n   bad: [\n')), /YAML syntax/);
});

const incident = (over: Partial<Incident> = {}): Incident => ({
  id: 12,
  dedupKey: 'hf1:log:orders:0123456789abcdef',
  grouping: { rule: 'template', version: 1, components: ['t9'] },
  kind: 'log.error',
  source: 'log',
  program: 'orders',
  summary: 'payment gateway refused: certificate expired',
  labels: {},
  template: { id: 't9', text: 'payment gateway refused: <*>' },
  recent: [],
  state: 'resolved',
  since: 0,
  firstSeen: 0,
  lastSeen: 0,
  count: 4,
  openedAt: 0,
  reopened: 0,
  rule: 'unclassified:log.error',
  category: 'unclassified',
  severity: 'error',
  action: 'notify',
  ...over,
});

test('--learn appends an entry that classifies the next one, keeping comments and layout', (t) => {
  const file = kbFile(t, GOOD);
  const entry = learnedEntry(incident(), {
    cause: 'the payment certificate expired; renewed it',
    owner: 'team-payments',
    now: Date.UTC(2026, 11, 7),
  });
  const kb = appendKnowledgeEntry(file, entry, 'learned from incident 12');
  const after = readFileSync(file, 'utf8');
  assert.ok(after.startsWith(GOOD.trimEnd()), `everything before is kept byte for byte:\n${after}`);
  for (const comment of [
    "# The shop's knowledge base",
    "# Inventory's fault switch",
    '# both codes mean inventory is the cause',
    '# learned from incident 12',
  ])
    assert.ok(after.includes(comment), comment);
  assert.match(
    after,
    /- id: learned-12\n {4}match:\n {6}kind: log\.error\n {6}program: orders\n {6}template: "payment gateway refused: <\*>"/,
  );
  assert.equal(kb.entries.length, 3);
  const c = new Classifier(loadKnowledgeFile(file));
  const next = c.classify({
    kind: 'log.error',
    at: 1,
    summary: 'payment gateway refused: timeout',
    program: 'orders',
    template: { id: 't9', text: 'payment gateway refused: <*>' },
  });
  assert.equal(next.rule, 'kb:learned-12');
  assert.equal(next.owner, 'team-payments');
  assert.deepEqual(next.runbook, ['the payment certificate expired; renewed it']);
  // Learning the same id again is refused, and the file is left as it was.
  assert.throws(() => appendKnowledgeEntry(file, entry), /duplicate id 'learned-12'/);
  assert.equal(readFileSync(file, 'utf8'), after);
});

test('--learn into an empty file, and matches chosen from what the incident is known by', (t) => {
  const file = kbFile(t, '# learned entries go below\n');
  appendKnowledgeEntry(file, learnedEntry(incident({ template: undefined, error: { code: 'E_PAY' } }), { cause: 'c', now: 0 }));
  const kb = loadKnowledgeFile(file);
  assert.deepEqual(kb.entries[0]!.match, { kind: 'log.error', program: 'orders', code: 'E_PAY' });
  assert.match(readFileSync(file, 'utf8'), /^# learned entries go below\n/);
  const alert = learnedEntry(
    incident({
      kind: 'alert',
      template: undefined,
      labels: { alertname: 'HighLatency', instance: 'a' },
      grouping: { rule: 'alert', version: 1, components: [] },
    }),
    { cause: 'c', now: 0 },
  );
  assert.deepEqual(alert.match, { kind: 'alert', program: 'orders', labels: { alertname: 'HighLatency' } });
});
