// `holdfast incidents resolve ID --cause "…" --learn`: the incident becomes a knowledge-base
// entry that recognises the next one like it. The match is the narrowest thing the incident is
// known by: its template, else its error code, else its kind and labels; always its program.
import type { Incident } from '../incidents/incident.ts';
import type { KnowledgeEntry } from './entry.ts';

export interface LearnOptions {
  cause: string;
  category?: string;
  owner?: string;
  /** A URL, or steps; defaults to the cause as the one step. */
  runbook?: string | string[];
  id?: string;
  now: number;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function learnedEntry(inc: Incident, o: LearnOptions): KnowledgeEntry {
  const match: KnowledgeEntry['match'] = { kind: inc.kind };
  if (inc.program !== undefined && inc.grouping.rule !== 'explicit') match.program = inc.program;
  if (inc.template) match.template = inc.template.text;
  else if (inc.error?.code) match.code = inc.error.code;
  else if (inc.kind === 'alert' && inc.labels.alertname) match.labels = { alertname: inc.labels.alertname };
  else if (inc.grouping.rule === 'kind' && Object.keys(inc.labels).length) match.labels = { ...inc.labels };
  else if (inc.error?.message) match.regex = `^${escapeRegex(inc.error.message.slice(0, 120))}`;
  const entry: KnowledgeEntry = {
    id: o.id ?? `learned-${inc.id}`,
    match,
    category: o.category ?? (inc.category === 'unclassified' ? 'learned' : inc.category),
    severity: inc.severity,
    ...((o.owner ?? inc.owner) ? { owner: o.owner ?? inc.owner } : {}),
    runbook: o.runbook ?? [o.cause],
    action: 'notify',
    trigger: `learned from incident ${inc.id}: ${inc.summary.slice(0, 200)}`,
    learned: { from: String(inc.id), at: new Date(o.now).toISOString(), cause: o.cause },
  };
  return entry;
}
