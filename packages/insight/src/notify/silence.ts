// Silences: matchers with an end time. A silenced change is recorded (status held, reason
// silenced) instead of sent; when the silence ends, incidents it kept quiet that still fire are
// sent then, as Alertmanager does.
import type { Incident } from '../incidents/incident.ts';
import type { Severity } from '../incidents/signal.ts';

export interface SilenceMatchers {
  program?: string;
  severity?: Severity;
  category?: string;
  owner?: string;
  rule?: string;
  labels?: Record<string, string>;
}

export interface Silence {
  id: string;
  matchers: SilenceMatchers;
  startsAt: number;
  endsAt: number;
  createdBy?: string;
  comment?: string;
}

export function silenceMatches(s: Silence, inc: Incident, now: number): boolean {
  if (now < s.startsAt || now >= s.endsAt) return false;
  const m = s.matchers;
  if (m.program !== undefined && inc.program !== m.program) return false;
  if (m.severity !== undefined && inc.severity !== m.severity) return false;
  if (m.category !== undefined && inc.category !== m.category) return false;
  if (m.owner !== undefined && inc.owner !== m.owner) return false;
  if (m.rule !== undefined && inc.rule !== m.rule) return false;
  if (m.labels) for (const [k, v] of Object.entries(m.labels)) if (inc.labels[k] !== v) return false;
  return true;
}
