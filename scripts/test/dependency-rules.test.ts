// DESIGN's dependency rules, read from the imports of every package's sources (static, type-only,
// re-exports and import()): which package may import which, only through the other's declared
// entry points (never its src/), config's zero-dependency subpaths staying zero-dependency, the
// cores of guard and insight importing nothing beyond Node and those subpaths, and every
// third-party module a package imports declared in its package.json.
import assert from 'node:assert/strict';
import { existsSync, globSync, readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '..', '..');

/** What each package may import of the others (DESIGN, "Dependency rules"; docs/architecture.md). */
const ALLOWED: Record<string, readonly string[]> = {
  cli: ['supervisor', 'failover', 'service', 'guard', 'config', 'insight'],
  service: ['guard', 'config'],
  supervisor: ['config', 'insight', 'guard'],
  failover: ['supervisor', 'config'],
  guard: ['config'],
  insight: ['config'],
  config: [],
  testkit: [],
};

/** Subpaths of @holdfast/config that import nothing but Node. */
const CONFIG_ZERO_DEP = [
  '@holdfast/config/errors',
  '@holdfast/config/issues',
  '@holdfast/config/units',
  '@holdfast/config/did-you-mean',
  '@holdfast/config/sd-notify',
];

/** Further limits on an arrow: the only entry points of the target a package may use. */
const ONLY_THROUGH: Record<string, Record<string, readonly string[]>> = {
  // The failover agent drives the supervisor through its typed client, never the daemon's code.
  failover: { supervisor: ['@holdfast/supervisor/client'] },
  // The dashboard's rule edits validate with guard's file loader, in a child process of the daemon.
  supervisor: { guard: ['@holdfast/guard/rules'] },
  // guard and insight have no dependencies: config's zero-dependency subpaths, and /locate
  // (yaml) for the subpaths that parse YAML (guard/rules, insight/yaml), never config's root.
  guard: { config: [...CONFIG_ZERO_DEP, '@holdfast/config/locate'] },
  insight: { config: [...CONFIG_ZERO_DEP, '@holdfast/config/locate'] },
};

/** Entry points whose whole import graph stays within Node (and the listed specifiers). */
const NODE_ONLY_ENTRIES: { pkg: string; entry: string; may: readonly string[] }[] = [
  { pkg: 'guard', entry: '.', may: CONFIG_ZERO_DEP },
  { pkg: 'insight', entry: '.', may: CONFIG_ZERO_DEP },
  ...CONFIG_ZERO_DEP.map((s) => ({ pkg: 'config', entry: `.${s.slice('@holdfast/config'.length)}`, may: [] })),
];

/**
 * Rules broken today by work in progress elsewhere, each with the engineer who owns the fix.
 * Listed here so the rest is enforced now; an entry that no longer matches anything fails the test.
 */
const KNOWN_EXCEPTIONS: { problem: string; todo: string }[] = [];

/** `found` without the known exceptions. */
function unexpected(found: string[]): string[] {
  const known = new Set(KNOWN_EXCEPTIONS.map((e) => e.problem));
  return found.filter((p) => !known.has(p));
}

interface Pkg {
  dir: string;
  name: string;
  exports: Record<string, string>;
  declared: Set<string>;
  /** Source file (relative to the package) → the specifiers it imports. */
  imports: Map<string, string[]>;
}

function importsOf(file: string): string[] {
  return ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);
}

function readPackages(): Map<string, Pkg> {
  const pkgs = new Map<string, Pkg>();
  for (const dir of readdirSync(join(root, 'packages'))) {
    const manifestFile = join(root, 'packages', dir, 'package.json');
    if (!existsSync(manifestFile)) continue;
    const m = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, Record<string, string> | string>;
    const imports = new Map<string, string[]>();
    for (const f of globSync(['src/**/*.ts', 'bin/**/*.{ts,js}'], { cwd: join(root, 'packages', dir) }).sort()) {
      imports.set(f, importsOf(join(root, 'packages', dir, f)));
    }
    const declared = new Set([...Object.keys((m.dependencies as object) ?? {}), ...Object.keys((m.peerDependencies as object) ?? {})]);
    pkgs.set(dir, { dir, name: m.name as string, exports: (m.exports as Record<string, string>) ?? {}, declared, imports });
  }
  return pkgs;
}

