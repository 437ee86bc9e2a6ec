// A signal: one thing that happened and may deserve an incident. Every source speaks this one
// shape: the log miner (new templates, bursts, error lines), the supervisor (crash loops, FATAL,
// OOM kills, liveness failures), the failover agent, guard events reported by services, and
// Prometheus alerts arriving through the Alertmanager webhook. `labels` identify (they take part
// in grouping when nothing better does); `details` describe (never grouped on).

export const SIGNAL_KINDS = [
  // log miner and error lines
  'template.new',
  'template.burst',
  'log.error',
  // the supervisor's own events
  'program.crash_loop',
  'program.fatal',
  'program.oom',
  'program.liveness',
  // the failover agent
  'failover.promotion',
  'failover.fence',
  'failover.drill_failed',
  // guard events reported by services
  'guard.breaker_open',
  'guard.shedding',
  // a Prometheus alert (through Alertmanager's webhook)
  'alert',
  // `holdfast drill alerts`
  'drill.synthetic',
] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];

export const SIGNAL_SOURCES = ['log', 'program', 'failover', 'guard', 'prometheus', 'drill'] as const;
export type SignalSource = (typeof SIGNAL_SOURCES)[number];

/** PagerDuty Events v2's four severities, most urgent first. */
export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface SignalError {
  /** Exception class or error name ("TypeError", "ECONNREFUSED"). */
  type?: string;
  /** A stable error code ("HOLDFAST_E_BLOCKED_FLOW", "SHOP_E_CHAOS", "ORA-00060"). */
  code?: string;
  message?: string;
  /** A stack trace as printed (V8's "    at fn (file:line:col)" lines, or others). */
  stack?: string;
}

export interface Signal {
  kind: SignalKind;
  /** When it happened, ms since the epoch. */
  at: number;
  /** One line a person reads. */
  summary: string;
  program?: string;
  instance?: string;
  /** The source's own view; a knowledge-base entry overrides it. */
  severity?: Severity;
  /** Identifying labels (route, resource, alertname, node); they take part in grouping. */
  labels?: Record<string, string>;
  /** An explicit grouping key: every signal with this fingerprint is one incident. */
  fingerprint?: string;
  /** The log template the miner assigned (template.* and log.error). */
  template?: { id: string; text: string };
  error?: SignalError;
  /** 'resolved' ends the incident it belongs to (an alert resolved, a breaker closed). Default 'firing'. */
  status?: 'firing' | 'resolved';
  /** Free-form context kept with the occurrence; never used for grouping. */
  details?: Record<string, unknown>;
  /**
   * The sender's idempotency key (at most 256 characters): a signal whose id was counted already is
   * not counted again, so a sender may retry after a lost answer. Kept with the occurrence.
   */
  id?: string;
}

const SOURCE_OF_PREFIX: Record<string, SignalSource> = {
  template: 'log',
  log: 'log',
  program: 'program',
  failover: 'failover',
  guard: 'guard',
  alert: 'prometheus',
  drill: 'drill',
};

export function sourceOf(kind: SignalKind): SignalSource {
  const dot = kind.indexOf('.');
  return SOURCE_OF_PREFIX[dot < 0 ? kind : kind.slice(0, dot)]!;
}

export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

// ---- validation of signals that arrive from outside the daemon (the control API) ----

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: string[] };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const KNOWN_FIELDS = [
  'kind',
  'at',
  'summary',
  'program',
  'instance',
  'severity',
  'labels',
  'fingerprint',
  'template',
  'error',
  'status',
  'details',
  'id',
];
const MAX_TEXT = 4096;
const MAX_STACK = 16_384;

function str(o: Record<string, unknown>, key: string, where: string, errors: string[], { required = false, max = MAX_TEXT } = {}): void {
  const v = o[key];
  if (v === undefined) {
    if (required) errors.push(`${where}${key}: missing`);
    return;
  }
  if (typeof v !== 'string') errors.push(`${where}${key}: expected a string, got ${kindOf(v)}`);
  else if (v.length === 0) errors.push(`${where}${key}: must not be empty`);
  else if (v.length > max) errors.push(`${where}${key}: longer than ${max} characters (${v.length})`);
}

function stringMap(v: unknown, where: string, errors: string[]): void {
  if (v === undefined) return;
  if (!isObj(v)) return void errors.push(`${where}: expected an object of strings, got ${kindOf(v)}`);
  const keys = Object.keys(v);
  if (keys.length > 64) errors.push(`${where}: at most 64 labels, got ${keys.length}`);
  for (const k of keys) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
      errors.push(`${where}.${k}: a label name is letters, digits and _ (not starting with a digit)`);
    if (typeof v[k] !== 'string') errors.push(`${where}.${k}: expected a string, got ${kindOf(v[k])}`);
    else if ((v[k] as string).length > 1024) errors.push(`${where}.${k}: longer than 1024 characters`);
  }
}

