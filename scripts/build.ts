#!/usr/bin/env node
// `npm run build`: emits publishable JavaScript + declarations for every public package into
// packages/<pkg>/dist, with a package.json whose exports and bin point at the .js files, so
// `npm publish packages/<pkg>/dist` ships a package that runs on any Node >= 22 without type
// stripping. Packages build in dependency order; a package's imports of another workspace
// package resolve to that package's freshly built declarations.
//   npm run build [-- <package dir name>...] [--out <dir>]
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const { values, positionals } = parseArgs({ options: { out: { type: 'string' } }, allowPositionals: true });

interface Pkg {
  dir: string;
  name: string;
  manifest: Record<string, any>;
}

const all: Pkg[] = readdirSync(join(root, 'packages'))
  .map((d) => join(root, 'packages', d))
  .filter((d) => existsSync(join(d, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, any> }))
  .filter((p) => !p.manifest.private)
  .map((p) => ({ ...p, name: p.manifest.name as string }));
const byName = new Map(all.map((p) => [p.name, p]));

// Dependency order: a package after every workspace package it depends on.
const ordered: Pkg[] = [];
const visit = (p: Pkg, path: string[] = []) => {
  if (ordered.includes(p)) return;
  if (path.includes(p.name)) throw new Error(`dependency cycle: ${[...path, p.name].join(' -> ')}`);
  for (const dep of Object.keys(p.manifest.dependencies ?? {})) {
    const d = byName.get(dep);
    if (d) visit(d, [...path, p.name]);
  }
  ordered.push(p);
};
for (const p of all) visit(p);
const selected = positionals.length ? ordered.filter((p) => positionals.some((s) => p.dir.endsWith(`/${s}`) || p.name === s)) : ordered;
if (positionals.length && selected.length === 0) {
  console.error(`build: no package matches ${positionals.join(', ')}; packages: ${ordered.map((p) => p.dir.split('/').pop()).join(', ')}`);
  process.exit(2);
}

const outDirOf = (p: Pkg) => (values.out ? join(resolve(values.out), p.dir.split('/').pop()!) : join(p.dir, 'dist'));
const toJs = (f: string) => f.replace(/\.ts$/, '.js');
const toDts = (f: string) => f.replace(/\.ts$/, '.d.ts');

/** Rewrites an exports map entry (string or conditions) from .ts sources to built files. */
function builtExports(exp: unknown): unknown {
  if (typeof exp === 'string') return exp.endsWith('.ts') ? { types: toDts(exp), default: toJs(exp) } : exp;
  if (exp && typeof exp === 'object') return Object.fromEntries(Object.entries(exp).map(([k, v]) => [k, builtExports(v)]));
  return exp;
}

// A built declaration imports its dependencies by name ('zod'), and TypeScript finds them by
// walking up from the file. Outside the repository (--out /tmp/x) that walk finds nothing, and the
// next package's schemas degrade to implicit any. A node_modules link beside the output gives the
// walk what an installed package would have; it is removed when the build ends.
const outRoot = values.out ? resolve(values.out) : undefined;
const linkedModules = outRoot && !(outRoot + sep).startsWith(root + sep) ? join(outRoot, 'node_modules') : undefined;
if (linkedModules) {
  mkdirSync(outRoot!, { recursive: true });
  if (existsSync(linkedModules) && !lstatSync(linkedModules).isSymbolicLink()) {
    console.error(`build: ${linkedModules} exists and is not the build's own link; choose an empty --out`);
    process.exit(2);
  }
  rmSync(linkedModules, { force: true });
  symlinkSync(join(root, 'node_modules'), linkedModules, 'dir');
}

let failed = 0;
for (const [i, p] of selected.entries()) {
  const out = outDirOf(p);
  const short = relative(root, p.dir);
  process.stderr.write(`[${i + 1}/${selected.length}] ${p.name} (${short}) → ${relative(root, out)} … `);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  // Workspace dependencies resolve to their built declarations, never to their sources.
  const paths: Record<string, string[]> = {};
  for (const dep of Object.keys(p.manifest.dependencies ?? {})) {
    const d = byName.get(dep);
    if (!d) continue;
    for (const [sub, target] of Object.entries((d.manifest.exports ?? {}) as Record<string, unknown>)) {
      if (typeof target !== 'string') continue;
      paths[dep + sub.slice(1)] = [join(outDirOf(d), toDts(target))];
    }
  }
  const include = ['src', 'bin'].filter((d) => existsSync(join(p.dir, d))).map((d) => join(p.dir, d));
  const tsconfig = join(out, 'tsconfig.build.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(root, 'tsconfig.base.json'),
      compilerOptions: {
        rootDir: p.dir,
        outDir: out,
        declaration: true,
        sourceMap: true,
        noEmit: false,
        paths,
        types: ['node'],
        typeRoots: [join(root, 'node_modules/@types')],
      },
      include,
      exclude: ['**/*.test.ts'],
    }),
  );
  const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', tsconfig], { encoding: 'utf8' });
  rmSync(tsconfig);
  if (r.status !== 0) {
    failed++;
    process.stderr.write('failed\n' + r.stdout + r.stderr);
    continue;
  }
  const m = { ...p.manifest };
  if (m.exports) m.exports = builtExports(m.exports);
  if (m.bin) m.bin = Object.fromEntries(Object.entries(m.bin as Record<string, string>).map(([k, v]) => [k, toJs(v)]));
  delete m.devDependencies;
  delete m.scripts;
  m.files = undefined;
  writeFileSync(join(out, 'package.json'), JSON.stringify(m, null, 2) + '\n');
  if (existsSync(join(p.dir, 'README.md'))) copyFileSync(join(p.dir, 'README.md'), join(out, 'README.md'));
  // Exported files that are not TypeScript (a JSON Schema, say) ship as they are.
  for (const target of Object.values((p.manifest.exports ?? {}) as Record<string, unknown>)) {
    if (typeof target === 'string' && !target.endsWith('.ts') && existsSync(join(p.dir, target))) {
      mkdirSync(join(out, target, '..'), { recursive: true });
      copyFileSync(join(p.dir, target), join(out, target));
    }
  }
  process.stderr.write('ok\n');
}
if (linkedModules) rmSync(linkedModules, { force: true });
process.exit(failed ? 1 : 0);
