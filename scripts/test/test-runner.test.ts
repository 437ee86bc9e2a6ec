// scripts/test.ts as CI runs it: skipped tests are counted and listed, and with CI=true a run
// that skipped any fails unless HOLDFAST_ALLOW_SKIP=1.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@holdfast/testkit';

const runner = join(import.meta.dirname, '..', 'test.ts');

function workspace(t: Parameters<typeof tempDir>[0], tests: string): string {
  const dir = tempDir(t, 'hf-runner-');
  mkdirSync(join(dir, 'packages', 'x', 'test'), { recursive: true });
  writeFileSync(join(dir, 'packages', 'x', 'test', 'a.test.ts'), `import { test } from 'node:test';\n${tests}`);
  return dir;
}

function run(cwd: string, env: Record<string, string>) {
  const base = { ...process.env };
  delete base.CI;
  delete base.HOLDFAST_ALLOW_SKIP;
  // Set by node:test in the processes it runs: the nested runner would report to us instead of printing.
  delete base.NODE_TEST_CONTEXT;
  return spawnSync(process.execPath, [runner], { cwd, env: { ...base, ...env }, encoding: 'utf8' });
}

test('skipped tests are counted and listed; with CI=true they fail the run unless HOLDFAST_ALLOW_SKIP=1', (t) => {
  const dir = workspace(
    t,
    "test('runs', () => {});\ntest('declared skip', { skip: 'needs a thing' }, () => {});\ntest('skip at run time', " +
      "(t) => t.skip('not root'));\n",
  );
  const local = run(dir, {});
  assert.equal(local.status, 0, local.stdout + local.stderr);
  assert.match(
    local.stdout,
    /2 test\(s\) skipped:\n {2}- packages\/x\/test\/a\.test\.ts: declared skip \(needs a thing\)\n {2}- packages\/x\/test\/a\.test\.ts: skip at run time \(not root\)/,
  );
  const ci = run(dir, { CI: 'true' });
  assert.equal(ci.status, 1);
  assert.match(ci.stdout, /CI=true: a run that skips tests fails/);
  const allowed = run(dir, { CI: 'true', HOLDFAST_ALLOW_SKIP: '1' });
  assert.equal(allowed.status, 0);
  assert.match(allowed.stdout, /2 test\(s\) skipped/);
});

test('a run that skipped nothing says so and passes in CI; a failure still fails', (t) => {
  const ok = run(workspace(t, "test('runs', () => {});\n"), { CI: 'true' });
  assert.equal(ok.status, 0, ok.stdout);
  assert.match(ok.stdout, /\n0 tests skipped\n/);
  const bad = run(workspace(t, "test('fails', () => { throw new Error('no'); });\n"), {});
  assert.equal(bad.status, 1);
});
