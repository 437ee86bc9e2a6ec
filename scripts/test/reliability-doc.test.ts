// docs/reliability.md promises a test for every fault it lists. This keeps the promise checkable:
// every table row names at least one test file, and every test file it names exists (a renamed or
// deleted test fails here instead of leaving a row that points at nothing).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(import.meta.dirname, '..', '..');
const DOC = 'docs/reliability.md';

interface Row {
  line: number;
  fault: string;
  tests: string[];
}

/** The rows of every table in the doc (not the header or its |---| line), with the test paths of the last column. */
function rows(text: string): Row[] {
  const out: Row[] = [];
  const lines = text.split('\n');
  lines.forEach((l, i) => {
    if (!l.startsWith('|') || /^\|[-| ]+\|$/.test(l) || lines[i + 1]?.match(/^\|[-| ]+\|$/)) return;
    const cells = l.split(/(?<!\\)\|/).slice(1, -1);
    const last = cells.at(-1) ?? '';
    // A test is a backticked path ending in .ts under a test/ folder.
    const tests = [...last.matchAll(/`([^`\s]+\/test\/[^`\s]+\.ts)`/g)].map((m) => m[1]!);
    out.push({ line: i + 1, fault: (cells[0] ?? '').trim(), tests });
  });
  return out;
}

/** Paths in the doc are under packages/, unless they start at the repository root. */
const resolveTest = (p: string) => join(root, /^(examples|scripts|bench)\//.test(p) ? p : join('packages', p));

test(`every row of ${DOC} names a test, and every named test exists`, () => {
  const found = rows(readFileSync(join(root, DOC), 'utf8'));
  assert.ok(found.length >= 50, `${DOC}: expected the supervisor, failover and service tables, found ${found.length} rows`);
  const problems: string[] = [];
  for (const r of found) {
    if (r.tests.length === 0)
      problems.push(`${DOC}:${r.line}: "${r.fault}" names no test (a backticked path like \`supervisor/test/x.test.ts\`)`);
    for (const t of r.tests)
      if (!existsSync(resolveTest(t))) problems.push(`${DOC}:${r.line}: "${r.fault}" names ${t}, which does not exist (${resolveTest(t)})`);
  }
  assert.deepEqual(problems, []);
});

test('the row reader finds a missing test and a row without one', () => {
  const doc = [
    '| fault | does | test |',
    '|---|---|---|',
    '| a | b | `supervisor/test/nope.test.ts` |',
    '| c | d | nothing named |',
    '| e \\| f | g | `scripts/test/build.test.ts` |',
  ].join('\n');
  const r = rows(doc);
  assert.deepEqual(
    r.map((x) => [x.line, x.fault, x.tests]),
    [
      [3, 'a', ['supervisor/test/nope.test.ts']],
      [4, 'c', []],
      [5, 'e \\| f', ['scripts/test/build.test.ts']],
    ],
  );
  assert.equal(existsSync(resolveTest('supervisor/test/nope.test.ts')), false);
  assert.equal(existsSync(resolveTest('scripts/test/build.test.ts')), true);
});
