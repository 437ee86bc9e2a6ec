#!/usr/bin/env -S node --lite-mode --max-semi-space-size=1 --optimize-for-size --expose-gc
// The supervisor daemon's entry. Plain JavaScript on purpose: loading one .ts file makes Node
// load its TypeScript stripper (about 18 MB of resident memory, kept for the life of the
// process). Instead, the package's sources are stripped once in a short-lived child process
// into a cache, and a module hook serves the stripped code; a daemon that runs for months
// never holds the stripper. A published build runs src/daemon/main.js directly instead.
// The V8 flags in the first line trade optimizing-compiler speed (which a supervisor that mostly
// waits does not need) for resident memory: about 12 MB less with 50 programs; --expose-gc lets
// the daemon bound its old-generation garbage (src/daemon/gc-pacer.ts).
/* global process -- the global, not `import process from 'node:process'`: an ESM import of a
   built-in reads all its exports, and process.report's getter alone loads about 1.4 MB. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Runs in the child: strips each [from, to] pair of the job on stdin.
const STRIPPER = `
const { stripTypeScriptTypes } = require('node:module');
const { readFileSync, writeFileSync, renameSync } = require('node:fs');
const job = JSON.parse(readFileSync(0, 'utf8'));
for (const [from, to] of job) {
  const out = stripTypeScriptTypes(readFileSync(from, 'utf8'), { mode: 'strip', sourceUrl: from });
  writeFileSync(to + '.tmp', out);
  renameSync(to + '.tmp', to);
}`;

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(pkg, 'src');
const main = join(src, 'daemon', 'main.ts');
// The daemon also imports @holdfast/config's zero-dependency subpaths (errors, did-you-mean),
// which are TypeScript sources too.
const configSrc = dirname(fileURLToPath(import.meta.resolve('@holdfast/config/errors')));
// So does the incident loop's @holdfast/insight, imported only when the config has incidents.
const insightSrc = dirname(fileURLToPath(import.meta.resolve('@holdfast/insight')));
const roots = [
  { dir: src, prefix: '' },
  { dir: configSrc, prefix: 'config--' },
  { dir: insightSrc, prefix: 'insight--' },
];

const cacheDir = cacheDirectory();
const files = roots.flatMap((r) => listTs(r.dir));
const rootOf = (f) => roots.find((r) => f.startsWith(r.dir + '/'));
const stem = (f) => {
  const r = rootOf(f);
  return `${r.prefix}${relative(r.dir, f).replaceAll('/', '__')}.`;
};
const key = (f) => {
  const st = statSync(f);
  // Named by path, size and mtime (no hashing: node:crypto would load OpenSSL into the daemon).
  return join(cacheDir, `${stem(f)}${st.size}.${Math.floor(st.mtimeMs)}.js`);
};
const missing = files.filter((f) => !existsSync(key(f)));
if (missing.length > 0) {
  // One child strips every stale file (Node's own stripper, module.stripTypeScriptTypes).
  const job = missing.map((f) => [f, key(f)]);
  execFileSync(process.execPath, ['--no-warnings', '-e', STRIPPER], { input: JSON.stringify(job), stdio: ['pipe', 'inherit', 'inherit'] });
  // Older versions of the files just stripped are dead weight.
  const current = new Set(files.map((f) => key(f).slice(cacheDir.length + 1)));
  const stems = new Set(missing.map(stem));
  for (const name of readdirSync(cacheDir)) {
    if (!current.has(name) && [...stems].some((p) => name.startsWith(p))) rmSync(join(cacheDir, name), { force: true });
  }
}
const rootUrls = roots.map((r) => pathToFileURL(r.dir).href + '/');
registerHooks({
  load(url, context, nextLoad) {
    if (url.endsWith('.ts') && rootUrls.some((r) => url.startsWith(r))) {
      const file = fileURLToPath(url);
      const cached = key(file);
      if (existsSync(cached)) return { format: 'module', source: readFileSync(cached, 'utf8'), shortCircuit: true };
    }
    return nextLoad(url, context);
  },
});
await import(pathToFileURL(main).href);

function listTs(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listTs(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

function cacheDirectory() {
  // node_modules/.cache is where tools keep derived files; owned by whoever installed the package.
  let dir = pkg;
  for (;;) {
    const nm = join(dir, 'node_modules');
    if (existsSync(nm)) {
      const c = join(nm, '.cache', 'holdfast-supervisor');
      mkdirSync(c, { recursive: true, mode: 0o755 });
      return c;
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  const c = join(pkg, '.cache');
  mkdirSync(c, { recursive: true });
  return c;
}
