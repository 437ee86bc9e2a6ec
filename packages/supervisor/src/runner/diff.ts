// What `update` has to do: compare the running config with the new one and sort each program
// into added, removed, restarted (what it runs changed), scaled (only `instances` changed) or
// reconfigured live (policy, limits, order: no restart needed). Pure, so it is tested alone.
import type { ResolvedConfig } from '../config/load.ts';
import type { ProgramConfig } from '../config/schema.ts';

// Not an ESM import of node:util: that reads its lazy exports and loads worker_threads and more
// into the daemon (see daemon/launch.ts).
const { isDeepStrictEqual } = process.getBuiltinModule('node:util');

/** Fields whose change means the process must be replaced. */
const RESTART_FIELDS = [
  'argv',
  'shell',
  'cwd',
  'env',
  'inheritEnv',
  'user',
  'group',
  'ready',
  'logs',
  'listen',
] as const satisfies readonly (keyof ProgramConfig)[];

export interface ConfigDiff {
  added: string[];
  removed: string[];
  restarted: string[];
  scaled: string[];
  reconfigured: string[];
  unchanged: string[];
  /** Daemon-level settings that only a daemon restart applies. */
  needsDaemonRestart: string[];
  /** For each restarted, scaled or reconfigured program, what changed: "limits.memory 256 MiB → 512 MiB". */
  changes: Record<string, string[]>;
}

const BYTE_FIELDS = new Set(['memory', 'memoryHigh', 'ioReadBps', 'ioWriteBps', 'maxBytes', 'bufferBytes']);

function show(key: string, v: unknown): string {
  if (v === undefined) return '(none)';
  if (typeof v === 'number' && BYTE_FIELDS.has(key)) {
    for (const [unit, size] of [
      ['GiB', 2 ** 30],
      ['MiB', 2 ** 20],
      ['KiB', 2 ** 10],
    ] as const)
      if (v >= size) return `${Math.round((v / size) * 100) / 100} ${unit}`;
    return `${v} B`;
  }
  if (typeof v === 'number' && key.endsWith('Ms')) return v >= 1000 ? `${v / 1000}s` : `${v}ms`;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Field-by-field differences, one level into objects (limits.memory, backoff.maxMs, ...). */
export function describeChanges(old: ProgramConfig, next: ProgramConfig): string[] {
  const out: string[] = [];
  const keys = [...new Set([...Object.keys(old), ...Object.keys(next)])].filter((k) => k !== 'command') as (keyof ProgramConfig)[];
  for (const k of keys) {
    const a = old[k] as unknown;
    const b = next[k] as unknown;
    if (isDeepStrictEqual(a, b)) continue;
    const isObj = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
    if ((isObj(a) || a === undefined) && (isObj(b) || b === undefined) && k !== 'env' && k !== 'ready') {
      const ao = (a ?? {}) as Record<string, unknown>;
      const bo = (b ?? {}) as Record<string, unknown>;
      for (const f of [...new Set([...Object.keys(ao), ...Object.keys(bo)])]) {
        if (!isDeepStrictEqual(ao[f], bo[f])) out.push(`${k}.${f} ${show(f, ao[f])} → ${show(f, bo[f])}`);
      }
    } else if (k === 'env') {
      const ao = a as Record<string, string>;
      const bo = b as Record<string, string>;
      // Names only: values may be secrets.
      const changed = [...new Set([...Object.keys(ao), ...Object.keys(bo)])].filter((n) => ao[n] !== bo[n]);
      out.push(`env ${changed.join(', ')}`);
    } else {
      out.push(`${k} ${show(k, a)} → ${show(k, b)}`);
    }
  }
  return out;
}

export function diffConfigs(prev: ResolvedConfig, next: ResolvedConfig): ConfigDiff {
  const d: ConfigDiff = {
    added: [],
    removed: [],
    restarted: [],
    scaled: [],
    reconfigured: [],
    unchanged: [],
    needsDaemonRestart: [],
    changes: {},
  };
  for (const name of Object.keys(prev.programs)) if (!(name in next.programs)) d.removed.push(name);
  for (const [name, p] of Object.entries(next.programs)) {
    const old = prev.programs[name];
    if (!old) d.added.push(name);
    else if (RESTART_FIELDS.some((f) => !isDeepStrictEqual(old[f], p[f]))) d.restarted.push(name);
    else if (old.instances !== p.instances) d.scaled.push(name);
    else if (!isDeepStrictEqual({ ...old, command: null }, { ...p, command: null })) d.reconfigured.push(name);
    else d.unchanged.push(name);
    if (old && !d.unchanged.includes(name)) d.changes[name] = describeChanges(old, p);
  }
  for (const key of ['socket', 'stateDir', 'logDir', 'http', 'metrics', 'cgroups'] as const) {
    if (!isDeepStrictEqual(prev.supervisor[key], next.supervisor[key])) d.needsDaemonRestart.push(`supervisor.${key}`);
  }
  return d;
}
