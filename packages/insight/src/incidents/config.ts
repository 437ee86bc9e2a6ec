// The incident loop's configuration (the `incidents:` section of holdfast.yaml): the knowledge
// base, receivers, routes, silences, timings. Validated here, by hand (insight has no
// dependencies), returning every issue with its path; the supervisor's config schema calls this,
// so the user sees each issue with file, line and column like every other config error.
import { parseDuration as parseConfigDuration } from '@holdfast/config/units';
import type { Issue } from '../errors.ts';
import { suggest } from '../knowledge/suggest.ts';
import { SEVERITIES, type Severity } from './signal.ts';

export const RECEIVER_TYPES = ['webhook', 'alertmanager', 'pagerduty', 'slack'] as const;
export type ReceiverType = (typeof RECEIVER_TYPES)[number];

export interface ReceiverConfig {
  name: string;
  type: ReceiverType;
  /** webhook/slack: where to POST; alertmanager: the base URL (…/api/v2/alerts is added); pagerduty: the Events API URL. */
  url: string;
  /** webhook: HMAC-SHA256 key for the X-Holdfast-Signature header. */
  secret?: string;
  /** pagerduty: the integration's routing key. */
  routingKey?: string;
  timeoutMs: number;
  headers?: Record<string, string>;
}

export interface RouteMatch {
  severity?: Severity[];
  owner?: string[];
  category?: string[];
  program?: string[];
  rule?: string[];
  labels?: Record<string, string>;
}

export interface RouteConfig {
  name: string;
  receiver: string;
  match: RouteMatch;
  /** Incident fields (program, severity, category, owner, rule, kind) or labels.<name>; ['...'] groups each incident alone. */
  groupBy: string[];
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  /** Keep looking for more routes after this one matched. */
  continue: boolean;
}

export interface SilenceConfig {
  matchers: { program?: string; severity?: Severity; category?: string; owner?: string; rule?: string; labels?: Record<string, string> };
  startsAt?: number;
  endsAt: number;
  comment?: string;
}

export interface IncidentsConfig {
  /** knowledge.yaml (absolute once the supervisor resolved it). */
  knowledge?: string;
  /** Owner of the built-in rules (crash loop, FATAL, OOM, ...). */
  owner: string;
  /** An open or acknowledged incident resolves itself after this long without a signal. */
  quietPeriodMs: number;
  /** Restarts within `windowMs` that make a crash loop. */
  crashLoop: { restarts: number; windowMs: number };
  /** Programs' output read for signals: error lines (`log.error`) and the guard's breaker and system-protection events (`guard.*`). */
  logSignals: boolean;
  /** The store's SQLite file; default <stateDir>/incidents.sqlite. */
  store?: string;
  receivers: ReceiverConfig[];
  routes: RouteConfig[];
  silences: SilenceConfig[];
  retry: { initialMs: number; maxMs: number; maxAgeMs: number };
}

export const GROUP_FIELDS = ['program', 'severity', 'category', 'owner', 'rule', 'kind', 'source'] as const;

