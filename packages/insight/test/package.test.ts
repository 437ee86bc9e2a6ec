import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

// @holdfast/config is allowed for its zero-dependency subpaths (errors, issues, units, did-you-mean);
// the workspace's dependency-rules test checks that insight imports nothing else from it.
test('insight has no runtime dependency beyond Node and @holdfast/config', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { dependencies?: Record<string, string> };
  assert.deepEqual(Object.keys(pkg.dependencies ?? {}), ['@holdfast/config']);
});
