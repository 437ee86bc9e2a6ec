// An incident as the page shows it: what it is (classification, owner, runbook), how big (count,
// first and last seen), what it says (summary, recent occurrences) and its probable cause.
// The cause is the root-cause ranking's first candidate when the incident carries one; until
// then it is the program the incident's signals came from, said as such (never a guess dressed
// as a ranking).
import type { Incident } from '@holdfast/insight/incidents';
import type { ResolvedConfig } from '../config/load.ts';

export interface ProbableCause {
  program: string | null;
  /** How it was found: 'ranking' (root-cause ranking) or 'origin' (where the signals came from). */
  basis: 'ranking' | 'origin';
  why: string;
}

export interface IncidentView {
  id: number;
  state: string;
  severity: string;
  category: string;
  rule: string;
  owner: string | null;
  runbook: string[];
  program: string | null;
  summary: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
  ackedBy: string | null;
  resolution: string | null;
  cause: string | null;
  template: string | null;
  recent: { at: number; summary: string; instance?: string }[];
  probableCause: ProbableCause | null;
  /** Programs the recent occurrences came from (an outage reported by its neighbours too). */
  involved: string[];
}

type Ranked = { program?: string; component?: string; score?: number; why?: string; reason?: string };

function ranking(i: Incident): Ranked[] | undefined {
  // The ranking's field name is the explain engineer's to choose: accept the likely shapes.
  const x = i as unknown as Record<string, unknown>;
  for (const k of ['probableCauses', 'causes', 'explain', 'ranking']) {
    const v = x[k];
    if (Array.isArray(v) && v.length) return v as Ranked[];
    if (v && typeof v === 'object' && Array.isArray((v as { causes?: unknown }).causes)) return (v as { causes: Ranked[] }).causes;
  }
  return undefined;
}

export function incidentView(i: Incident, config: ResolvedConfig): IncidentView {
  const programs = Object.keys(config.programs);
  const programOf = (instance: string | undefined) => (instance ? (programs.find((p) => instance === p || instance.startsWith(`${p}:`)) ?? instance) : undefined);
  const involved = [...new Set([i.program, ...i.recent.map((r) => programOf(r.instance))].filter((p): p is string => !!p))];
  const ranked = ranking(i);
  let probableCause: ProbableCause | null = null;
  if (ranked?.[0]) {
    const top = ranked[0];
    probableCause = { program: top.program ?? top.component ?? null, basis: 'ranking', why: top.why ?? top.reason ?? (top.score !== undefined ? `score ${top.score}` : 'ranked first') };
  } else if (i.program) {
    probableCause = { program: i.program, basis: 'origin', why: involved.length > 1 ? `its errors opened the incident; ${involved.filter((p) => p !== i.program).join(', ')} reported it too` : 'every signal of this incident came from it' };
  }
  return {
    id: i.id,
    state: i.state,
    severity: i.severity,
    category: i.category,
    rule: i.rule,
    owner: i.owner ?? null,
    runbook: i.runbook === undefined ? [] : Array.isArray(i.runbook) ? i.runbook : [i.runbook],
    program: i.program ?? null,
    summary: i.summary,
    count: i.count,
    firstSeen: i.firstSeen,
    lastSeen: i.lastSeen,
    ackedBy: i.ackedBy ?? null,
    resolution: i.resolution ?? null,
    cause: i.cause ?? null,
    template: i.template?.text ?? null,
    recent: i.recent.slice(-3),
    probableCause,
    involved,
  };
}
