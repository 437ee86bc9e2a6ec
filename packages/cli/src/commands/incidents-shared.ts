// What `holdfast incidents …`, `holdfast alerts report` and `holdfast drill alerts` share: the
// client of the daemon's incident loop (found like every supervisor command finds its daemon),
// the incident id argument, who is acting, and the incidents table.
import { userInfo } from 'node:os';
import type { Incident } from '@holdfast/insight';
import type { IncidentsClient } from '@holdfast/supervisor';
import { UsageError } from '../errors.ts';
import { formatDuration, textTable } from './supervisor-shared.ts';

type Flag = string | boolean | undefined;

export async function incidentsClient(values: { config?: Flag; socket?: Flag }, timeoutMs?: number): Promise<IncidentsClient> {
  const { findDaemon, IncidentsClient } = await import('@holdfast/supervisor');
  const timeout = timeoutMs ? { timeoutMs } : {};
  const s = values.socket;
  if (typeof s === 'string') {
    const token = process.env.HOLDFAST_TOKEN ? { token: process.env.HOLDFAST_TOKEN } : {};
    if (/^https?:\/\//.test(s)) return new IncidentsClient({ url: s, ...token, ...timeout });
    return new IncidentsClient({ socket: s, ...timeout });
  }
  const where = await findDaemon(typeof values.config === 'string' ? { config: values.config } : {});
  return new IncidentsClient({ ...where, ...timeout });
}

/** The one incident id a command takes. */
export function incidentId(positionals: string[], usage = 'an incident id'): number {
  if (positionals.length === 0) throw new UsageError(`name ${usage} (holdfast incidents lists them)`);
  if (positionals.length > 1) throw new UsageError(`one incident at a time, got ${positionals.join(' ')}`);
  const id = Number(positionals[0]!.replace(/^#/, ''));
  if (!Number.isSafeInteger(id) || id <= 0) {
    throw new UsageError(`'${positionals[0]}' is not an incident id (a number, as holdfast incidents shows it)`);
  }
  return id;
}

/** Who is acting: --by, else the login name. */
export function actor(by: Flag): string {
  if (typeof by === 'string' && by.trim()) return by.trim();
  try {
    return process.env.USER || userInfo().username;
  } catch {
    return 'unknown';
  }
}

export const ago = (t: number, now = Date.now()) => `${formatDuration(Math.max(0, now - t))} ago`;

export function incidentsTable(rows: Incident[], now = Date.now()): string {
  const head = ['ID', 'STATE', 'SEVERITY', 'PROGRAM', 'CATEGORY', 'COUNT', 'LAST SEEN', 'SUMMARY'];
  const body = rows.map((i) => {
    const state = i.state === 'acknowledged' ? 'acked' : i.state;
    const summary = i.summary.replace(/\s+/g, ' ').slice(0, 80);
    return [`${i.id}`, state, i.severity, i.program ?? '-', i.category, String(i.count), ago(i.lastSeen, now), summary];
  });
  return textTable(head, body);
}
