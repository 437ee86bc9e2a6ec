// Which instances' guard state is read, and where: pure, from the status rows and the
// dashboard.guard section. An instance is read while it runs and serves (READY, or STOPPING while
// it drains), never the old half of a rolling reload; on the address it announced when it became
// ready, else the program's configured template with {instance} as its index.
import type { InstanceStatus } from '../api/types.ts';

/** dashboard.guard.<program>: where its instances serve their metrics, and its rules file. */
export interface GuardProgramConfig {
  metrics?: string;
  rules?: string;
}

export interface GuardTarget {
  id: string;
  url: string;
}

export type GuardRow = Pick<InstanceStatus, 'id' | 'program' | 'index' | 'pid' | 'role' | 'state' | 'metricsUrl'>;

/** Per program, the instances to read now and their URLs (a configured program with none running maps to []). */
export function guardTargets(rows: readonly GuardRow[], config: Readonly<Record<string, GuardProgramConfig>>): Map<string, GuardTarget[]> {
  const out = new Map<string, GuardTarget[]>();
  for (const p of Object.keys(config)) out.set(p, []);
  for (const r of rows) {
    if (r.pid === null || r.role === 'old' || (r.state !== 'READY' && r.state !== 'STOPPING')) continue;
    const url = r.metricsUrl ?? config[r.program]?.metrics?.replaceAll('{instance}', String(r.index));
    if (!url) continue;
    out.set(r.program, [...(out.get(r.program) ?? []), { id: r.id, url }]);
  }
  return out;
}
