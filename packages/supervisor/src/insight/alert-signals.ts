// An alert of the daemon's own rules as a signal of the incident loop, in the shape an
// Alertmanager webhook gives the same alert (kind 'alert', its labels, runbook_url and
// description in details): an alert evaluated here and one evaluated by Prometheus from the
// rules `holdfast gen alerts` wrote are classified alike (owner, severity and runbook from the
// config) and group alike. Firing opens (or counts into) the incident; resolved ends it. Pending
// and dropped alerts say nothing: the rule's `for:` has not passed.
import type { Signal } from '@holdfast/insight';
import type { AlertChange } from '@holdfast/insight/promql';

/** Which program an alert is about: the one program whose samples carry its service label. */
export type ProgramOf = (labels: Readonly<Record<string, string>>) => string | undefined;

export function signalOfAlert(c: AlertChange, programOf: ProgramOf): Signal | undefined {
  if (c.effect.type !== 'firing' && c.effect.type !== 'resolved') return undefined;
  const a = c.annotations ?? {};
  const details: Record<string, unknown> = {
    evaluatedBy: 'holdfast supervisor',
    value: Number.isFinite(c.value) ? c.value : String(c.value),
  };
  if (a.runbook_url) details.runbook_url = a.runbook_url;
  if (a.description) details.description = a.description;
  const firing = c.effect.type === 'firing';
  const s: Signal = {
    kind: 'alert',
    at: c.effect.at,
    summary: (firing ? (a.summary ?? a.description ?? `${c.alertname} is firing`) : `${c.alertname} resolved`).slice(0, 4000),
    labels: c.labels,
    status: firing ? 'firing' : 'resolved',
    details,
  };
  const program = programOf(c.labels);
  if (program) s.program = program;
  return s;
}