const isBuiltin = (s: string) => s.startsWith('node:') || builtinModules.includes(s);
/** The package name of a bare specifier: '@scope/name' or 'name'. */
const packageOf = (s: string) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!);

/** Every broken rule, one line each. */
export function dependencyProblems(pkgs: Map<string, Pkg>): string[] {
  const byName = new Map([...pkgs.values()].map((p) => [p.name, p]));
  const problems: string[] = [];
  for (const p of pkgs.values()) {
    for (const [file, specs] of p.imports) {
      const where = `packages/${p.dir}/${file}`;
      for (const s of specs) {
        if (isBuiltin(s)) continue;
        if (s.startsWith('.')) {
          const target = relative(join(root, 'packages', p.dir), resolve(join(root, 'packages', p.dir), dirname(file), s));
          if (target.startsWith('..')) problems.push(`${where} reaches outside its package: ${s}`);
          continue;
        }
        const name = packageOf(s);
        const other = byName.get(name);
        if (!other) {
          if (!p.declared.has(name)) problems.push(`${where} imports ${s}, which packages/${p.dir}/package.json does not declare`);
          continue;
        }
        if (other === p) continue; // a package's own subpath (a self-reference)
        if (!(ALLOWED[p.dir] ?? []).includes(other.dir)) {
          problems.push(`${where} imports ${s}: ${p.dir} may not depend on ${other.dir}`);
          continue;
        }
        const subpath = `.${s.slice(name.length)}`;
        if (!(subpath in other.exports)) {
          problems.push(`${where} imports ${s}: not an entry point of ${name} (its exports: ${Object.keys(other.exports).join(', ')})`);
        }
        const only = ONLY_THROUGH[p.dir]?.[other.dir];
        if (only && !only.includes(s)) {
          problems.push(`${where} imports ${s}: ${p.dir} may use ${other.dir} only through ${only.join(', ')}`);
        }
        if (!p.declared.has(name)) problems.push(`${where} imports ${s}, which packages/${p.dir}/package.json does not declare`);
      }
    }
  }
  for (const { pkg, entry, may } of NODE_ONLY_ENTRIES) {
    const p = pkgs.get(pkg);
    const start = p?.exports[entry];
    if (!p || !start) {
      problems.push(`packages/${pkg} has no entry point ${entry}`);
      continue;
    }
    const seen = new Set<string>();
    const walk = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const s of p.imports.get(file) ?? []) {
        if (s.startsWith('.')) walk(relative(join(root, 'packages', pkg), resolve(join(root, 'packages', pkg), dirname(file), s)));
        else if (!isBuiltin(s) && !may.includes(s)) {
          problems.push(`packages/${pkg}/${file} imports ${s}, but ${p.name}${entry.slice(1)} must need nothing beyond Node`);
        }
      }
    };
    walk(start.replace(/^\.\//, ''));
  }
  return problems;
}

/**
 * Tests, bench/, examples/ and scripts/ use the packages as users do: a package's tests reach no
 * file outside their package, nothing else a path into packages/, and an import of a package
 * names one of its entry points.
 */
function reachesIntoPackages(pkgs: Map<string, Pkg>): string[] {
  const byName = new Map([...pkgs.values()].map((p) => [p.name, p]));
  const problems: string[] = [];
  const check = (file: string, inside: string | undefined) => {
    for (const s of importsOf(join(root, file))) {
      if (s.startsWith('.')) {
        const target = relative(root, resolve(root, dirname(file), s));
        if (inside ? !target.startsWith(`${inside}/`) : target.startsWith('packages/')) problems.push(`${file} imports ${s}`);
        continue;
      }
      const other = byName.get(packageOf(s));
      const isEntry = other && `.${s.slice(other.name.length)}` in other.exports;
      if (other && !isEntry) problems.push(`${file} imports ${s}: not an entry point of ${other.name}`);
    }
  };
  for (const p of pkgs.values()) {
    const dir = `packages/${p.dir}`;
    for (const f of globSync('test/**/*.ts', { cwd: join(root, dir) }).sort()) check(`${dir}/${f}`, dir);
  }
  const outside = globSync(['bench/**/*.ts', 'examples/**/*.ts', 'scripts/**/*.ts'], {
    cwd: root,
    exclude: (f) => f.includes('node_modules'),
  });
  for (const f of outside.sort()) check(f, undefined);
  return problems;
}

