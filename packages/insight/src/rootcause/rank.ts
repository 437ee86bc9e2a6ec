// Root-cause ranking: the probable cause is the deepest service whose own errors, latency or
// state are abnormal while what it calls is healthy; the services that call it (directly or
// through others that are off too) are affected. Formally, over the graph of abnormal services
// and the calls between them, the causes are the members of its sink strongly connected
// components (nothing abnormal below them; a cycle of services failing together is one cause);
// every other abnormal service reaches one. A caller only mildly off ('elevated', like the
// guide's gateway at 0.2 % errors) never becomes a cause but is counted as affected when it
// reaches one. Pure: figures in, ranking out, no clock.
import { assess, DEFAULT_THRESHOLDS, severity } from './assess.ts';
import type { Candidate, EdgeInput, Finding, RankInput, Ranking, ServiceInput, Status, Thresholds } from './types.ts';

interface Node {
  s: ServiceInput;
  findings: Finding[];
  status: Status;
  callees: string[];
}

/** Tarjan's strongly connected components of the graph `next` restricted to `nodes`. */
function components(nodes: readonly string[], next: (n: string) => readonly string[]): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  let i = 0;
  const visit = (v: string): void => {
    index.set(v, i);
    low.set(v, i);
    i++;
    stack.push(v);
    on.add(v);
    for (const w of next(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        c.push(w);
      } while (w !== v);
      out.push(c.sort());
    }
  };
  for (const n of nodes) if (!index.has(n)) visit(n);
  return out;
}

function statusOf(s: ServiceInput, findings: readonly Finding[], incoming: readonly EdgeInput[]): Status {
  if (findings.some((f) => f.level === 'abnormal')) return 'abnormal';
  if (findings.length) return 'elevated';
  return s.current || incoming.some((e) => e.current) ? 'healthy' : 'unknown';
}

