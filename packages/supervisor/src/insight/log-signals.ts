// A program's output as signals: error lines as `log.error` (JSON lines of pino, bunyan or
// winston's json format at error or fatal, and logfmt lines with level=error/fatal), and the
// guard's own events as services log them (a breaker opened or closed, system protection armed
// or disarmed) as `guard.*`. The message is masked (numbers, ids, quoted strings) so "timeout
// after 3012 ms" and "timeout after 2998 ms" are one template; the error's type, code and stack
// travel along, so grouping can use in-app frames. Plain-text lines are left to the log miner.
// Cheap on every other line: a character test and one regex. System protection arming becomes a
// signal only once it has stayed armed for the built-in rule's `for` (see builtins.ts: why).
import { StringDecoder } from 'node:string_decoder';
import { builtinFor, fnv1a64, type Signal } from '@holdfast/insight/incidents';

const MAX_LINE = 64 * 1024;
const ERROR_LEVELS = new Set(['error', 'fatal', 'critical', 'crit', 'emerg', 'alert', 'panic']);

export function maskMessage(m: string): string {
  return m
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>')
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, '<ip>')
    .replace(/\b(?:0x)?[0-9a-f]*\d[0-9a-f]*\b/gi, (t) => (t.length >= 8 || t.startsWith('0x') ? '<hex>' : t))
    .replace(/"[^"]*"|'[^']*'/g, '<str>')
    .replace(/\d+(?:\.\d+)?/g, '<n>');
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);

function levelOf(o: Record<string, unknown>): 'error' | 'critical' | undefined {
  const l = o.level ?? o.severity ?? o.lvl;
  if (typeof l === 'number') return l >= 60 ? 'critical' : l >= 50 ? 'error' : undefined;
  if (typeof l === 'string') {
    const s = l.toLowerCase();
    if (s === 'fatal' || s === 'critical' || s === 'crit' || s === 'emerg' || s === 'alert' || s === 'panic') return 'critical';
    if (s === 'error' || s === 'err') return 'error';
  }
  return undefined;
}

function fromJson(line: string, program: string, instance: string, now: number): Signal | undefined {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return undefined;
  const rec = o as Record<string, unknown>;
  const severity = levelOf(rec);
  if (!severity) return undefined;
  const errObj = (
    typeof rec.err === 'object' && rec.err !== null ? rec.err : typeof rec.error === 'object' && rec.error !== null ? rec.error : undefined
  ) as Record<string, unknown> | undefined;
  const msg = str(rec.msg) ?? str(rec.message) ?? str(errObj?.message) ?? '';
  const error: NonNullable<Signal['error']> = {};
  const type = str(errObj?.type) ?? str(errObj?.name);
  const code = str(rec.code) ?? str(errObj?.code);
  const emsg = str(errObj?.message);
  const stack = str(errObj?.stack);
  if (type) error.type = type;
  if (code) error.code = code;
  if (emsg) error.message = emsg.slice(0, 4000);
  if (stack) error.stack = stack.slice(0, 16_000);
  const labels: Record<string, string> = {};
  const route = str(rec.route);
  const status = str(rec.statusCode) ?? str((rec.res as Record<string, unknown> | undefined)?.statusCode);
  const method = str(rec.method) ?? str((rec.req as Record<string, unknown> | undefined)?.method);
  if (route) labels.route = route;
  if (status) labels.status = status;
  if (method) labels.method = method;
  // A request line is known by its route and status; anything else by its (masked) message.
  const text = `${maskMessage(msg)}${
    route ? ` ` + `[${method ? `${method} ` : ''}${route}${status ? ` ` + `→ ${status}` : ''}]` : ''
  }${emsg && !msg.includes(emsg) ? `: ${maskMessage(emsg)}` : ''}`.slice(0, 1000);
  const summary =
    `${msg}${
      route ? ` ${method ?? ''} ${str(rec.url) ?? route} ` + `→ ${status ?? '?'}` : ''
    }${emsg && !msg.includes(emsg) ? `: ${emsg}` : ''}`.slice(0, 1000) || '(error line without a message)';
  return {
    kind: 'log.error',
    at: typeof rec.time === 'number' && rec.time > 1e12 ? rec.time : now,
    summary,
    program,
    instance,
    severity,
    template: { id: `err:${fnv1a64(`${program}\u0000${text}`)}`, text },
    ...(Object.keys(error).length ? { error } : {}),
    ...(Object.keys(labels).length ? { labels } : {}),
  };
}

