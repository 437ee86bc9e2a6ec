// Alertmanager's webhook payload (version 4) as signals, so Prometheus threshold alerts join the
// same incident loop. Validated by hand and whole: one malformed alert refuses the request (400)
// and nothing is ingested. Alertmanager retries a failed webhook, so a refusal loses nothing that
// a fixed sender would not resend.
import type { Signal } from '@holdfast/insight';

export interface AlertmanagerAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
  fingerprint?: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const LABEL = /^[A-Za-z_][A-Za-z0-9_]*$/;

function strings(v: unknown, where: string, errors: string[], required: boolean): void {
  if (v === undefined) return void (required && errors.push(`${where}: missing`));
  if (!isObj(v)) return void errors.push(`${where}: expected an object of strings, got ${kindOf(v)}`);
  for (const [k, x] of Object.entries(v)) {
    if (!LABEL.test(k)) errors.push(`${where}.${k}: not a valid label name`);
    if (typeof x !== 'string') errors.push(`${where}.${k}: expected a string, got ${kindOf(x)}`);
  }
}

/** Checks a webhook body; `errors` lists every problem (at most 50). */
export function parseAlertmanagerWebhook(
  data: unknown,
  now: number,
): { ok: true; signals: Signal[]; receiver: string; skipped: number } | { ok: false; errors: string[] } {
  if (!isObj(data))
    return { ok: false, errors: [`expected Alertmanager's webhook JSON (an object with version and alerts), got ${kindOf(data)}`] };
  const errors: string[] = [];
  if (data.version !== '4') errors.push(`version: expected "4" (Alertmanager's webhook format), got ${JSON.stringify(data.version)}`);
  const alerts = data.alerts;
  if (!Array.isArray(alerts)) errors.push(`alerts: expected a list, got ${kindOf(alerts)}`);
  else if (alerts.length === 0) errors.push('alerts: the list is empty');
  else if (alerts.length > 5000) errors.push(`alerts: at most 5000 per request, got ${alerts.length}`);
  else
    alerts.forEach((a: unknown, i: number) => {
      const w = `alerts[${i}]`;
      if (!isObj(a)) return void errors.push(`${w}: expected an object, got ${kindOf(a)}`);
      if (a.status !== 'firing' && a.status !== 'resolved')
        errors.push(`${w}.status: expected "firing" or "resolved", got ${JSON.stringify(a.status)}`);
      strings(a.labels, `${w}.labels`, errors, true);
      if (isObj(a.labels) && typeof a.labels.alertname !== 'string') errors.push(`${w}.labels.alertname: missing`);
      strings(a.annotations, `${w}.annotations`, errors, false);
      for (const k of ['startsAt', 'endsAt'] as const)
        if (a[k] !== undefined && (typeof a[k] !== 'string' || Number.isNaN(Date.parse(a[k]))))
          errors.push(`${w}.${k}: expected an RFC 3339 time, got ${JSON.stringify(a[k])}`);
      if (isObj(a.labels) && Object.keys(a.labels).length > 64) errors.push(`${w}.labels: at most 64 labels`);
    });
  if (errors.length) return { ok: false, errors: errors.slice(0, 50) };
  // Alerts holdfast itself sent to Alertmanager (they carry holdfast_incident) must not come back
  // as new incidents: with a catch-all route that would loop for ever.
  const own = (a: AlertmanagerAlert) => a.labels.holdfast_incident !== undefined;
  const all = alerts as AlertmanagerAlert[];
  const signals = all
    .filter((a) => !own(a))
    .map((a): Signal => {
      const ann = a.annotations ?? {};
      const starts = a.startsAt ? Date.parse(a.startsAt) : NaN;
      const details: Record<string, unknown> = {};
      if (ann.runbook_url) details.runbook_url = ann.runbook_url;
      if (ann.description) details.description = ann.description;
      if (a.generatorURL) details.generatorURL = a.generatorURL;
      if (a.fingerprint) details.alertmanagerFingerprint = a.fingerprint;
      const s: Signal = {
        kind: 'alert',
        at: Number.isNaN(starts) || starts <= 0 ? now : starts,
        summary: (ann.summary ?? ann.description ?? `${a.labels.alertname} is ${a.status}`).slice(0, 4000),
        labels: a.labels,
        status: a.status,
        details,
      };
      if (a.labels.program) s.program = a.labels.program;
      return s;
    });
  return { ok: true, signals, receiver: typeof data.receiver === 'string' ? data.receiver : '', skipped: all.length - signals.length };
}
