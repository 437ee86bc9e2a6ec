#!/usr/bin/env node
// Runs every test file of the workspace with Node's built-in runner.
// Usage: npm test [-- <path filter>...]
// Files named *.serial.test.ts (load tests, network drills) run after the rest, one at a time,
// so their timing is not disturbed by other tests on a 2-core machine.
// Skipped tests are counted and listed at the end: with CI=true a run that skipped any fails
// (a CI without root or netns must not be green having run none of those tests), unless
// HOLDFAST_ALLOW_SKIP=1 says that machine cannot do better.
import { spawnSync } from 'node:child_process';
import { globSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const filters = args.filter((a) => !a.startsWith('--'));
const all = globSync([
  'packages/*/test/**/*.test.ts',
  'examples/*/test/**/*.test.ts',
  'bench/test/**/*.test.ts',
  'scripts/test/**/*.test.ts',
])
  .sort()
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)));
const serial = all.filter((f) => f.endsWith('.serial.test.ts'));
const parallel = all.filter((f) => !f.endsWith('.serial.test.ts'));
const concurrency = Math.max(2, availableParallelism());
const reporter = join(import.meta.dirname, 'skip-reporter.ts');
const work = mkdtempSync(join(tmpdir(), 'hf-test-run-'));

interface Skipped {
  file: string | undefined;
  name: string;
  reason: string;
}

function run(files: string[], conc: number, label: string): { code: number; skipped: Skipped[] } {
  if (files.length === 0) return { code: 0, skipped: [] };
  console.log(`\n▶ ${files.length} test file(s), concurrency ${conc}`);
  const skips = join(work, `${label}.json`);
  const r = spawnSync(
    process.execPath,
    [
      '--test',
      `--test-concurrency=${conc}`,
      '--test-timeout=300000',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      `--test-reporter=${reporter}`,
      `--test-reporter-destination=${skips}`,
      ...files,
    ],
    { stdio: 'inherit' },
  );
  let skipped: Skipped[] = [];
  try {
    skipped = JSON.parse(readFileSync(skips, 'utf8')) as Skipped[];
  } catch {}
  return { code: r.status ?? 1, skipped };
}

const first = run(parallel, concurrency, 'parallel');
const second = run(serial, 1, 'serial');
rmSync(work, { recursive: true, force: true });
const skipped = [...first.skipped, ...second.skipped];
let code = first.code || second.code;
if (skipped.length === 0) console.log('\n0 tests skipped');
else {
  console.log(`\n${skipped.length} test(s) skipped:`);
  for (const s of skipped)
    console.log(`  - ${s.file ? `${s.file.replace(`${process.cwd()}/`, '')}: ` : ''}${s.name}${s.reason ? ` (${s.reason})` : ''}`);
  if (process.env.CI === 'true' && process.env.HOLDFAST_ALLOW_SKIP !== '1') {
    console.log(
      `\nCI=true: a run that skips tests fails (they did not run, so they proved nothing). Give this machine what ` +
        `they need, or set HOLDFAST_ALLOW_SKIP=1 where it cannot have it.`,
    );
    code ||= 1;
  }
}
process.exit(code);
