// Failover events as incident signals (docs/incidents.md § Signals): a promotion, a fence that
// fired, a drill that failed. Pure: events in, signals out; the forwarder sends them.
//
// Grouping: every signal carries the labels {cluster, resource} and nothing else that
// identifies, so the supervisor's fingerprint (kind + labels) makes one incident per
// (cluster, resource, kind): every failover of cluster 'db' counts into one promotion incident,
// whichever node won. The node is the `instance` (shown, never grouped on); the rest is in
// `details`. Each signal has an `id` stable across retries (the term's fencing token names a
// promotion or a fence once), so a retry after a lost answer is not counted twice.
import type { Severity, Signal } from '@holdfast/supervisor/client';
import type { PreviousTerm } from '../coordinator/coordinator.ts';
import type { AgentEvent } from '../agent-types.ts';
import { drillPassed } from '../drill/summary.ts';
import type { DrillResult } from '../drill/drill.ts';

export interface SignalContext {
  cluster: string;
  node: string;
  /** Wall-clock ms: when the event happened (a signal queued through an outage keeps it). */
  now: () => number;
}

/** Turns the agent's events into signals; remembers what an `elected` said until its `promoted`. */
export class EventSignals {
  readonly #ctx: SignalContext;
  readonly #terms = new Map<number, { previous: PreviousTerm | null; fenceSkipped: boolean; fenceHook: boolean }>();

  constructor(ctx: SignalContext) {
    this.#ctx = ctx;
  }

  /** The signal an event raises, if any. */
  signalFor(e: AgentEvent): Signal | undefined {
    const { cluster, node } = this.#ctx;
    switch (e.type) {
      case 'elected':
        this.#terms.clear(); // one term in flight at a time
        this.#terms.set(e.token, { previous: e.previous, fenceSkipped: false, fenceHook: false });
        return undefined;
      case 'fence-skipped':
      case 'fence-hook': {
        const t = [...this.#terms.values()].at(-1);
        if (t) t[e.type === 'fence-hook' ? 'fenceHook' : 'fenceSkipped'] = true;
        return undefined;
      }
      case 'promoted': {
        const t = this.#terms.get(e.token) ?? { previous: null, fenceSkipped: false, fenceHook: false };
        this.#terms.delete(e.token);
        return this.#signal('failover.promotion', 'leader', `${node}/promotion/${e.token}`, {
          ...promotion(node, cluster, e.token, t.previous, t.fenceSkipped),
          details: {
            node,
            token: e.token,
            tookMs: e.tookMs,
            previous: t.previous ? { node: t.previous.node, token: t.previous.token, expired: t.previous.expired } : null,
            ...(t.fenceHook ? { fenceHook: true } : {}),
          },
        });
      }
      case 'fence-fired':
        return this.#signal('failover.fence', 'fence', `${node}/fence/${e.token}`, {
          summary: `the fence fired on ${node} of cluster '${cluster}' (term ${e.token}): ${e.reason}`,
          severity: 'critical',
          details: { node, token: e.token, reason: e.reason },
        });
      default:
        return undefined;
    }
  }

  #signal(kind: Signal['kind'], resource: string, id: string, rest: Pick<Signal, 'summary' | 'severity' | 'details'>): Signal {
    const { cluster, node } = this.#ctx;
    return { kind, at: this.#ctx.now(), labels: { cluster, resource }, instance: node, id: `${cluster}/${id}`, ...rest };
  }
}

function promotion(
  node: string,
  cluster: string,
  token: number,
  previous: PreviousTerm | null,
  fenceSkipped: boolean,
): { summary: string; severity: Severity } {
  const leads = `${node} leads cluster '${cluster}' (token ${token})`;
  if (!previous) return { summary: `${leads}: the first leader`, severity: 'info' };
  // The previous leader lost its lease instead of handing over: an unplanned failover. A term of
  // this node's own that it never used (fence-skipped) is no failover.
  if (previous.expired && !fenceSkipped)
    return { summary: `${leads}: ${previous.node}'s lease (token ${previous.token}) expired`, severity: 'warning' };
  return { summary: `${leads}: ${previous.node} handed over (token ${previous.token})`, severity: 'info' };
}

/**
 * A failed drill (not passed, or one that could not finish) as a signal. One incident per fault
 * kind: labels {cluster: 'drill', resource: 'drill:<fault>'}. Critical when safety failed (two
 * VIP holders, leadership overlapping past its bound, tokens not increasing), else warning.
 */
export function drillFailedSignal(
  o: { fault: string; profile: string; id: string; at: number } & ({ result: DrillResult } | { error: Error }),
): Signal {
  const labels = { cluster: 'drill', resource: `drill:${o.fault}` };
  const base = { kind: 'failover.drill_failed' as const, at: o.at, labels, id: `drill/${o.id}` };
  if ('error' in o) {
    const logs = (o.error as { logs?: string }).logs;
    return {
      ...base,
      // The message says it could not finish ("the failover drill did not complete: …").
      summary: `failover drill ${o.fault}/${o.profile}: ${o.error.message}`.slice(0, 4000),
      severity: 'warning',
      details: { fault: o.fault, profile: o.profile, error: o.error.message, ...(logs ? { logs } : {}) },
    };
  }
  const r = o.result;
  const why = drillPassed(r).why;
  const unsafe =
    r.overlaps > 0 ||
    !r.tokens_increase ||
    (r.overlap_bound_ms !== undefined ? r.overlap_ms > r.overlap_bound_ms : r.leadership_overlaps > 0);
  return {
    ...base,
    summary: `failover drill ${o.fault}/${o.profile} failed: ${why.join('; ')}`.slice(0, 4000),
    severity: unsafe ? 'critical' : 'warning',
    details: { ...r },
  };
}
