import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cleanup } from '@holdfast/testkit';

const root = join(import.meta.dirname, '..', '..');

test('npm run build emits JS + declarations that run without type stripping', (t) => {
  // Inside the repository, so the built code resolves its dependencies from node_modules as an
  // installed package would.
  mkdirSync(join(root, '.tmp'), { recursive: true });
  const out = mkdtempSync(join(root, '.tmp', 'build-'));
  cleanup(t, () => rmSync(out, { recursive: true, force: true }));
  const r = spawnSync(process.execPath, [join(root, 'scripts/build.ts'), 'config', '--out', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const pkg = JSON.parse(readFileSync(join(out, 'config', 'package.json'), 'utf8')) as {
    exports: Record<string, { types: string; default: string }>;
  };
  assert.deepEqual(pkg.exports['.'], { types: './src/index.d.ts', default: './src/index.js' });
  assert.ok(existsSync(join(out, 'config', 'src', 'index.d.ts')));
  // Plain JavaScript: runs with type stripping off, as it would from a registry install.
  const run = spawnSync(
    process.execPath,
    [
      '--no-experimental-strip-types',
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(join(out, 'config', 'src', 'index.js'))}); console.log(m.parseDuration('1.5s'))`,
    ],
    { encoding: 'utf8', cwd: root },
  );
  assert.equal(run.stderr, '');
  assert.equal(run.stdout.trim(), '1500');
});

test('a build outside the repository resolves third-party types and leaves no link behind', (t) => {
  // Outside the repository a built declaration's `import 'zod'` finds no node_modules by walking
  // up; the build links the repository's for its own run. (A config-only build cannot show the
  // type errors this caused in the supervisor; .ci/run builds the whole workspace.)
  const out = mkdtempSync(join(tmpdir(), 'hf-build-'));
  cleanup(t, () => rmSync(out, { recursive: true, force: true }));
  const r = spawnSync(process.execPath, [join(root, 'scripts/build.ts'), 'config', '--out', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(join(out, 'config', 'src', 'schemas.d.ts')));
  assert.equal(existsSync(join(out, 'node_modules')), false);
});

test('build refuses an unknown package name', () => {
  const r = spawnSync(process.execPath, [join(root, 'scripts/build.ts'), 'nope'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no package matches nope/);
});
