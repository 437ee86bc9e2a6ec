// What a series of drills adds up to, and whether one drill passed the bar of the issue:
// the VIP answers again within TTL + 3 s, never two holders, no overlapping leadership,
// tokens increasing, clients back on the holder after the heal. A revoked lease is the one fault
// the lease cannot cover: there two leadership windows may meet, for no longer than the bound
// docs/failover.md gives (overlap_bound_ms); two VIP holders are still a failure.
import { median } from './stats.ts';
import type { DrillResult } from './drill.ts';

export function drillPassed(r: DrillResult): { ok: boolean; why: string[] } {
  const why: string[] = [];
  if (r.error) why.push(`failed: ${r.error}`);
  if (r.recovery_s === null) why.push('the VIP never answered from a new holder');
  else if (r.recovery_s > r.ttl_s + 3) why.push(`recovery ${r.recovery_s} s exceeds TTL + 3 s (${r.ttl_s + 3} s)`);
  if (r.overlaps > 0) why.push(`${r.overlaps} sample(s) with two VIP holders`);
  if (r.overlap_bound_ms !== undefined) {
    if (r.overlap_ms > r.overlap_bound_ms)
      why.push(`leadership windows overlapped ${r.overlap_ms} ms, more than the ${r.overlap_bound_ms} ms bound`);
  } else if (r.leadership_overlaps > 0) why.push(`${r.leadership_overlaps} overlapping leadership window(s)`);
  if (!r.tokens_increase) why.push(`tokens did not increase: ${r.tokens.join(', ')}`);
  if (!r.heal_ok) why.push('after the heal, clients did not all reach the VIP holder');
  return { ok: why.length === 0, why };
}

export interface DrillSummary {
  fault: string;
  profile: string;
  runs: number;
  passed: number;
  recovery_s: number | null;
  recovery_min_s: number | null;
  recovery_max_s: number | null;
  failed_polls: number;
  overlaps: number;
  leadership_overlaps: number;
  /** Longest overlap of one drill, ms. */
  overlap_max_ms: number;
  tokens_increase: boolean;
  heal_ok: boolean;
}

/** Median/min/max recovery, totals of failures and overlaps (runs of one fault and profile). */
export function summarizeDrills(results: DrillResult[]): DrillSummary {
  const rec = results.map((r) => r.recovery_s).filter((x): x is number => x !== null);
  return {
    fault: results[0]?.fault ?? '',
    profile: results[0]?.profile ?? '',
    runs: results.length,
    passed: results.filter((r) => drillPassed(r).ok).length,
    recovery_s: rec.length ? median(rec) : null,
    recovery_min_s: rec.length ? Math.min(...rec) : null,
    recovery_max_s: rec.length ? Math.max(...rec) : null,
    failed_polls: results.reduce((s, r) => s + r.failed_polls, 0),
    overlaps: results.reduce((s, r) => s + r.overlaps, 0),
    leadership_overlaps: results.reduce((s, r) => s + r.leadership_overlaps, 0),
    overlap_max_ms: Math.max(0, ...results.map((r) => r.overlap_ms ?? 0)),
    tokens_increase: results.every((r) => r.tokens_increase),
    heal_ok: results.every((r) => r.heal_ok),
  };
}
