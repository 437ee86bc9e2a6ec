// The request-protection part of `holdfast status`: per instance, each cluster rule's mode (and in
// local fallback the share it enforces) and each adaptive rule's learned limit within its bounds.
import type { GuardInstanceStatus, GuardRuleStatus, GuardStatus } from '@holdfast/supervisor';
import { formatDuration, textTable } from './supervisor-shared.ts';

/** Values older than this say how old they are. */
const STALE_MS = 2000;

const num = (n: number): string => String(Math.round(n * 10) / 10);

function modeText(r: GuardRuleStatus): string {
  if (r.mode === 'fallback') return 'local fallback';
  if (r.mode === 'cluster') return 'cluster';
  return r.strategy ?? 'local';
}

function limitText(r: GuardRuleStatus, live: number | null): string {
  const replicas = live === null ? '' : `${live} live replica${live === 1 ? '' : 's'}`;
  if (r.strategy === 'adaptive') {
    const bounds = r.minLimit !== null && r.maxLimit !== null ? ` (min ${num(r.minLimit)}, max ${num(r.maxLimit)})` : '';
    return `${r.limit === null ? '?' : num(r.limit)} in flight${bounds}`;
  }
  const t = r.threshold;
  if (r.kind === 'hotspot') {
    if (t === null) return '';
    if (r.mode === 'fallback' && live !== null) return `each key ${num(t / live)} = ${num(t)} ÷ ${replicas}`;
    return `${num(t)} per key across ${replicas || 'the replicas'}`;
  }
  if (r.mode === 'cluster') return t === null ? '' : `${num(t)} across ${replicas || 'the replicas'}`;
  if (r.mode === 'fallback' && r.limit !== null && t !== null && live !== null) {
    // The share is the replica's part of the traffic (never below a quarter of an even share): say so when it is not even.
    const even = t / live;
    return Math.abs(r.limit - even) < 0.5
      ? `${num(r.limit)} = ${num(t)} ÷ ${replicas}`
      : `${num(r.limit)} of ${num(t)} (its share of the traffic, ${replicas})`;
  }
  return r.limit === null ? '' : num(r.limit);
}

function rowsOf(i: GuardInstanceStatus): string[][] {
  const stale = i.ageMs !== null && (i.error !== null || i.ageMs > STALE_MS) ? ` (read ${formatDuration(i.ageMs)} ago)` : '';
  const rows = i.rules.map((r) => [i.id, r.rule, r.resource, modeText(r), limitText(r, i.liveReplicas) + stale]);
  if (i.error !== null) rows.unshift([i.id, i.error]);
  return rows;
}

/** The table, or '' when no program has a cluster or adaptive rule (or unreadable guard metrics). */
export function guardTable(programs: readonly GuardStatus[]): string {
  const body = programs.flatMap((p) => p.instances.flatMap(rowsOf));
  if (body.length === 0) return '';
  return textTable(['GUARD', 'RULE', 'RESOURCE', 'MODE', 'LIMIT'], body);
}
