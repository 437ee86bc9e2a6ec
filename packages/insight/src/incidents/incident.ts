// An incident as the engine, the store and the API see it: the state machine's state plus what
// it is (classification), where it came from (the first signal) and what recent ones said.
import type { Classification } from '../knowledge/classify.ts';
import type { ProbableCause } from '../rootcause/types.ts';
import type { Grouping } from './fingerprint.ts';
import type { Signal, SignalKind, SignalSource } from './signal.ts';
import type { HistoryKind, IncidentState } from './states.ts';

export interface Occurrence {
  at: number;
  summary: string;
  instance?: string;
  /** The signal's idempotency key: a retry of it is recognised after a daemon restart too. */
  id?: string;
}

export interface Incident extends IncidentState, Omit<Classification, 'fingerprint'> {
  id: number;
  dedupKey: string;
  grouping: Omit<Grouping, 'dedupKey'>;
  kind: SignalKind;
  source: SignalSource;
  program?: string;
  /** From the first signal. */
  summary: string;
  labels: Record<string, string>;
  template?: { id: string; text: string };
  error?: { type?: string; code?: string; message?: string };
  /** The latest few occurrences, newest last. */
  recent: Occurrence[];
  /** Set for incidents a drill raised (`holdfast drill alerts`). */
  drill?: boolean;
  /** The root-cause ranking over the programs' metrics while it was open (with a `scrape:` section). */
  probableCause?: ProbableCause;
}

export interface HistoryEntry {
  incidentId: number;
  rule: string;
  at: number;
  what: HistoryKind;
  detail?: string;
  afterMs?: number;
}

export const RECENT_MAX = 5;

/** The descriptive part of a new incident, taken from its first signal. */
export function describeFrom(
  s: Signal,
): Pick<Incident, 'kind' | 'summary' | 'labels' | 'recent'> & Partial<Pick<Incident, 'program' | 'template' | 'error' | 'drill'>> {
  const d: ReturnType<typeof describeFrom> = { kind: s.kind, summary: s.summary, labels: s.labels ?? {}, recent: [] };
  if (s.program !== undefined) d.program = s.program;
  if (s.template) d.template = s.template;
  if (s.error) {
    const { type, code, message } = s.error;
    d.error = { ...(type ? { type } : {}), ...(code ? { code } : {}), ...(message ? { message: message.slice(0, 1000) } : {}) };
  }
  if (s.kind === 'drill.synthetic' || s.labels?.drill === 'true') d.drill = true;
  return d;
}