/** ms as a number, or "500ms", "30s", "5m", "4h", "7d"; undefined when it is neither (holdfast's one duration rule). */
export function parseDuration(v: unknown): number | undefined {
  return typeof v === 'number' || typeof v === 'string' ? parseConfigDuration(v) : undefined;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a map' : typeof v);
type Path = (string | number)[];

class Check {
  readonly issues: Issue[] = [];
  add(path: Path, message: string, hint?: string): void {
    this.issues.push({ path, message, ...(hint ? { hint } : {}) });
  }
  keys(o: Record<string, unknown>, known: string[], path: Path): void {
    for (const k of Object.keys(o))
      if (!known.includes(k)) this.add([...path, k], `unknown key '${k}'`, suggest(k, known) ?? `known keys: ${known.join(', ')}`);
  }
  duration(v: unknown, path: Path, fallback: number, { min = 0, max = 30 * 86_400_000 } = {}): number {
    if (v === undefined) return fallback;
    const ms = parseDuration(v);
    if (ms === undefined)
      this.add(path, `'${String(v)}' is not a duration`, 'use milliseconds, or a string like "500ms", "30s", "5m", "4h"');
    else if (ms < min || ms > max) this.add(path, `must be between ${min} ms and ${max} ms`);
    return ms ?? fallback;
  }
  text(v: unknown, path: Path, required = false): string | undefined {
    if (v === undefined) {
      if (required) this.add(path, 'missing');
      return undefined;
    }
    if (typeof v !== 'string' || v.trim() === '')
      return void this.add(path, typeof v === 'string' ? 'must not be empty' : `expected a string, got ${kindOf(v)}`);
    return v;
  }
  list(v: unknown, path: Path): string[] | undefined {
    if (v === undefined) return undefined;
    const items = Array.isArray(v) ? v : [v];
    const out: string[] = [];
    items.forEach((x, i) => {
      const s = this.text(x, Array.isArray(v) ? [...path, i] : path);
      if (s !== undefined) out.push(s);
    });
    return out;
  }
  labels(v: unknown, path: Path): Record<string, string> | undefined {
    if (v === undefined) return undefined;
    if (!isObj(v)) return void this.add(path, `expected a map of label: value, got ${kindOf(v)}`);
    for (const [k, x] of Object.entries(v)) if (typeof x !== 'string') this.add([...path, k], `expected a string, got ${kindOf(x)}`);
    return v as Record<string, string>;
  }
  url(v: unknown, path: Path): string {
    const s = this.text(v, path, true);
    if (s !== undefined && !/^https?:\/\/[^\s/]+/.test(s)) this.add(path, `'${s}' is not an http:// or https:// URL`);
    return s ?? '';
  }
}

function severities(c: Check, v: unknown, path: Path): Severity[] | undefined {
  const list = c.list(v, path);
  list?.forEach(
    (s, i) =>
      !(SEVERITIES as readonly string[]).includes(s) &&
      c.add(
        Array.isArray(v) ? [...path, i] : path,
        `'${s}' is not a severity`,
        suggest(s, SEVERITIES) ?? `one of ${SEVERITIES.join(', ')}`,
      ),
  );
  return list as Severity[] | undefined;
}

function receiver(c: Check, r: unknown, path: Path): ReceiverConfig | undefined {
  if (!isObj(r)) return void c.add(path, `expected a receiver {name, type, url, ...}, got ${kindOf(r)}`);
  c.keys(r, ['name', 'type', 'url', 'secret', 'routingKey', 'timeoutMs', 'headers'], path);
  const name = c.text(r.name, [...path, 'name'], true) ?? '';
  if (r.type === undefined) c.add([...path, 'type'], `missing: one of ${RECEIVER_TYPES.join(', ')}`);
  else if (!(RECEIVER_TYPES as readonly unknown[]).includes(r.type))
    c.add(
      [...path, 'type'],
      `'${String(r.type)}' is not a receiver type`,
      suggest(String(r.type), RECEIVER_TYPES) ?? `one of ${RECEIVER_TYPES.join(', ')}`,
    );
  const type = r.type as ReceiverType;
  const url = type === 'pagerduty' && r.url === undefined ? 'https://events.pagerduty.com/v2/enqueue' : c.url(r.url, [...path, 'url']);
  const out: ReceiverConfig = {
    name,
    type,
    url,
    timeoutMs: c.duration(r.timeoutMs, [...path, 'timeoutMs'], 10_000, { min: 100, max: 300_000 }),
  };
  const secret = c.text(r.secret, [...path, 'secret']);
  if (secret !== undefined) {
    if (type !== 'webhook') c.add([...path, 'secret'], 'only a webhook receiver signs its requests');
    else if (secret.length < 16) c.add([...path, 'secret'], 'use at least 16 characters');
    out.secret = secret;
  }
  const routingKey = c.text(r.routingKey, [...path, 'routingKey'], type === 'pagerduty');
  if (routingKey !== undefined) out.routingKey = routingKey;
  const headers = c.labels(r.headers, [...path, 'headers']);
  if (headers) out.headers = headers;
  return out;
}

function route(c: Check, r: unknown, path: Path, index: number): RouteConfig | undefined {
  if (!isObj(r)) return void c.add(path, `expected a route {receiver, match, ...}, got ${kindOf(r)}`);
  c.keys(r, ['name', 'receiver', 'match', 'groupBy', 'groupWait', 'groupInterval', 'repeatInterval', 'continue'], path);
  const match: RouteMatch = {};
  if (r.match !== undefined) {
    if (!isObj(r.match)) c.add([...path, 'match'], `expected a map, got ${kindOf(r.match)}`);
    else {
      const m = r.match;
      c.keys(m, ['severity', 'owner', 'category', 'program', 'rule', 'labels'], [...path, 'match']);
      const sev = severities(c, m.severity, [...path, 'match', 'severity']);
      if (sev) match.severity = sev;
      for (const k of ['owner', 'category', 'program', 'rule'] as const) {
        const l = c.list(m[k], [...path, 'match', k]);
        if (l) match[k] = l;
      }
      const labels = c.labels(m.labels, [...path, 'match', 'labels']);
      if (labels) match.labels = labels;
    }
  }
  const groupBy = c.list(r.groupBy, [...path, 'groupBy']) ?? ['rule', 'program'];
  groupBy.forEach((g, i) => {
    if (g !== '...' && !(GROUP_FIELDS as readonly string[]).includes(g) && !/^labels\.[A-Za-z_][A-Za-z0-9_]*$/.test(g))
      c.add(
        [...path, 'groupBy', i],
        `'${g}' is not a grouping field`,
        suggest(g, [...GROUP_FIELDS, '...']) ?? `use ${GROUP_FIELDS.join(', ')}, labels.<name>, or '...' (each incident alone)`,
      );
  });
  if (r.continue !== undefined && typeof r.continue !== 'boolean')
    c.add([...path, 'continue'], `expected true or false, got ${kindOf(r.continue)}`);
  return {
    name: c.text(r.name, [...path, 'name']) ?? `routes[${index}]`,
    receiver: c.text(r.receiver, [...path, 'receiver'], true) ?? '',
    match,
    groupBy,
    // Alertmanager's defaults.
    groupWaitMs: c.duration(r.groupWait, [...path, 'groupWait'], 30_000),
    groupIntervalMs: c.duration(r.groupInterval, [...path, 'groupInterval'], 300_000),
    repeatIntervalMs: c.duration(r.repeatInterval, [...path, 'repeatInterval'], 4 * 3_600_000, { min: 1000 }),
    continue: r.continue === true,
  };
}

function time(c: Check, v: unknown, path: Path): number | undefined {
  if (v === undefined) return undefined;
  const t = typeof v === 'string' ? Date.parse(v) : v instanceof Date ? v.getTime() : NaN;
  if (Number.isNaN(t)) c.add(path, `'${String(v)}' is not a date and time`, 'use ISO 8601, e.g. 2026-12-24T18:00:00Z');
  return Number.isNaN(t) ? undefined : t;
}

function silence(c: Check, s: unknown, path: Path): SilenceConfig | undefined {
  if (!isObj(s)) return void c.add(path, `expected a silence {matchers, endsAt}, got ${kindOf(s)}`);
  c.keys(s, ['matchers', 'startsAt', 'endsAt', 'comment'], path);
  const endsAt = time(c, s.endsAt, [...path, 'endsAt']);
  if (s.endsAt === undefined) c.add([...path, 'endsAt'], 'missing: a silence must end (ISO 8601 time)');
  const m = s.matchers;
  const matchers: SilenceConfig['matchers'] = {};
  if (!isObj(m) || Object.keys(m).length === 0)
    c.add(
      [...path, 'matchers'],
      'give at least one matcher (program, severity, category, owner, rule, labels): a silence of everything hides every incident',
    );
  else {
    c.keys(m, ['program', 'severity', 'category', 'owner', 'rule', 'labels'], [...path, 'matchers']);
    for (const k of ['program', 'category', 'owner', 'rule'] as const) {
      const v = c.text(m[k], [...path, 'matchers', k]);
      if (v !== undefined) matchers[k] = v;
    }
    const sev = severities(c, m.severity, [...path, 'matchers', 'severity']);
    if (sev?.[0]) matchers.severity = sev[0];
    const labels = c.labels(m.labels, [...path, 'matchers', 'labels']);
    if (labels) matchers.labels = labels;
  }
  const startsAt = time(c, s.startsAt, [...path, 'startsAt']);
  const comment = c.text(s.comment, [...path, 'comment']);
  return { matchers, endsAt: endsAt ?? 0, ...(startsAt !== undefined ? { startsAt } : {}), ...(comment ? { comment } : {}) };
}

const TOP_KEYS = ['knowledge', 'owner', 'quietPeriod', 'crashLoop', 'logSignals', 'store', 'receivers', 'routes', 'silences', 'retry'];

/** Validates the `incidents:` section; every issue is listed (paths relative to the section). */
export function validateIncidentsConfig(data: unknown): { ok: true; config: IncidentsConfig } | { ok: false; issues: Issue[] } {
  const c = new Check();
  const o = data ?? {};
  if (!isObj(o)) return { ok: false, issues: [{ path: [], message: `expected a map, got ${kindOf(o)}` }] };
  c.keys(o, TOP_KEYS, []);
  const list = (key: string) => {
    const v = o[key];
    if (v === undefined) return [];
    if (!Array.isArray(v)) return (c.add([key], `expected a list, got ${kindOf(v)}`), []);
    return v;
  };
  const receivers = list('receivers').flatMap((r, i) => receiver(c, r, ['receivers', i]) ?? []);
  const names = new Map<string, number>();
  receivers.forEach((r, i) => {
    if (names.has(r.name)) c.add(['receivers', i, 'name'], `duplicate receiver name '${r.name}' (also receivers[${names.get(r.name)}])`);
    names.set(r.name, i);
  });
  const routes = list('routes').flatMap((r, i) => route(c, r, ['routes', i], i) ?? []);
  routes.forEach((r, i) => {
    if (r.receiver && !names.has(r.receiver))
      c.add(
        ['routes', i, 'receiver'],
        `unknown receiver '${r.receiver}'`,
        suggest(r.receiver, [...names.keys()]) ??
          (names.size ? `receivers: ${[...names.keys()].join(', ')}` : 'define it under incidents.receivers'),
      );
  });
  const silences = list('silences').flatMap((s, i) => silence(c, s, ['silences', i]) ?? []);
  const cl = o.crashLoop;
  const crashLoop = { restarts: 3, windowMs: 60_000 };
  if (cl !== undefined) {
    if (!isObj(cl)) c.add(['crashLoop'], `expected {restarts, window}, got ${kindOf(cl)}`);
    else {
      c.keys(cl, ['restarts', 'window'], ['crashLoop']);
      if (cl.restarts !== undefined && !(Number.isInteger(cl.restarts) && (cl.restarts as number) >= 2 && (cl.restarts as number) <= 100))
        c.add(['crashLoop', 'restarts'], 'expected a whole number from 2 to 100');
      else if (cl.restarts !== undefined) crashLoop.restarts = cl.restarts as number;
      crashLoop.windowMs = c.duration(cl.window, ['crashLoop', 'window'], 60_000, { min: 1000, max: 86_400_000 });
    }
  }
  const rt = o.retry;
  const retry = { initialMs: 500, maxMs: 60_000, maxAgeMs: 86_400_000 };
  if (rt !== undefined) {
    if (!isObj(rt)) c.add(['retry'], `expected {initial, max, maxAge}, got ${kindOf(rt)}`);
    else {
      c.keys(rt, ['initial', 'max', 'maxAge'], ['retry']);
      retry.initialMs = c.duration(rt.initial, ['retry', 'initial'], 500, { min: 10, max: 3_600_000 });
      retry.maxMs = c.duration(rt.max, ['retry', 'max'], 60_000, { min: 10, max: 86_400_000 });
      retry.maxAgeMs = c.duration(rt.maxAge, ['retry', 'maxAge'], 86_400_000, { min: 1000 });
    }
  }
  if (o.logSignals !== undefined && typeof o.logSignals !== 'boolean')
    c.add(['logSignals'], `expected true or false, got ${kindOf(o.logSignals)}`);
  const config: IncidentsConfig = {
    owner: c.text(o.owner, ['owner']) ?? 'platform',
    quietPeriodMs: c.duration(o.quietPeriod, ['quietPeriod'], 600_000, { min: 1000 }),
    crashLoop,
    logSignals: o.logSignals !== false,
    receivers,
    routes,
    silences,
    retry,
  };
  const knowledge = c.text(o.knowledge, ['knowledge']);
  if (knowledge !== undefined) config.knowledge = knowledge;
  const store = c.text(o.store, ['store']);
  if (store !== undefined) config.store = store;
  return c.issues.length ? { ok: false, issues: c.issues } : { ok: true, config };
}
