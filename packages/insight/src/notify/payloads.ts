// What each receiver type is sent: holdfast's own webhook JSON (HMAC-signed), Alertmanager API v2
// alerts, PagerDuty Events v2 events, and Slack-compatible incoming-webhook messages.
import type { ReceiverConfig } from '../incidents/config.ts';
import type { Incident } from '../incidents/incident.ts';
import type { Severity } from '../incidents/signal.ts';
import type { NotificationItem, NotificationRecord } from './record.ts';

export interface OutgoingRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
}

export type IncidentLookup = (id: number) => Incident | undefined;

/** The incident as receivers see it (snake_case, as webhook consumers expect). */
export function incidentView(inc: Incident, it: NotificationItem) {
  return {
    id: inc.id,
    dedup_key: inc.dedupKey,
    action: it.action,
    state: inc.state,
    rule: inc.rule,
    category: inc.category,
    severity: inc.severity,
    owner: inc.owner ?? null,
    program: inc.program ?? null,
    kind: inc.kind,
    summary: inc.summary,
    count: inc.count,
    first_seen: new Date(inc.firstSeen).toISOString(),
    last_seen: new Date(inc.lastSeen).toISOString(),
    runbook: inc.runbook ?? null,
    labels: inc.labels,
    ...(inc.drill ? { drill: true } : {}),
  };
}

function webhook(r: ReceiverConfig, rec: NotificationRecord, find: IncidentLookup, idempotencyKey: string): OutgoingRequest {
  const incidents = rec.items.flatMap((it) => {
    const inc = find(it.incidentId);
    return inc ? [incidentView(inc, it)] : [];
  });
  const body = JSON.stringify({
    version: 'holdfast.incidents/v1',
    notification_id: idempotencyKey,
    receiver: r.name,
    route: rec.route,
    group_key: rec.groupKey,
    status: rec.items.every((it) => it.action === 'resolve') ? 'resolved' : 'firing',
    repeat: rec.reason === 'repeat',
    incidents,
  });
  return { url: r.url, body, headers: { 'idempotency-key': idempotencyKey, ...r.headers } };
}

function alertmanager(r: ReceiverConfig, rec: NotificationRecord, find: IncidentLookup, now: number): OutgoingRequest {
  const alerts = rec.items.flatMap((it) => {
    const inc = find(it.incidentId);
    if (!inc) return [];
    const labels: Record<string, string> = {
      ...inc.labels,
      alertname: inc.labels.alertname ?? `holdfast_${inc.category.replace(/[^A-Za-z0-9_]/g, '_')}`,
      severity: inc.severity,
      category: inc.category,
      rule: inc.rule,
      dedup_key: inc.dedupKey,
      holdfast_incident: String(inc.id),
    };
    if (inc.program) labels.program = inc.program;
    if (inc.owner) labels.owner = inc.owner;
    const runbook = Array.isArray(inc.runbook) ? inc.runbook.join('\n') : inc.runbook;
    const annotations: Record<string, string> = {
      summary: inc.summary,
      description: `${inc.count} occurrence(s) since ${new Date(inc.firstSeen).toISOString()}`,
    };
    if (runbook) annotations[/^https?:\/\//.test(runbook) ? 'runbook_url' : 'runbook'] = runbook;
    // A resolved incident ends now; a firing one is sent again before this end passes.
    const endsAt = it.action === 'resolve' ? new Date(inc.resolvedAt ?? now).toISOString() : new Date(now + 4 * 60_000).toISOString();
    return [{ labels, annotations, startsAt: new Date(inc.openedAt).toISOString(), endsAt }];
  });
  return { url: `${r.url.replace(/\/+$/, '')}/api/v2/alerts`, body: JSON.stringify(alerts), headers: { ...r.headers } };
}

const PD_SEVERITY: Record<Severity, string> = { critical: 'critical', error: 'error', warning: 'warning', info: 'info' };

function pagerduty(r: ReceiverConfig, rec: NotificationRecord, find: IncidentLookup): OutgoingRequest {
  const it = rec.items[0]!;
  const inc = find(it.incidentId);
  const event: Record<string, unknown> = { routing_key: r.routingKey, event_action: it.action, dedup_key: it.dedupKey, client: 'holdfast' };
  if (it.action === 'trigger' && inc) {
    event.payload = {
      summary: inc.summary.slice(0, 1024),
      source: inc.program ?? inc.labels.instance ?? 'holdfast',
      severity: PD_SEVERITY[inc.severity],
      timestamp: new Date(inc.openedAt).toISOString(),
      component: inc.program,
      group: inc.category,
      class: inc.kind,
      custom_details: { incident: inc.id, rule: inc.rule, owner: inc.owner, count: inc.count, labels: inc.labels },
    };
    const runbook = typeof inc.runbook === 'string' && /^https?:\/\//.test(inc.runbook) ? inc.runbook : undefined;
    if (runbook) event.links = [{ href: runbook, text: 'runbook' }];
  }
  return { url: r.url, body: JSON.stringify(event), headers: { ...r.headers } };
}

const ICON: Record<string, string> = { trigger: ':rotating_light:', acknowledge: ':eyes:', resolve: ':white_check_mark:' };

function slack(r: ReceiverConfig, rec: NotificationRecord, find: IncidentLookup): OutgoingRequest {
  const lines = rec.items.flatMap((it) => {
    const inc = find(it.incidentId);
    if (!inc) return [];
    const runbook = Array.isArray(inc.runbook) ? inc.runbook[0] : inc.runbook;
    return [
      `${ICON[it.action]} ` +
        `*${it.action}* ` +
        `#${inc.id} ` +
        (`[${inc.severity}] ${inc.program ? `${inc.program}: ` : ''}${inc.summary} ` +
          `(${inc.category}, ${inc.count}×${inc.owner ? `, owner ${inc.owner}` : ''})${runbook ? ` runbook: ${runbook}` : ''}`),
    ];
  });
  const text = lines.join('\n');
  return {
    url: r.url,
    body: JSON.stringify({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] }),
    headers: { ...r.headers },
  };
}

export function requestFor(
  r: ReceiverConfig,
  rec: NotificationRecord,
  find: IncidentLookup,
  idempotencyKey: string,
  now: number,
): OutgoingRequest {
  switch (r.type) {
    case 'webhook':
      return webhook(r, rec, find, idempotencyKey);
    case 'alertmanager':
      return alertmanager(r, rec, find, now);
    case 'pagerduty':
      return pagerduty(r, rec, find);
    case 'slack':
      return slack(r, rec, find);
  }
}
