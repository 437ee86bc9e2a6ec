#!/usr/bin/env node
// Runs every test file of the workspace with Node's built-in runner.
// Usage: npm test [-- <path filter>...] [--only-fast]
// Files named *.serial.test.ts (load tests, network drills) run after the rest, one at a time,
// so their timing is not disturbed by other tests on a 2-core machine.
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';
import { availableParallelism } from 'node:os';

const args = process.argv.slice(2);
const filters = args.filter((a) => !a.startsWith('--'));
const all = globSync(['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'bench/test/**/*.test.ts', 'scripts/test/**/*.test.ts'])
  .sort()
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)));
const serial = all.filter((f) => f.endsWith('.serial.test.ts'));
const parallel = all.filter((f) => !f.endsWith('.serial.test.ts'));
const concurrency = Math.max(2, availableParallelism());

function run(files: string[], conc: number): number {
  if (files.length === 0) return 0;
  console.log(`\n▶ ${files.length} test file(s), concurrency ${conc}`);
  const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${conc}`, '--test-timeout=300000', ...files], {
    stdio: 'inherit',
  });
  return r.status ?? 1;
}

const code1 = run(parallel, concurrency);
const code2 = run(serial, 1);
process.exit(code1 || code2);
