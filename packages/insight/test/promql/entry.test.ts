// @holdfast/insight/promql is what a daemon loads to evaluate rules itself: it must work through
// the package's public entry, and its import graph must stay out of the miner, the incident loop
// and every third-party module but config's zero-dependency subpaths (a daemon pays for each
// module it loads for months).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { RuleEvaluator, SeriesStore, generateRules, historyNeeded, makeBaseline, compileRules } from '@holdfast/insight/promql';

const src = resolve(import.meta.dirname, '..', '..', 'src');

function graph(entry: string): { files: Set<string>; bare: Set<string> } {
  const files = new Set<string>();
  const bare = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (fileName.startsWith('.')) visit(resolve(dirname(file), fileName));
      else if (!fileName.startsWith('node:')) bare.add(fileName);
    }
  };
  visit(join(src, entry));
  return { files, bare };
}

test('the /promql entry loads no miner, no incident loop and no third-party module', () => {
  const { files, bare } = graph('promql-entry.ts');
  const outside = [...files]
    .map((f) => relative(src, f))
    .filter((f) => !/^(promql|rules|thresholds|replay)\/|^(errors|promql-entry)\.ts$/.test(f) || f === 'thresholds/schema.ts');
  assert.deepEqual(outside, []);
  assert.deepEqual(
    [...bare].filter((s) => !['@holdfast/config/errors', '@holdfast/config/issues'].includes(s)),
    [],
    "config's zero-dependency subpaths only",
  );
  assert.ok(files.size > 20, 'the graph was read');
});

test('the /promql entry evaluates generated rules over scraped samples', () => {
  const baseline = makeBaseline({
    name: 'api',
    strategy: 'static',
    static: { above: 20 },
    matchers: { service: 'api' },
    by: ['service'],
    meta: { owner: 'o', severity: 'warning', runbook: 'r' },
  });
  const rules = generateRules({ baselines: [baseline], slos: [] });
  assert.ok(historyNeeded(compileRules(rules)) >= 5 * 60_000);
  const store = new SeriesStore();
  const ev = new RuleEvaluator(store, rules);
  let total = 0;
  const firedAt: number[] = [];
  for (let m = 0; m < 180; m++) {
    total += (m < 150 ? 10 : 50) * 60; // 10 requests/s, then 50 for the last half hour
    store.append(
      { __name__: 'holdfast_http_requests_total', service: 'api', route: '/x', method: 'GET', status: '200' },
      m * 60_000,
      total,
    );
    for (const c of ev.evaluate(m * 60_000)) if (c.effect.type === 'firing') firedAt.push(m);
  }
  assert.equal(firedAt.length, 1, 'one alert');
  assert.ok(
    firedAt[0]! >= 155 && firedAt[0]! <= 162,
    `fired at minute ${firedAt[0]}: 5 m of rate window and 5 m of for after the jump at 150`,
  );
  assert.deepEqual(
    ev.firing(179 * 60_000).map((a) => [a.alertname, a.labels.owner, a.labels.severity]),
    [['ApiAnomaly', 'o', 'warning']],
  );
});
