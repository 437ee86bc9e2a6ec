// The incident loop's routes on the control API (Unix socket, and the TCP listener with its
// bearer token). Bodies are validated by hand and whole: a bad one is a 400 naming every
// problem, and nothing is stored. Errors are JSON with a stable code, like the rest of the API.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  alertReport,
  InsightError,
  parseDuration,
  runAlertStorm,
  SEVERITIES,
  validateSignals,
  type IncidentFilter,
} from '@holdfast/insight/incidents';
import { HttpError } from '../api/http-error.ts';
import { readJson, sendJson } from '../api/json.ts';
import { parseAlertmanagerWebhook } from './alertmanager-webhook.ts';
import type { DaemonIncidents } from './incidents.ts';
import { KnowledgeError } from './knowledge-isolated.ts';

const bad = (errors: string[] | string) => new HttpError(400, 'HOLDFAST_E_BAD_REQUEST', Array.isArray(errors) ? errors.join('; ') : errors);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const MAX_BODY = 64 * 1024;

/** Only these keys, each a non-empty string (or absent). */
function fields(o: unknown, allowed: string[], required: string[] = []): Record<string, string | undefined> {
  if (!isObj(o)) throw bad('the body must be a JSON object');
  const errors: string[] = [];
  for (const k of Object.keys(o)) if (!allowed.includes(k)) errors.push(`unknown field '${k}' (allowed: ${allowed.join(', ')})`);
  for (const k of allowed) {
    const v = o[k];
    if (v === undefined) {
      if (required.includes(k)) errors.push(`${k}: missing`);
    } else if (typeof v !== 'string' || v.trim() === '') errors.push(`${k}: expected a non-empty string`);
    else if (v.length > 4000) errors.push(`${k}: longer than 4000 characters`);
  }
  if (errors.length) throw bad(errors);
  return o as Record<string, string | undefined>;
}

function idOf(text: string): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id <= 0) throw bad(`'${text}' is not an incident id (a positive whole number)`);
  return id;
}

function since(v: string | null, fallback: number | undefined): number | undefined {
  if (v === null) return fallback;
  const ms = parseDuration(v);
  if (ms !== undefined) return Date.now() - ms;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw bad(`since: '${v}' is neither a duration (24h, 7d) nor a date`);
  return t;
}

function filterOf(q: URLSearchParams): IncidentFilter {
  const f: IncidentFilter = {};
  const state = q.get('state') ?? 'live';
  if (!['open', 'acknowledged', 'resolved', 'live', 'all'].includes(state))
    throw bad(`state: '${state}' is not one of open, acknowledged, resolved, live, all`);
  if (state !== 'all') f.state = state as IncidentFilter['state'];
  for (const k of ['program', 'rule'] as const) {
    const v = q.get(k);
    if (v) f[k] = v;
  }
  const s = since(q.get('since'), undefined);
  if (s !== undefined) f.since = s;
  const limit = Number(q.get('limit') ?? 100);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw bad('limit: a whole number from 1 to 10000');
  f.limit = limit;
  const drill = q.get('drill');
  if (drill === 'true' || drill === 'false') f.drill = drill === 'true';
  else if (drill !== null) throw bad("drill: 'true' or 'false'");
  return f;
}

function learnOptions(v: unknown): { category?: string; owner?: string; runbook?: string; id?: string } | undefined {
  if (v === undefined || v === false) return undefined;
  if (v === true) return {};
  return fields(v, ['category', 'owner', 'runbook', 'id']) as { category?: string; owner?: string; runbook?: string; id?: string };
}

