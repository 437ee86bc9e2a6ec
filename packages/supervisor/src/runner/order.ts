// Start and stop order, as pure functions of the config: dependsOn (a group means each of its
// programs) and priority (lower first to start, last to stop). As in supervisord, a group's
// priority, when it sets one, ranks all its programs (each program's own priority then orders
// them within the group), and stops go one rank at a time, highest first, each waiting for the
// one before it.
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

/** A program's rank: its group's priority when the group sets one, else its own. */
export function rankOf(name: string, programs: Record<string, ProgramConfig>, groups: Record<string, GroupConfig>): number {
  for (const g of Object.values(groups)) if (g.priority !== undefined && g.programs.includes(name)) return g.priority;
  return programs[name]?.priority ?? 999;
}

export const byPriority =
  (programs: Record<string, ProgramConfig>, groups: Record<string, GroupConfig> = {}) =>
  (a: string, b: string) =>
    rankOf(a, programs, groups) - rankOf(b, programs, groups) ||
    (programs[a]?.priority ?? 999) - (programs[b]?.priority ?? 999) ||
    (a < b ? -1 : a > b ? 1 : 0); // not localeCompare: ICU data pages cost the daemon megabytes

/**
 * Stop waves for `names`, each waited for before the next: dependents before what they depend
 * on, and among programs free to stop, one rank at a time, the highest rank first (supervisord
 * stops its groups that way); within a wave, higher priority is signalled first.
 */
export function stopWaves(
  names: Iterable<string>,
  deps: Map<string, Set<string>>,
  programs: Record<string, ProgramConfig>,
  groups: Record<string, GroupConfig> = {},
): string[][] {
  const remaining = new Set(names);
  const waves: string[][] = [];
  while (remaining.size > 0) {
    const free = [...remaining].filter((n) => ![...remaining].some((m) => m !== n && deps.get(m)?.has(n)));
    // A cycle cannot pass validation; stop everything left rather than loop forever.
    const candidates = free.length > 0 ? free : [...remaining];
    const top = Math.max(...candidates.map((n) => rankOf(n, programs, groups)));
    const take = candidates.filter((n) => rankOf(n, programs, groups) === top);
    take.sort(byPriority(programs, groups)).reverse();
    waves.push(take);
    for (const n of take) remaining.delete(n);
  }
  return waves;
}
