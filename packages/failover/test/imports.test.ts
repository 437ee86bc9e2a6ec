// The import rules of this package, read from its source (DESIGN: failover reaches the supervisor
// through its client only; the test doubles stay out of the production entry).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sources = globSync('src/**/*.ts', { cwd: root }).sort();

/** Every module specifier a file imports or re-exports, static or dynamic. */
function specifiers(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g))
    out.push((m[1] ?? m[2])!);
  return out;
}

test('the supervisor is reached through @holdfast/supervisor/client only', () => {
  const offending = sources.flatMap((f) =>
    specifiers(f)
      .filter((s) => s.startsWith('@holdfast/supervisor') && s !== '@holdfast/supervisor/client')
      .map((s) => `${f}: ${s}`),
  );
  assert.deepEqual(offending, []);
  assert.ok(
    sources.some((f) => specifiers(f).includes('@holdfast/supervisor/client')),
    'the program resource uses the client subpath',
  );
});

test('the test doubles are not reachable from the public entry, only from @holdfast/failover/testing', () => {
  const seen = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const s of specifiers(file)) {
      if (!s.startsWith('.')) continue;
      walk(relative(root, resolve(root, dirname(file), s)));
    }
  };
  walk('src/index.ts');
  assert.ok(seen.has('src/leadership.ts') && seen.has('src/fence/fence.ts'), "the walk follows the entry's imports");
  assert.deepEqual(
    [...seen].filter((f) => f.startsWith('src/testing/')),
    [],
  );
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, string> };
  assert.equal(manifest.exports['./testing'], './src/testing/index.ts');
});

test('the fence contract lives under fence/: nothing in resources/ imports fence/', () => {
  const offending = sources
    .filter((f) => f.startsWith('src/resources/'))
    .flatMap((f) =>
      specifiers(f)
        .filter((s) => s.includes('/fence/'))
        .map((s) => `${f}: ${s}`),
    );
  assert.deepEqual(offending, []);
});