function silenceBody(o: unknown) {
  if (!isObj(o)) throw bad('the body must be a JSON object');
  const errors: string[] = [];
  const allowed = ['matchers', 'endsAt', 'startsAt', 'comment', 'createdBy'];
  for (const k of Object.keys(o)) if (!allowed.includes(k)) errors.push(`unknown field '${k}' (allowed: ${allowed.join(', ')})`);
  const m = o.matchers;
  const matchers: Record<string, unknown> = {};
  if (!isObj(m) || Object.keys(m).length === 0)
    errors.push('matchers: give at least one of program, severity, category, owner, rule, labels');
  else
    for (const [k, v] of Object.entries(m)) {
      if (k === 'labels') {
        if (!isObj(v) || Object.values(v).some((x) => typeof x !== 'string')) errors.push('matchers.labels: an object of strings');
        else matchers.labels = v;
      } else if (!['program', 'severity', 'category', 'owner', 'rule'].includes(k))
        errors.push(`matchers.${k}: not a matcher (program, severity, category, owner, rule, labels)`);
      else if (typeof v !== 'string' || v === '') errors.push(`matchers.${k}: a non-empty string`);
      else if (k === 'severity' && !(SEVERITIES as readonly string[]).includes(v))
        errors.push(`matchers.severity: one of ${SEVERITIES.join(', ')}`);
      else matchers[k] = v;
    }
  const time = (k: 'endsAt' | 'startsAt', required: boolean) => {
    const v = o[k];
    if (v === undefined) return required ? void errors.push(`${k}: missing (an ISO 8601 time: a silence must end)`) : undefined;
    const t = typeof v === 'string' ? Date.parse(v) : NaN;
    if (Number.isNaN(t)) errors.push(`${k}: '${String(v)}' is not an ISO 8601 time`);
    return t;
  };
  const endsAt = time('endsAt', true);
  const startsAt = time('startsAt', false) ?? Date.now();
  if (endsAt !== undefined && endsAt <= startsAt) errors.push('endsAt: must be after startsAt (or now)');
  for (const k of ['comment', 'createdBy'] as const) if (o[k] !== undefined && typeof o[k] !== 'string') errors.push(`${k}: a string`);
  if (errors.length) throw bad(errors);
  return {
    matchers,
    startsAt,
    endsAt: endsAt!,
    ...(typeof o.comment === 'string' ? { comment: o.comment } : {}),
    ...(typeof o.createdBy === 'string' ? { createdBy: o.createdBy } : {}),
  };
}

function drillBody(o: unknown): { storm: number; programs: number; faults: number; spreadMs: number } {
  if (!isObj(o)) throw bad('the body must be a JSON object');
  const errors: string[] = [];
  const n = (k: string, min: number, max: number, fallback: number) => {
    const v = o[k] ?? fallback;
    if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) errors.push(`${k}: a whole number from ${min} to ${max}`);
    return v as number;
  };
  for (const k of Object.keys(o)) if (!['storm', 'programs', 'faults', 'spreadMs'].includes(k)) errors.push(`unknown field '${k}'`);
  const r = {
    storm: n('storm', 1, 1_000_000, 1000),
    programs: n('programs', 1, 10_000, 10),
    faults: n('faults', 1, 100, 5),
    spreadMs: n('spreadMs', 0, 3_600_000, 0),
  };
  if (errors.length) throw bad(errors);
  return r;
}

const ROUTE = /^\/v1\/incidents\/(\d+)(?:\/(ack|resolve|invalid))?$/;

