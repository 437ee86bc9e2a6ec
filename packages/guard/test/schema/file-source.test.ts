import assert from 'node:assert/strict';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cleanup, tempDir, waitFor } from '@holdfast/testkit';
import { type GuardRules, ManualClock, type RulesDiff, RulesError, createGuard } from '../../src/index.ts';
import { loadRulesFile, parseRulesText, rulesJsonSchema, watchRulesFile } from '../../src/rules-entry.ts';

const GOOD_YAML = `# rules for the shop
flow:
  - id: orders-qps
    resource: POST /orders
    threshold: 2
breakers:
  - id: inventory-errors
    resource: inventory
    strategy: errorRatio
    threshold: 0.5
`;

const BAD_YAML = `flow:
  - id: orders-qps
    resource: POST /orders
    threshold: -1
  - id: orders-qps
    resource: GET /orders
    threshold: 5
    strategy: bogus
breakers:
  - id: b
    strategy: errorRatio
    threshold: 0.5
`;

describe('parseRulesText', () => {
  it('accepts good YAML and JSON', () => {
    assert.equal(parseRulesText(GOOD_YAML, { file: 'rules.yaml' }).flow![0]!.threshold, 2);
    assert.equal(parseRulesText('{"flow":[{"id":"a","resource":"r","threshold":1}]}', { file: 'rules.json' }).flow![0]!.id, 'a');
    assert.deepEqual(parseRulesText('', { file: 'empty.yaml' }), {});
  });

  it('reports every problem with file, line and path', () => {
    let err: RulesError | undefined;
    try {
      parseRulesText(BAD_YAML, { file: 'rules.yaml' });
    } catch (e) {
      err = e as RulesError;
    }
    assert.ok(err instanceof RulesError);
    assert.equal(err.code, 'HOLDFAST_E_RULES');
    const where = err.issues.map((i) => `${i.file}:${i.line} ${i.path.join('.')}`).sort();
    assert.deepEqual(
      where,
      [
        'rules.yaml:10 breakers.0.resource',
        'rules.yaml:4 flow.0.threshold',
        'rules.yaml:5 flow.1.id',
        'rules.yaml:8 flow.1.strategy',
      ].sort(),
    );
    assert.match(err.message, /rules\.yaml:4:5 {2}flow\[0\]\.threshold: must be >= 0, got -1/);
  });

  it('reports syntax errors with the line, for YAML and JSON', () => {
    assert.throws(
      () => parseRulesText('flow:\n  - id: a\n   resource: [unclosed\n', { file: 'r.yaml' }),
      (e: unknown) => {
        const err = e as RulesError;
        return err.code === 'HOLDFAST_E_RULES_FILE' && err.issues[0]!.file === 'r.yaml' && typeof err.issues[0]!.line === 'number';
      },
    );
    assert.throws(
      () => parseRulesText('{\n  "flow": [,]\n}', { file: 'r.json' }),
      (e: unknown) => {
        const err = e as RulesError;
        return err.code === 'HOLDFAST_E_RULES_FILE' && err.issues[0]!.line === 2 && /r\.json:2/.test(err.message);
      },
    );
  });

  it('loadRulesFile names a missing file', () => {
    assert.throws(() => loadRulesFile('/nonexistent/rules.yaml'), /\/nonexistent\/rules\.yaml .*cannot read/);
  });
});

describe('watchRulesFile', () => {
  it('hot-reloads a good file and rejects a bad one, keeping the old rules', async (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'rules.yaml');
    writeFileSync(file, GOOD_YAML);
    const g = createGuard({ autoSample: false, clock: new ManualClock(0) });
    const diffs: RulesDiff[] = [];
    const rejected: RulesError[] = [];
    g.on('rulesSwapped', (d) => diffs.push(d));
    g.on('rulesRejected', (e) => rejected.push(e));
    const w = watchRulesFile(g, file, { debounceMs: 20 });
    cleanup(t, () => w.close());
    assert.equal(g.rules!.flow[0]!.threshold, 2, 'loaded synchronously at start');

    // An editor-style save: write a temp file and rename it over the old one.
    writeFileSync(join(dir, '.rules.yaml.tmp'), GOOD_YAML.replace('threshold: 2', 'threshold: 7'));
    renameSync(join(dir, '.rules.yaml.tmp'), file);
    await waitFor('the new threshold', () => g.rules!.flow[0]!.threshold === 7);
    assert.deepEqual(diffs.at(-1)!.changed, ['orders-qps']);

    writeFileSync(file, BAD_YAML);
    await waitFor('the bad file to be rejected', () => rejected.length === 1);
    assert.equal(rejected[0]!.issues[0]!.file, file);
    assert.ok(rejected[0]!.issues.every((i) => typeof i.line === 'number'));
    assert.equal(g.rules!.flow[0]!.threshold, 7, 'the old rules stay active');
    assert.equal(g.rules!.flow.length, 1);

    writeFileSync(file, GOOD_YAML.replace('threshold: 2', 'threshold: 9'));
    assert.equal(await w.reload(), true);
    assert.equal(g.rules!.flow[0]!.threshold, 9);
  });

  it('refuses to start on a bad file', (t) => {
    const file = join(tempDir(t), 'rules.yaml');
    writeFileSync(file, BAD_YAML);
    const g = createGuard({ autoSample: false });
    assert.throws(() => watchRulesFile(g, file), RulesError);
    assert.equal(g.rules, null);
  });
});

describe('JSON Schema', () => {
  it('rules.schema.json is up to date with the zod schemas (regenerate: node packages/guard/bin/write-json-schema.ts)', () => {
    const onDisk = JSON.parse(readFileSync(new URL('../../rules.schema.json', import.meta.url), 'utf8'));
    assert.deepEqual(onDisk, rulesJsonSchema());
  });

  it('describes every rule kind with its enums', () => {
    const s = JSON.stringify(rulesJsonSchema());
    for (const word of [
      'warmUp',
      'throttling',
      'slowRequestRatio',
      'consecutiveFailures',
      'eventLoopUtilization',
      'maxConcurrency',
      'overrides',
    ])
      assert.ok(s.includes(word), word);
  });

  it('the example rules of the README validate', () => {
    const rules: GuardRules = parseRulesText(GOOD_YAML);
    assert.ok(rules.breakers);
  });
});
