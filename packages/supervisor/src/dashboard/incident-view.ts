// An incident as the page shows it: what it is (classification, owner, runbook), how big (count,
// first and last seen), what it says (summary, recent occurrences) and its probable cause.
// The cause is the root-cause ranking's first cause when the incident carries one (the daemon
// ranks with a `scrape:` section, docs/root-cause.md); until then it is the program the
// incident's signals came from, said as such (never a guess dressed as a ranking).
import type { Incident } from '@holdfast/insight/incidents';
import type { ResolvedConfig } from '../config/load.ts';

export interface ProbableCause {
  program: string | null;
  /** How it was found: 'ranking' (root-cause ranking) or 'origin' (where the signals came from). */
  basis: 'ranking' | 'origin';
  why: string;
  /** From the ranking: the programs its trouble reaches, nearest first. */
  affected?: string[];
  /** From the ranking: its one line, as `holdfast explain` and the notifications say it. */
  text?: string;
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

export function incidentView(i: Incident, config: ResolvedConfig): IncidentView {
  const programs = Object.keys(config.programs);
  const programOf = (instance: string | undefined) =>
    instance ? (programs.find((p) => instance === p || instance.startsWith(`${p}:`)) ?? instance) : undefined;
  const involved = [...new Set([i.program, ...i.recent.map((r) => programOf(r.instance))].filter((p): p is string => !!p))];
  const top = i.probableCause?.causes.find((c) => c.role === 'cause');
  let probableCause: ProbableCause | null = null;
  if (top) {
    const affected = i.probableCause!.causes.filter((c) => c.role === 'affected').map((c) => c.program);
    probableCause = { program: top.program, basis: 'ranking', why: top.why, affected, text: i.probableCause!.text };
  } else if (i.program) {
    probableCause = {
      program: i.program,
      basis: 'origin',
      why:
        involved.length > 1
          ? `its errors opened the incident; ${involved.filter((p) => p !== i.program).join(', ')} reported it too`
          : 'every signal of this incident came from it',
    };
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