/** Checks one signal from outside; `where` prefixes each problem ("signals[3]."). Fills `at` with `now` when absent. */
export function validateSignal(data: unknown, now: number, where = ''): Validated<Signal> {
  if (!isObj(data)) return { ok: false, errors: [`${where || 'signal'}: expected an object, got ${kindOf(data)}`] };
  const errors: string[] = [];
  const unknown = Object.keys(data).filter((k) => !KNOWN_FIELDS.includes(k));
  if (unknown.length)
    errors.push(`${where}unknown field(s) ${unknown.map((k) => `'${k}'`).join(', ')} (allowed: ${KNOWN_FIELDS.join(', ')})`);
  if (data.kind === undefined) errors.push(`${where}kind: missing (one of ${SIGNAL_KINDS.join(', ')})`);
  else if (!(SIGNAL_KINDS as readonly unknown[]).includes(data.kind))
    errors.push(`${where}kind: '${String(data.kind)}' is not a signal kind (one of ${SIGNAL_KINDS.join(', ')})`);
  if (data.at !== undefined && !(typeof data.at === 'number' && Number.isFinite(data.at) && data.at > 0))
    errors.push(`${where}at: expected ms since the epoch, got ${JSON.stringify(data.at)}`);
  str(data, 'summary', where, errors, { required: true });
  str(data, 'program', where, errors, { max: 256 });
  str(data, 'instance', where, errors, { max: 256 });
  str(data, 'fingerprint', where, errors, { max: 512 });
  str(data, 'id', where, errors, { max: 256 });
  if (data.severity !== undefined && !(SEVERITIES as readonly unknown[]).includes(data.severity))
    errors.push(`${where}severity: '${String(data.severity)}' is not one of ${SEVERITIES.join(', ')}`);
  if (data.status !== undefined && data.status !== 'firing' && data.status !== 'resolved')
    errors.push(`${where}status: expected 'firing' or 'resolved', got ${JSON.stringify(data.status)}`);
  stringMap(data.labels, `${where}labels`, errors);
  if (data.template !== undefined) {
    if (!isObj(data.template)) errors.push(`${where}template: expected {id, text}, got ${kindOf(data.template)}`);
    else {
      str(data.template, 'id', `${where}template.`, errors, { required: true, max: 256 });
      str(data.template, 'text', `${where}template.`, errors, { required: true });
    }
  }
  if (data.error !== undefined) {
    if (!isObj(data.error)) errors.push(`${where}error: expected {type, code, message, stack}, got ${kindOf(data.error)}`);
    else {
      const extra = Object.keys(data.error).filter((k) => !['type', 'code', 'message', 'stack'].includes(k));
      if (extra.length) errors.push(`${where}error: unknown field(s) ${extra.join(', ')} (allowed: type, code, message, stack)`);
      for (const k of ['type', 'code', 'message'] as const) str(data.error, k, `${where}error.`, errors);
      str(data.error, 'stack', `${where}error.`, errors, { max: MAX_STACK });
    }
  }
  if (data.details !== undefined && !isObj(data.details)) errors.push(`${where}details: expected an object, got ${kindOf(data.details)}`);
  if (errors.length) return { ok: false, errors };
  const s = data as unknown as Signal;
  return { ok: true, value: s.at === undefined ? { ...s, at: now } : s };
}

/** A batch of signals: every one valid, or the whole batch refused (nothing is ingested half). */
export function validateSignals(data: unknown, now: number, max = 10_000): Validated<Signal[]> {
  const list = Array.isArray(data)
    ? data
    : isObj(data) && Array.isArray(data.signals)
      ? data.signals
      : isObj(data) && 'kind' in data
        ? [data]
        : undefined;
  if (list === undefined) return { ok: false, errors: [`expected a signal, a list of signals, or {signals: [...]}, got ${kindOf(data)}`] };
  if (list.length === 0) return { ok: false, errors: ['the list of signals is empty'] };
  if (list.length > max) return { ok: false, errors: [`at most ${max} signals per request, got ${list.length}`] };
  const out: Signal[] = [];
  const errors: string[] = [];
  list.forEach((d, i) => {
    const v = validateSignal(d, now, `signals[${i}].`);
    if (v.ok) out.push(v.value);
    else errors.push(...v.errors);
  });
  return errors.length ? { ok: false, errors: errors.slice(0, 50) } : { ok: true, value: out };
}
