// `holdfast explain`'s input, put together in the daemon: each program's figures over the window
// and the period before it (from the compact store), whether it is running at all (from the
// supervisor), the calls between programs (the config's sockets and environment, the services'
// dependency metrics, declarations), and what their logs said meanwhile (the incident loop's
// error-line and template incidents). The ranking itself is insight's pure rankCauses.
import {
  buildCallGraph,
  dependencyNames,
  programFigures,
  sumFigures,
  type EdgeInput,
  type LogEvidence,
  type RankInput,
  type RingStore,
  type ServiceInput,
} from '@holdfast/insight/rootcause';
import type { InstanceStatus } from '../api/types.ts';
import type { ProgramConfig } from '../config/schema.ts';
import { declaredDependencies } from './targets.ts';

export interface ExplainSources {
  store: RingStore;
  programs: Readonly<Record<string, ProgramConfig>>;
  instances: readonly InstanceStatus[];
  ignoredRoutes: ReadonlySet<string>;
  /** Log templates of a program that burst (or logged errors) in (from, to]. */
  logs?: (program: string, from: number, to: number) => LogEvidence[];
  /** Scrapes in a row that must fail before a running program counts as not answering. */
  failuresForDown?: number;
}

/** Why a program serves nothing, in words, or undefined while any instance is up (or it was stopped on purpose). */
export function downReason(
  program: string,
  instances: readonly InstanceStatus[],
  store: RingStore,
  failuresForDown: number,
): string | undefined {
  const mine = instances.filter((i) => i.program === program && i.role !== 'new');
  if (mine.length === 0) return undefined;
  const broken = mine.filter(
    (i) => i.state === 'BACKOFF' || i.state === 'FATAL' || (i.state === 'EXITED' && i.lastExit?.reason !== 'stopped'),
  );
  if (broken.length === mine.length) {
    const i = broken[0]!;
    const exit = i.lastExit
      ? `${i.lastExit.reason}${
          i.lastExit.code !== null ? ` ` + `(code ${i.lastExit.code})` : i.lastExit.signal ? ` ` + `(${i.lastExit.signal})` : ''
        }`
      : 'not started';
    const what =
      i.state === 'FATAL' ? `FATAL: ${i.fatalReason ?? 'gave up restarting'}` : i.state === 'BACKOFF' ? 'restarting (BACKOFF)' : 'exited';
    return `not running: ${exit}, ${what}${mine.length > 1 ? ` (all ${mine.length} instances)` : ''}`;
  }
  const ready = mine.filter((i) => i.state === 'READY');
  if (ready.length === 0) return undefined;
  const failing = ready.map((i) => store.target(i.id)).filter((r) => r !== undefined && r.failures >= failuresForDown);
  if (failing.length === ready.length && broken.length + ready.length === mine.length) {
    return `not answering: ${failing[0]!.lastError ?? 'no answer'} (${failing[0]!.failures} reads of its metrics in a row)`;
  }
  return undefined;
}

/**
 * The ranking's input over (from, to], or from the oldest scrape the store holds when that is
 * later (figures cannot count what happened before it); the baseline is the same length just before.
 */
export function explainInput(src: ExplainSources, asked: number, to: number): RankInput {
  const earliest = src.store.earliest();
  const from = earliest > asked && earliest < to ? earliest : asked;
  const names = Object.keys(src.programs).sort();
  const observed = new Map(names.map((n) => [n, dependencyNames(src.store, n)]));
  const graph = buildCallGraph(
    names.map((name) => {
      const p = src.programs[name]!;
      return { name, listen: p.listen ?? [], env: p.env, dependencies: declaredDependencies(p) };
    }),
    observed,
  );
  const len = to - from;
  const services: ServiceInput[] = [];
  const calls = new Map<string, { current: ReturnType<typeof programFigures>; baseline: ReturnType<typeof programFigures> }>();
  for (const name of names) {
    const current = programFigures(src.store, name, from, to, src.ignoredRoutes);
    const baseline = programFigures(src.store, name, from - len, from, src.ignoredRoutes);
    calls.set(name, { current, baseline });
    const down = downReason(name, src.instances, src.store, src.failuresForDown ?? 2);
    const logs = src.logs?.(name, from, to) ?? [];
    services.push({
      name,
      ...(current.served ? { current: current.served } : {}),
      ...(baseline.served && baseline.served.requests > 0 ? { baseline: baseline.served } : {}),
      ...(down ? { down } : {}),
      ...(logs.length ? { logs } : {}),
    });
  }
  const edges: EdgeInput[] = graph.edges.map((e) => {
    const c = calls.get(e.from)!;
    let current: EdgeInput['current'];
    let baseline: EdgeInput['baseline'];
    for (const [dep, to] of graph.targets.get(e.from) ?? []) {
      if (to !== e.to) continue;
      current = sumFigures(current, c.current.calls.get(dep));
      baseline = sumFigures(baseline, c.baseline.calls.get(dep));
    }
    return {
      from: e.from,
      to: e.to,
      via: e.via,
      ...(current ? { current } : {}),
      ...(baseline && baseline.requests > 0 ? { baseline } : {}),
    };
  });
  return { services, edges, from, to };
}

/** Dependencies the programs' metrics name that map to no program (explain lists them with the fix). */
export function unmappedDependencies(src: Pick<ExplainSources, 'store' | 'programs'>): { program: string; dependency: string }[] {
  const names = Object.keys(src.programs);
  const graph = buildCallGraph(
    names.map((name) => ({
      name,
      listen: src.programs[name]!.listen ?? [],
      env: src.programs[name]!.env,
      dependencies: declaredDependencies(src.programs[name]!),
    })),
    new Map(names.map((n) => [n, dependencyNames(src.store, n)])),
  );
  return graph.unmapped;
}
