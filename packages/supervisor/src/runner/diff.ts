// What `update` has to do: compare the running config with the new one and sort each program
// into added, removed, restarted (what it runs changed), scaled (only `instances` changed) or
// reconfigured live (policy, limits, order: no restart needed). Pure, so it is tested alone.
import type { ResolvedConfig } from '../config/load.ts';
import type { ProgramConfig } from '../config/schema.ts';

// Not an ESM import of node:util: that reads its lazy exports and loads worker_threads and more
// into the daemon (see daemon/launch.ts).
const { isDeepStrictEqual } = process.getBuiltinModule('node:util');

/** Fields whose change means the process must be replaced. */
const RESTART_FIELDS = ['argv', 'shell', 'cwd', 'env', 'user', 'group', 'ready', 'logs', 'listen'] as const satisfies readonly (keyof ProgramConfig)[];

export interface ConfigDiff {
  added: string[];
  removed: string[];
  restarted: string[];
  scaled: string[];
  reconfigured: string[];
  unchanged: string[];
  /** Daemon-level settings that only a daemon restart applies. */
  needsDaemonRestart: string[];
}

export function diffConfigs(prev: ResolvedConfig, next: ResolvedConfig): ConfigDiff {
  const d: ConfigDiff = { added: [], removed: [], restarted: [], scaled: [], reconfigured: [], unchanged: [], needsDaemonRestart: [] };
  for (const name of Object.keys(prev.programs)) if (!(name in next.programs)) d.removed.push(name);
  for (const [name, p] of Object.entries(next.programs)) {
    const old = prev.programs[name];
    if (!old) d.added.push(name);
    else if (RESTART_FIELDS.some((f) => !isDeepStrictEqual(old[f], p[f]))) d.restarted.push(name);
    else if (old.instances !== p.instances) d.scaled.push(name);
    else if (!isDeepStrictEqual({ ...old, command: null }, { ...p, command: null })) d.reconfigured.push(name);
    else d.unchanged.push(name);
  }
  for (const key of ['socket', 'stateDir', 'logDir', 'http', 'metrics', 'cgroups'] as const) {
    if (!isDeepStrictEqual(prev.supervisor[key], next.supervisor[key])) d.needsDaemonRestart.push(`supervisor.${key}`);
  }
  return d;
}
