// Start and stop order, as pure functions of the config: dependsOn (a group means each of its
// programs) and priority (lower first to start, last to stop).
import type { GroupConfig, ProgramConfig } from '../config/schema.ts';

/** program → the programs it depends on, groups expanded. */
export function dependencyMap(programs: Record<string, ProgramConfig>, groups: Record<string, GroupConfig>): Map<string, Set<string>> {
  const map = new Map<string, Set<string>>();
  for (const [name, p] of Object.entries(programs)) {
    const deps = new Set<string>();
    for (const d of p.dependsOn) {
      if (d in programs) deps.add(d);
      else for (const m of groups[d]?.programs ?? []) if (m !== name && m in programs) deps.add(m);
    }
    map.set(name, deps);
  }
  return map;
}

/** `names` plus everything they depend on, transitively. */
export function withDependencies(names: Iterable<string>, deps: Map<string, Set<string>>): Set<string> {
  const out = new Set<string>();
  const visit = (n: string) => {
    if (out.has(n)) return;
    out.add(n);
    for (const d of deps.get(n) ?? []) visit(d);
  };
  for (const n of names) visit(n);
  return out;
}

export const byPriority = (programs: Record<string, ProgramConfig>) => (a: string, b: string) =>
  (programs[a]?.priority ?? 999) - (programs[b]?.priority ?? 999) || (a < b ? -1 : a > b ? 1 : 0); // not localeCompare: ICU data pages cost the daemon megabytes

/**
 * Stop waves for `names`: each wave holds programs no remaining program depends on, so
 * dependents stop before what they depend on; within a wave, higher priority stops first.
 */
export function stopWaves(names: Iterable<string>, deps: Map<string, Set<string>>, programs: Record<string, ProgramConfig>): string[][] {
  const remaining = new Set(names);
  const waves: string[][] = [];
  while (remaining.size > 0) {
    const wave = [...remaining].filter((n) => ![...remaining].some((m) => m !== n && deps.get(m)?.has(n)));
    // A cycle cannot pass validation; stop everything left rather than loop forever.
    const take = wave.length > 0 ? wave : [...remaining];
    take.sort(byPriority(programs)).reverse();
    waves.push(take);
    for (const n of take) remaining.delete(n);
  }
  return waves;
}
