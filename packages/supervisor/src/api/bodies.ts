// Request bodies of the control API, validated by hand (zod would cost the daemon megabytes of
// resident memory): a bad body is a 400 naming every problem, never a half-done action.
import { constants } from 'node:os';

export interface ActionBody {
  targets: string[];
  wait?: boolean;
  timeoutMs?: number;
}
export interface StartBody extends ActionBody {
  /** Environment for this start (names the program lists in envOverridable; the failover agent's fencing token). */
  env?: Record<string, string>;
  /** Keep `env` for every later start too, until the daemon restarts. */
  persist?: boolean;
}
export interface SignalBody {
  targets: string[];
  signal: NodeJS.Signals;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; error: string };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function check<T>(data: unknown, allowed: string[], fields: (o: Record<string, unknown>, problems: string[]) => void): Validated<T> {
  if (!isObj(data)) return { ok: false, error: `the body must be a JSON object, not ${kind(data)}` };
  const problems: string[] = [];
  const unknown = Object.keys(data).filter((k) => !allowed.includes(k));
  if (unknown.length) problems.push(`unknown field(s) ${unknown.map((k) => `'${k}'`).join(', ')} (allowed: ${allowed.join(', ')})`);
  fields(data, problems);
  return problems.length ? { ok: false, error: problems.join('; ') } : { ok: true, value: data as T };
}

function targets(o: Record<string, unknown>, problems: string[]): void {
  const t = o.targets;
  if (t === undefined) problems.push("targets: missing (name programs, instances, groups, or 'all')");
  else if (!Array.isArray(t)) problems.push(`targets: expected an array of names, got ${kind(t)}`);
  else if (t.length === 0) problems.push("targets: name at least one program, instance, group, or 'all'");
  else
    t.forEach(
      (x, i) => (typeof x !== 'string' || x === '') && problems.push(`targets[${i}]: expected a non-empty name, got ${JSON.stringify(x)}`),
    );
}

function waitFields(o: Record<string, unknown>, problems: string[]): void {
  if (o.wait !== undefined && typeof o.wait !== 'boolean') problems.push(`wait: expected true or false, got ${kind(o.wait)}`);
  const t = o.timeoutMs;
  if (t !== undefined && !(typeof t === 'number' && Number.isInteger(t) && t > 0 && t <= 3_600_000))
    problems.push(`timeoutMs: expected milliseconds from 1 to 3600000, got ${JSON.stringify(t)}`);
}

export const actionBody = (d: unknown) =>
  check<ActionBody>(d, ['targets', 'wait', 'timeoutMs'], (o, p) => {
    targets(o, p);
    waitFields(o, p);
  });

export const startBody = (d: unknown) =>
  check<StartBody>(d, ['targets', 'wait', 'timeoutMs', 'env', 'persist'], (o, p) => {
    targets(o, p);
    waitFields(o, p);
    if (o.persist !== undefined && typeof o.persist !== 'boolean') p.push(`persist: expected true or false, got ${kind(o.persist)}`);
    if (o.persist === true && o.env === undefined) p.push('persist: applies to env, which is missing');
    if (o.env === undefined) return;
    if (!isObj(o.env)) p.push(`env: expected an object of strings, got ${kind(o.env)}`);
    else
      for (const [k, v] of Object.entries(o.env)) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) p.push(`env.${k}: not a valid environment variable name`);
        if (typeof v !== 'string') p.push(`env.${k}: expected a string, got ${kind(v)}`);
      }
  });

export const signalBody = (d: unknown) => {
  const r = check<SignalBody>(d, ['targets', 'signal'], (o, p) => {
    targets(o, p);
    const s = o.signal;
    if (typeof s !== 'string') p.push(`signal: expected a signal name like "HUP" or "SIGUSR1", got ${kind(s)}`);
    else {
      const name = s.toUpperCase().startsWith('SIG') ? s.toUpperCase() : `SIG${s.toUpperCase()}`;
      if (!(name in constants.signals)) p.push(`signal: '${s}' is not a signal name (e.g. HUP, USR1, USR2, TERM, INT, KILL)`);
      else o.signal = name;
    }
  });
  return r;
};

export interface ReloadBody {
  program: string;
  /** Longest wait for each new instance's readiness proof. */
  timeoutMs?: number;
}

export const reloadBody = (d: unknown) =>
  check<ReloadBody>(d, ['program', 'timeoutMs'], (o, p) => {
    if (typeof o.program !== 'string' || o.program === '')
      p.push(`program: expected the name of one program, got ${JSON.stringify(o.program)}`);
    waitFields(o, p);
  });

export const emptyBody = (d: unknown) => check<Record<string, never>>(d, [], () => {});