async function route(inc: DaemonIncidents, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const e = inc.engine;
  const m = req.method ?? 'GET';
  const p = url.pathname;
  if (p === '/v1/incidents' && m === 'GET') return sendJson(res, 200, { incidents: e.list(filterOf(url.searchParams)) });
  if (p === '/v1/incidents/status' && m === 'GET') return sendJson(res, 200, inc.status());
  if (p === '/v1/signals' && m === 'POST') {
    const v = validateSignals(await readJson(req, 4 * 1024 * 1024), Date.now());
    if (!v.ok) throw bad(v.errors);
    const outcomes = v.value.map((s) => e.ingest(s)).map((r) => ({ incident: r.incident.id, outcome: r.outcome }));
    return sendJson(res, 202, { accepted: outcomes.length, results: outcomes });
  }
  if (p === '/v1/alertmanager' && m === 'POST') {
    const v = parseAlertmanagerWebhook(await readJson(req, 4 * 1024 * 1024), Date.now());
    if (!v.ok) throw bad(v.errors);
    const results = v.signals.map((s) => e.ingest(s)).map((r) => ({ incident: r.incident.id, outcome: r.outcome }));
    return sendJson(res, 200, {
      accepted: results.length,
      results,
      ...(v.skipped ? { skipped: v.skipped, why: 'alerts with a holdfast_incident label came from holdfast itself' } : {}),
    });
  }
  if (p === '/v1/alerts/report' && m === 'GET') {
    e.flush();
    const from = since(url.searchParams.get('since'), Date.now() - 7 * 86_400_000)!;
    return sendJson(res, 200, {
      since: new Date(from).toISOString(),
      rules: alertReport(e.store?.ruleHistory(from) ?? []),
      store: e.health(),
    });
  }
  if (p === '/v1/notifications' && m === 'GET') {
    const id = url.searchParams.get('incident');
    const status = url.searchParams.get('status');
    if (status !== null && !['pending', 'sent', 'failed', 'held'].includes(status)) throw bad(`status: one of pending, sent, failed, held`);
    return sendJson(res, 200, {
      notifications: e.notifications({
        ...(id ? { incidentId: idOf(id) } : {}),
        ...(status ? { status: status as 'sent' } : {}),
        limit: Math.min(Number(url.searchParams.get('limit') ?? 100) || 100, 10_000),
      }),
    });
  }
  if (p === '/v1/incidents/silences') {
    if (m === 'GET') return sendJson(res, 200, { silences: e.activeSilences });
    if (m === 'POST') return sendJson(res, 201, e.addSilence(silenceBody(await readJson(req, MAX_BODY))));
  }
  if (p === '/v1/incidents/knowledge/reload' && m === 'POST') {
    await readJson(req, MAX_BODY);
    const kb = await inc.reloadKnowledge();
    return sendJson(res, 200, { file: inc.knowledgeFile, entries: kb.entries.length });
  }
  if (p === '/v1/incidents/drill' && m === 'POST') {
    const b = drillBody(await readJson(req, MAX_BODY));
    return sendJson(res, 200, await runAlertStorm(e, { ...b, settleMs: 60_000 }));
  }
  const r = ROUTE.exec(p);
  if (r) {
    const id = idOf(r[1]!);
    if (!r[2] && m === 'GET') {
      const incident = e.get(id);
      if (!incident) throw new InsightError('HOLDFAST_E_UNKNOWN_INCIDENT', `${id} (holdfast incidents list shows the ids)`);
      return sendJson(res, 200, { incident, history: e.history(id), notifications: e.notifications({ incidentId: id, limit: 50 }) });
    }
    if (r[2] === 'ack' && m === 'POST') {
      const b = fields(await readJson(req, MAX_BODY), ['by']);
      return sendJson(res, 200, { incident: e.ack(id, b.by) });
    }
    if (r[2] === 'invalid' && m === 'POST') {
      const b = fields(await readJson(req, MAX_BODY), ['reason', 'by'], ['reason']);
      return sendJson(res, 200, { incident: e.invalid(id, b.reason!, b.by) });
    }
    if (r[2] === 'resolve' && m === 'POST') {
      const raw = await readJson(req, MAX_BODY);
      const { learn, ...rest } = isObj(raw) ? raw : {};
      const b = fields(rest, ['by', 'cause']);
      const lo = learnOptions(learn);
      if (lo && !b.cause) throw bad('learn needs a cause: what was wrong, in words (it becomes the runbook of the new entry)');
      if (lo && !inc.knowledgeFile)
        throw new HttpError(409, 'HOLDFAST_E_KNOWLEDGE', 'no knowledge base to learn into: set incidents.knowledge in the config');
      if (!e.get(id)) throw new InsightError('HOLDFAST_E_UNKNOWN_INCIDENT', `${id} (holdfast incidents list shows the ids)`);
      const resolve = () => e.resolve(id, { ...(b.by ? { by: b.by } : {}), ...(b.cause ? { cause: b.cause } : {}) });
      // Learning first: a file that cannot take the entry leaves the incident as it was.
      const learned = lo ? await inc.learn(id, { cause: b.cause!, ...lo }, resolve) : (resolve(), undefined);
      return sendJson(res, 200, { incident: e.get(id), ...(learned ? { learned } : {}) });
    }
  }
  throw new HttpError(m === 'GET' || m === 'POST' ? 404 : 405, 'HOLDFAST_E_BAD_REQUEST', `no such endpoint: ${m} ${p}`);
}

const STATUS: Record<string, number> = {
  HOLDFAST_E_UNKNOWN_INCIDENT: 404,
  HOLDFAST_E_INCIDENT_STATE: 409,
  HOLDFAST_E_SIGNAL: 400,
  HOLDFAST_E_KNOWLEDGE: 422,
};

/** Serves one incident-loop request; every failure is a JSON error with a stable code. */
export function serveIncidents(inc: DaemonIncidents, req: IncomingMessage, res: ServerResponse, url: URL): void {
  route(inc, req, res, url).catch((err: unknown) => {
    let status = 500;
    let error: { code: string; message: string; issues?: unknown[] } = { code: 'HOLDFAST_E_API', message: (err as Error).message };
    if (err instanceof HttpError) {
      status = err.status;
      error = { code: err.code, message: err.message };
    } else if (err instanceof InsightError || err instanceof KnowledgeError) {
      status = STATUS[err.code] ?? 400;
      error = { code: err.code, message: err.message, ...(err.issues.length ? { issues: err.issues } : {}) };
    }
    if (res.headersSent) res.end();
    else sendJson(res, status, { error });
  });
}
