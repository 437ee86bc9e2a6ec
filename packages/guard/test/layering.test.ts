// The package's own layering, read from the imports of its sources. Each floor may import only
// the floors below it, and a folder's files may import each other (never in a loop). Rule
// kinds are siblings on one floor: flow/ never imports breaker/, and so on; what two of them
// share sits below them. The core (what index.ts reaches) imports nothing but Node, relative
// files and @holdfast/config's zero-dependency subpaths. A new source file must be given its floor here, deliberately.
import assert from 'node:assert/strict';
import { globSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** Bottom floor first. An entry ending in '/' is a folder (one unit); anything else one file. */
const FLOORS: readonly (readonly string[])[] = [
  ['errors.ts', 'clock.ts', 'block-reason.ts', 'logger.ts', 'verdict.ts'],
  ['block-error.ts', 'rule-fields.ts'],
  ['stat/', 'signals/', 'cluster/'],
  // The rule kinds: rule.ts (data + validation) and checker.ts (the hot path) in each.
  ['flow/', 'breaker/', 'hotspot/', 'isolation/', 'system/'],
  // The rule manager: validate, build, diff, swap.
  ['manager/'],
  ['entry.ts', 'dry-run.ts'],
  ['observe.ts', 'run.ts', 'events.ts'],
  ['guard.ts'],
  // Adapters over a guard, each behind a subpath.
  ['schema/', 'prometheus/', 'cluster-redis/'],
  ['fastify/'],
  ['index.ts', 'rules-entry.ts', 'fastify-entry.ts', 'prometheus-entry.ts', 'cluster-redis-entry.ts'],
];

/** Packages the core may import at run time besides node: builtins: the zero-dependency subpaths of @holdfast/config. */
const CORE_MAY_IMPORT: readonly string[] = ['@holdfast/config/errors', '@holdfast/config/issues', '@holdfast/config/did-you-mean'];

export type Graph = Map<string, string[]>;

/** file -> the relative files it imports (static, re-exports, dynamic import()); externals apart. */
export function readImports(root: string): { graph: Graph; externals: Map<string, string[]> } {
  const graph: Graph = new Map();
  const externals = new Map<string, string[]>();
  for (const file of globSync('**/*.ts', { cwd: root }).sort()) {
    const info = ts.preProcessFile(readFileSync(join(root, file), 'utf8'), true, true);
    const local: string[] = [];
    const outside: string[] = [];
    for (const { fileName } of info.importedFiles) {
      if (fileName.startsWith('.')) local.push(relative(root, join(root, dirname(file), fileName)));
      else outside.push(fileName);
    }
    graph.set(file, local);
    externals.set(file, outside);
  }
  return { graph, externals };
}

function unitOf(file: string, floors: readonly (readonly string[])[]): { floor: number; unit: string } | undefined {
  for (let i = 0; i < floors.length; i++) {
    for (const unit of floors[i]!) if (unit.endsWith('/') ? file.startsWith(unit) : file === unit) return { floor: i, unit };
  }
  return undefined;
}

/** Every import that breaks the floors, and every file that has no floor. */
export function layeringProblems(graph: Graph, floors: readonly (readonly string[])[]): string[] {
  const problems: string[] = [];
  for (const [file, imports] of graph) {
    const from = unitOf(file, floors);
    if (!from) {
      problems.push(`${file} has no floor: add it to FLOORS in test/layering.test.ts`);
      continue;
    }
    for (const target of imports) {
      const to = unitOf(target, floors);
      if (!to) continue; // reported as a file of its own
      if (to.unit === from.unit || to.floor < from.floor) continue;
      const where = to.floor === from.floor ? 'a sibling on the same floor' : `floor ${to.floor}, above its own floor ${from.floor}`;
      problems.push(`${file} imports ${target}: ${where}`);
    }
  }
  return problems;
}

/** The import loops (strongly connected components of more than one file, or a self-import). */
export function importLoops(graph: Graph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const loops: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) loops.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return loops;
}

/** Files reachable from `entry`. */
function reachable(graph: Graph, entry: string): Set<string> {
  const seen = new Set<string>();
  const walk = (f: string): void => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const g of graph.get(f) ?? []) walk(g);
  };
  walk(entry);
  return seen;
}

describe('the layering of @holdfast/guard', () => {
  const { graph, externals } = readImports(SRC);

  it('reads the imports it checks (static, type-only, re-exports and import())', () => {
    assert.ok(graph.get('guard.ts')!.includes('manager/manager.ts'));
    assert.ok(graph.get('index.ts')!.includes('guard.ts'), 'export ... from');
    assert.ok(graph.get('fastify/plugin.ts')!.includes('schema/file-source.ts'), 'a dynamic import()');
    assert.ok(graph.get('entry.ts')!.includes('manager/compile.ts'), 'an import type');
  });

  it('has no import loop', () => {
    assert.deepEqual(importLoops(graph), []);
  });

  it('imports only downwards: no file imports one on its own floor outside its folder, or above it', () => {
    assert.deepEqual(layeringProblems(graph, FLOORS), []);
  });

  it('keeps the core free of dependencies: what index.ts reaches imports only node: builtins', () => {
    const bad: string[] = [];
    for (const file of reachable(graph, 'index.ts')) {
      for (const m of externals.get(file) ?? [])
        if (!m.startsWith('node:') && !CORE_MAY_IMPORT.includes(m)) bad.push(`${file} imports ${m}`);
    }
    assert.deepEqual(bad, []);
  });

  it('reports what breaks the rules (the checks can fail)', () => {
    const floors = [['a.ts'], ['x/', 'y/'], ['b.ts']];
    const g: Graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['x/one.ts']],
      ['x/one.ts', ['x/two.ts', 'y/three.ts']],
      ['x/two.ts', ['x/one.ts']],
      ['y/three.ts', []],
      ['z.ts', []],
    ]);
    assert.deepEqual(layeringProblems(g, floors), [
      'a.ts imports b.ts: floor 2, above its own floor 0',
      'x/one.ts imports y/three.ts: a sibling on the same floor',
      'z.ts has no floor: add it to FLOORS in test/layering.test.ts',
    ]);
    assert.deepEqual(importLoops(g), [['x/one.ts', 'x/two.ts']]);
  });
});
