#!/usr/bin/env node
// `npm run bench`: every `bench:<name>` script of the root package.json, one after another
// (never in parallel: they would measure each other).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
const names = Object.keys(pkg.scripts).filter((s) => s.startsWith('bench:'));
let failed = 0;
for (const [i, name] of names.entries()) {
  console.log(`\n▶ [${i + 1}/${names.length}] npm run ${name}`);
  const r = spawnSync('npm', ['run', '-s', name], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`✗ ${name} exited with ${r.status}`);
  }
}
process.exit(failed ? 1 : 0);
