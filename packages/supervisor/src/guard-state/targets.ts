// Which instances' guard state is read, and where: pure, from the status rows, the programs'
// `metrics:` fields and the dashboard.guard section. An instance is read while it runs and serves
// (READY, or STOPPING while it drains), never the old half of a rolling reload. Where: as the
// scrape: section reads it (insight/scrape-config.ts): `metrics: false` nowhere, a configured
// URL (with {instance} as its index), else the address the instance announced when it became
// ready. Unlike the scrape it does not try /metrics on a program's listening socket unasked: a
// guard view of a program that serves no metrics would only be an error.
import type { InstanceStatus } from '../api/types.ts';
import type { ProgramMetrics } from '../insight/scrape-config.ts';

/** dashboard.guard.<program>: its rules file (where its metrics are is the program's own `metrics:` field). */
export interface GuardProgramConfig {
  rules?: string;
}

export interface GuardTarget {
  id: string;
  url: string;
}

export type GuardRow = Pick<InstanceStatus, 'id' | 'program' | 'index' | 'pid' | 'role' | 'state' | 'metricsUrl'>;

/** Per program, the instances to read now and their URLs (a configured program with none running maps to []). */
export function guardTargets(
  rows: readonly GuardRow[],
  config: Readonly<Record<string, GuardProgramConfig>>,
  metrics: (program: string) => ProgramMetrics | undefined = () => undefined,
): Map<string, GuardTarget[]> {
  const out = new Map<string, GuardTarget[]>();
  for (const p of Object.keys(config)) out.set(p, []);
  for (const r of rows) {
    if (r.pid === null || r.role === 'old' || (r.state !== 'READY' && r.state !== 'STOPPING')) continue;
    const m = metrics(r.program);
    if (m === false) continue;
    const configured = typeof m === 'string' ? m : m?.url;
    const url = configured?.replaceAll('{instance}', String(r.index)) ?? r.metricsUrl;
    if (!url) continue;
    out.set(r.program, [...(out.get(r.program) ?? []), { id: r.id, url }]);
  }
  return out;
}