/** The guard's breaker and system-protection lines (packages/guard/src/guard.ts logs them). */
function fromGuard(line: string, program: string, instance: string, now: number): Signal | undefined {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const msg = str(o.msg) ?? '';
  const at = typeof o.time === 'number' && o.time > 1e12 ? o.time : now;
  if (msg.startsWith('guard: breaker ') && (o.to === 'open' || o.to === 'closed')) {
    const labels: Record<string, string> = {};
    const resource = str(o.resource);
    const rule = str(o.ruleId);
    if (resource) labels.resource = resource;
    if (rule) labels.rule = rule;
    return { kind: 'guard.breaker_open', at, summary: msg, program, instance, labels, status: o.to === 'open' ? 'firing' : 'resolved' };
  }
  if (msg.startsWith('guard: system protection '))
    return {
      kind: 'guard.shedding',
      at,
      summary: msg,
      program,
      instance,
      status: o.shedding === false || msg.endsWith('disarmed') ? 'resolved' : 'firing',
    };
  return undefined;
}

function fromLogfmt(line: string, program: string, instance: string, now: number): Signal | undefined {
  const level = /(?:^|\s)level=("?)([a-zA-Z]+)\1/.exec(line)?.[2]?.toLowerCase();
  if (!level || !ERROR_LEVELS.has(level)) return undefined;
  const msg = /(?:^|\s)msg=(?:"((?:[^"\\]|\\.)*)"|(\S+))/.exec(line);
  const text = msg ? (msg[1] ?? msg[2] ?? '') : line;
  const masked = maskMessage(text).slice(0, 1000);
  return {
    kind: 'log.error',
    at: now,
    summary: text.slice(0, 1000),
    program,
    instance,
    severity: level === 'error' ? 'error' : 'critical',
    template: { id: `err:${fnv1a64(`${program}\u0000${masked}`)}`, text: masked },
  };
}

export interface TapClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

const SHEDDING_FOR_MS = builtinFor('guard.shedding')?.for?.ms ?? 0;

interface Held {
  timer?: { cancel(): void };
  sent: boolean;
}

/** Splits one output stream into lines and turns its error lines and guard events into signals. */
export class LogSignalTap {
  private partial = '';
  // A pipe read can end inside a multi-byte character: decoded chunk by chunk, both halves would
  // become U+FFFD and the line a different template (a second incident for the same error).
  private readonly decoder = new StringDecoder('utf8');
  private readonly program: string;
  private readonly instance: string;
  private readonly emit: (s: Signal) => void;
  private readonly clock: TapClock;
  /** System protection armed: held until SHEDDING_FOR_MS passes (then sent), dropped if it disarms first. */
  private armed: Held | undefined;

  constructor(program: string, instance: string, emit: (s: Signal) => void, clock: TapClock) {
    this.program = program;
    this.instance = instance;
    this.emit = emit;
    this.clock = clock;
  }

  write(chunk: Buffer): void {
    let text = this.partial + this.decoder.write(chunk);
    let nl = text.indexOf('\n');
    let start = 0;
    while (nl >= 0) {
      this.line(text.slice(start, nl));
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    text = text.slice(start);
    // A line longer than the cap is cut: its start is what identifies it anyway.
    this.partial = text.length > MAX_LINE ? '' : text;
  }

  private line(l: string): void {
    if (l.length < 8) return;
    const c = l.charCodeAt(0) === 0x7b ? 'json' : l.includes('level=') ? 'logfmt' : undefined;
    if (c === undefined) return;
    if (c === 'json' && l.includes('"guard: ')) {
      const g = fromGuard(l, this.program, this.instance, this.clock.now());
      if (g) return g.kind === 'guard.shedding' ? this.shedding(g) : this.emit(g);
    }
    // Most lines are info: skip them before any parsing.
    if (c === 'json' && !/"(?:level|severity|lvl)":\s*(?:[5-9]\d|"(?:error|err|fatal|critical|crit|emerg|alert|panic)")/i.test(l)) return;
    const s =
      c === 'json'
        ? fromJson(l, this.program, this.instance, this.clock.now())
        : fromLogfmt(l, this.program, this.instance, this.clock.now());
    if (s) this.emit(s);
  }

  private shedding(s: Signal): void {
    if (s.status === 'resolved') {
      const was = this.armed;
      this.armed = undefined;
      was?.timer?.cancel();
      if (was?.sent) this.emit(s);
      return;
    }
    if (this.armed) return;
    const held: Held = { sent: false };
    this.armed = held;
    const send = () => {
      held.sent = true;
      delete held.timer;
      this.emit(s);
    };
    if (SHEDDING_FOR_MS <= 0) return send();
    held.timer = this.clock.setTimeout(send, SHEDDING_FOR_MS);
  }
}