describe('the dependency rules of DESIGN, by import path', () => {
  const pkgs = readPackages();
  const problems = dependencyProblems(pkgs);

  it('reads the imports it checks', () => {
    assert.ok(pkgs.get('cli')!.imports.get('src/commands/supervise.ts')!.includes('@holdfast/supervisor'), 'a dynamic import()');
    assert.ok(pkgs.get('guard')!.imports.get('src/errors.ts')!.includes('@holdfast/config/errors'));
    assert.ok(pkgs.get('failover')!.imports.size > 20 && pkgs.get('supervisor')!.imports.has('bin/holdfast-supervisor.js'));
  });

  const reaches = reachesIntoPackages(pkgs);

  it('holds for every package, apart from the known exceptions', () => {
    assert.deepEqual(unexpected(problems), []);
  });

  it('keeps tests, bench/, examples/ and scripts/ on the public entry points, apart from the known exceptions', () => {
    assert.deepEqual(unexpected(reaches), []);
  });

  it('lists no exception that is fixed already', () => {
    const all = new Set([...problems, ...reaches]);
    assert.deepEqual(
      KNOWN_EXCEPTIONS.filter((e) => !all.has(e.problem)),
      [],
      'remove it from KNOWN_EXCEPTIONS',
    );
  });

  it('reports what breaks the rules (the checks can fail)', () => {
    type Imports = Record<string, string[]>;
    const main = { '.': './src/index.ts' };
    const intoSupervisor = '../../supervisor/src/index.ts';
    const entryOf = (s: string) => s.replace('@holdfast/config', '.');
    const fake = (dir: string, imports: Imports, declared: string[] = [], exports: Record<string, string> = main): Pkg => ({
      dir,
      name: `@holdfast/${dir}`,
      exports,
      declared: new Set(declared),
      imports: new Map(Object.entries(imports)),
    });
    const bad = new Map<string, Pkg>([
      ['guard', fake('guard', { 'src/index.ts': ['./a.ts', '@holdfast/config'], 'src/a.ts': ['yaml'] }, ['@holdfast/config'])],
      ['config', fake('config', { 'src/index.ts': [], 'src/units.ts': ['zod'] }, ['zod'], { ...main, './units': './src/units.ts' })],
      ['failover', fake('failover', { 'src/index.ts': ['@holdfast/supervisor', intoSupervisor] }, ['@holdfast/supervisor'])],
      ['supervisor', fake('supervisor', { 'src/index.ts': ['@holdfast/cli-thing', '@holdfast/failover'] }, ['@holdfast/failover'])],
      ['insight', fake('insight', { 'src/index.ts': [] })],
    ]);
    assert.deepEqual(
      dependencyProblems(bad).sort(),
      [
        'packages/config/src/units.ts imports zod, but @holdfast/config/units must need nothing beyond Node',
        'packages/failover/src/index.ts imports @holdfast/supervisor: failover may use supervisor only through @holdfast/supervisor/client',
        'packages/failover/src/index.ts reaches outside its package: ../../supervisor/src/index.ts',
        'packages/guard/src/a.ts imports yaml, which packages/guard/package.json does not declare',
        'packages/guard/src/a.ts imports yaml, but @holdfast/guard must need nothing beyond Node',
        'packages/guard/src/index.ts imports @holdfast/config, but @holdfast/guard must need nothing beyond Node',
        'packages/guard/src/index.ts imports @holdfast/config: guard may use config only through ' + ONLY_THROUGH.guard!.config!.join(', '),
        'packages/supervisor/src/index.ts imports @holdfast/cli-thing, which packages/supervisor/package.json does not declare',
        'packages/supervisor/src/index.ts imports @holdfast/failover: supervisor may not depend on failover',
        ...CONFIG_ZERO_DEP.filter((s) => !s.endsWith('/units')).map((s) => `packages/config has no entry point ${entryOf(s)}`),
      ].sort(),
    );
  });
});