const listOf = (xs: readonly string[]) => (xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`);

function logsText(c: { logs: Candidate['logs'] }): string {
  const top = [...c.logs].sort((a, b) => b.count - a.count).slice(0, 2);
  return top.length
    ? `; its logs meanwhile: ${top
        .map(
          (l) =>
            `"${l.text.length > 80 ? `${l.text.slice(0, 77)}...` : l.text}" ` +
            `×${l.count}${l.kind === 'new' ? ' (new)' : l.kind === 'burst' ? ' (burst)' : ''}`,
        )
        .join(', ')}`
    : '';
}

/** Ranks the probable causes of what `input` shows; `thresholds` override DEFAULT_THRESHOLDS. */
export function rankCauses(input: RankInput, thresholds: Partial<Thresholds> = {}): Ranking {
  const t = { ...DEFAULT_THRESHOLDS, ...thresholds };
  const services = new Map<string, ServiceInput>();
  for (const s of input.services) services.set(s.name, s);
  const edges = dedupeEdges(input.edges.filter((e) => e.from !== e.to));
  for (const e of edges) for (const n of [e.from, e.to]) if (!services.has(n)) services.set(n, { name: n });

  const incoming = new Map<string, EdgeInput[]>();
  for (const e of edges) incoming.set(e.to, [...(incoming.get(e.to) ?? []), e]);
  const nodes = new Map<string, Node>();
  for (const [name, s] of [...services].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const inc = incoming.get(name) ?? [];
    const findings = assess(
      s,
      inc,
      t,
      edges.filter((e) => e.from === name),
    );
    nodes.set(name, {
      s,
      findings,
      status: statusOf(s, findings, inc),
      callees: [...new Set(edges.filter((e) => e.from === name).map((e) => e.to))].sort(),
    });
  }
  const isAbnormal = (n: string) => nodes.get(n)!.status === 'abnormal';
  const abnormal = [...nodes.keys()].filter(isAbnormal);

  // Causes: the sink components of the abnormal subgraph.
  const sccs = components(abnormal, (n) => nodes.get(n)!.callees.filter(isAbnormal));
  const sccOf = new Map<string, number>();
  sccs.forEach((c, i) => c.forEach((n) => sccOf.set(n, i)));
  const causes = new Set<string>();
  for (const c of sccs) {
    const sink = c.every((n) =>
      nodes
        .get(n)!
        .callees.filter(isAbnormal)
        .every((m) => sccOf.get(m) === sccOf.get(n)),
    );
    if (sink) c.forEach((n) => causes.add(n));
  }

  // Affected: abnormal or elevated services that reach a cause through services off too (nearest path kept).
  const paths = new Map<string, Map<string, string[]>>();
  for (const [name, node] of nodes) {
    if (causes.has(name) || (node.status !== 'abnormal' && node.status !== 'elevated')) continue;
    const reached = new Map<string, string[]>();
    const seen = new Set([name]);
    let frontier: string[][] = [[name]];
    while (frontier.length) {
      const nextFrontier: string[][] = [];
      for (const path of frontier) {
        for (const callee of nodes.get(path[path.length - 1]!)!.callees) {
          const st = nodes.get(callee)!.status;
          if (seen.has(callee) || (st !== 'abnormal' && st !== 'elevated')) continue;
          seen.add(callee);
          const p = [...path, callee];
          if (!causes.has(callee)) {
            nextFrontier.push(p);
            continue;
          }
          // A cause in a cycle comes with the members of its cycle: they fail together.
          if (!reached.has(callee)) reached.set(callee, p.slice(1));
          for (const peer of sccs[sccOf.get(callee)!]!) if (!reached.has(peer)) reached.set(peer, [...p.slice(1), peer]);
        }
      }
      frontier = nextFrontier;
    }
    if (reached.size) paths.set(name, reached);
  }

  const candidates: Candidate[] = [];
  for (const name of causes) {
    const node = nodes.get(name)!;
    const explains = [...paths]
      .filter(([, r]) => r.has(name))
      .map(([n]) => n)
      .sort();
    const peers = sccs[sccOf.get(name)!]!.filter((m) => m !== name);
    const callees = node.callees.filter((c) => !peers.includes(c));
    const calm = callees.filter((c) => nodes.get(c)!.status !== 'unknown');
    const silent = callees.filter((c) => nodes.get(c)!.status === 'unknown');
    const below =
      callees.length === 0
        ? 'it calls no other program'
        : `${calm.length ? `what it calls ` + `(${listOf(calm)}) is ` + `healthy` : ''}${calm.length && silent.length ? '; ' : ''}${
            silent.length ? `${listOf(silent)} ` + `report${silent.length === 1 ? 's' : ''} nothing` : ''
          }`;
    const cycle = peers.length ? `; fails together with ${listOf(peers)}, which it calls and which call it` : '';
    const c: Candidate = {
      program: name,
      role: 'cause',
      score: severity(node.findings),
      why: `${node.findings
        .filter((f) => f.level === 'abnormal')
        .map((f) => f.text)
        .join('; ')}; ${below}${cycle}${logsText({ logs: node.s.logs ?? [] })}`,
      findings: node.findings,
      ...figures(node.s),
      explains,
      logs: node.s.logs ?? [],
    };
    candidates.push(c);
  }
  candidates.sort((a, b) => b.explains!.length - a.explains!.length || b.score - a.score || (a.program < b.program ? -1 : 1));
  const causeOrder = new Map(candidates.map((c, i) => [c.program, i]));

  const affected: Candidate[] = [];
  for (const [name, reached] of paths) {
    const node = nodes.get(name)!;
    const best = [...reached].sort(([a, pa], [b, pb]) => causeOrder.get(a)! - causeOrder.get(b)! || pa.length - pb.length)[0]!;
    const path = [name, ...best[1]];
    const via = path.length > 2 ? `it calls ${path.slice(1).join(' → ')}` : `it calls ${best[0]}`;
    affected.push({
      program: name,
      role: 'affected',
      score: severity(node.findings),
      why:
        `${node.findings.map((f) => f.text).join('; ')}; ${via}, the probable ` +
        `cause${reached.size > 1 ? ` ` + `(and ${listOf([...reached.keys()].filter((k) => k !== best[0]).sort())})` : ''}`,
      findings: node.findings,
      ...figures(node.s),
      path,
      causes: [...reached.keys()].sort((a, b) => causeOrder.get(a)! - causeOrder.get(b)!),
      logs: node.s.logs ?? [],
    });
  }
  affected.sort((a, b) => a.path!.length - b.path!.length || b.score - a.score || (a.program < b.program ? -1 : 1));
  candidates.push(...affected);

  const listed = new Set(candidates.map((c) => c.program));
  return {
    from: input.from,
    to: input.to,
    candidates,
    services: [...nodes].map(([k, n]) => ({ program: k, status: n.status, ...figures(n.s), findings: n.findings })),
    healthy: [...nodes].filter(([, n]) => n.status === 'healthy').map(([k]) => k),
    elevated: [...nodes]
      .filter(([k, n]) => !listed.has(k) && (n.status === 'elevated' || n.status === 'abnormal'))
      .map(([k, n]) => ({ program: k, findings: n.findings })),
    unknown: [...nodes].filter(([, n]) => n.status === 'unknown').map(([k]) => k),
    edges: edges.map((e) => ({ from: e.from, to: e.to, via: e.via })),
  };
}

function figures(s: ServiceInput): Pick<Candidate, 'current' | 'baseline'> {
  return { ...(s.current ? { current: s.current } : {}), ...(s.baseline ? { baseline: s.baseline } : {}) };
}

/** One edge per caller and callee: the ways it is known merged, the caller's figures summed. */
function dedupeEdges(edges: readonly EdgeInput[]): EdgeInput[] {
  const by = new Map<string, EdgeInput>();
  for (const e of edges) {
    const k = `${e.from}\u0000${e.to}`;
    const prev = by.get(k);
    if (!prev) {
      by.set(k, { ...e, via: [...new Set(e.via)] });
      continue;
    }
    prev.via = [...new Set([...prev.via, ...e.via])];
    prev.current = sum(prev.current, e.current);
    prev.baseline = sum(prev.baseline, e.baseline);
    if (!prev.current) delete prev.current;
    if (!prev.baseline) delete prev.baseline;
  }
  return [...by.values()].sort((a, b) => (a.from === b.from ? (a.to < b.to ? -1 : 1) : a.from < b.from ? -1 : 1));
}

/** Two sets of figures over the same window as one (mean latency weighted by requests). */
export function sum(a: EdgeInput['current'], b: EdgeInput['current']): EdgeInput['current'] {
  if (!a) return b;
  if (!b) return a;
  const requests = a.requests + b.requests;
  // Weighted by the requests of each side that has a mean: a side without a duration histogram says nothing about latency.
  const timed = (a.meanSeconds !== undefined ? a.requests : 0) + (b.meanSeconds !== undefined ? b.requests : 0);
  const weighted = (a.meanSeconds ?? 0) * a.requests + (b.meanSeconds ?? 0) * b.requests;
  return {
    requests,
    errors: a.errors + b.errors,
    seconds: Math.max(a.seconds, b.seconds),
    ...(timed > 0 ? { meanSeconds: weighted / timed } : {}),
  };
}
