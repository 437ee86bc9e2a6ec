// The states of one incident and what moves it between them. Data only: the transition function
// lives in machine.ts, the I/O that carries out effects (store, notifications, actions) in the
// engine. Time comes in through the context, never from Date.

export const INCIDENT_STATES = ['open', 'acknowledged', 'resolved'] as const;
export type IncidentStateName = (typeof INCIDENT_STATES)[number];

/** How an incident was resolved. */
export type Resolution =
  | 'manual' // someone resolved it (`holdfast incidents resolve`)
  | 'quiet' // no occurrence for the quiet period
  | 'source' // the source said it is over (an alert resolved, a breaker closed)
  | 'invalid'; // someone marked it not valid: it counts against the rule that raised it

export interface IncidentState {
  state: IncidentStateName;
  /** When the current state was entered. */
  since: number;
  firstSeen: number;
  lastSeen: number;
  /** Occurrences (signals grouped into it), over its whole life. */
  count: number;
  /** When it was opened, or last reopened. */
  openedAt: number;
  /** Times it came back after being resolved. */
  reopened: number;
  ackedAt?: number;
  ackedBy?: string;
  resolvedAt?: number;
  resolution?: Resolution;
  resolvedBy?: string;
  /** What the person who resolved it found ("--cause"). */
  cause?: string;
  invalidReason?: string;
  /** While open or acknowledged: when it resolves itself if nothing else happens. */
  quietAt?: number;
}

export type IncidentEvent =
  | { type: 'occurred'; at: number }
  | { type: 'ack'; by?: string }
  | { type: 'resolve'; by?: string; cause?: string }
  | { type: 'invalid'; reason: string; by?: string }
  | { type: 'sourceResolved' }
  | { type: 'timer' };

export type IncidentEventType = IncidentEvent['type'];
export const INCIDENT_EVENT_TYPES: readonly IncidentEventType[] = ['occurred', 'ack', 'resolve', 'invalid', 'sourceResolved', 'timer'];

/** What an incident's history records, and what `holdfast alerts report` counts per rule. */
export type HistoryKind = 'opened' | 'reopened' | 'acknowledged' | 'resolved' | 'invalid';

export type IncidentEffect =
  /** Tell the on-call: the receivers' trigger / acknowledge / resolve. */
  | { type: 'notify'; action: 'trigger' | 'acknowledge' | 'resolve' }
  /** Append to the incident's history. */
  /** `afterMs`: for acknowledged, the time since it opened; for reopened, since it was resolved. */
  | { type: 'record'; what: HistoryKind; detail?: string; afterMs?: number }
  /** Auto-resolve at `at` unless something happens first. */
  | { type: 'setTimer'; at: number }
  | { type: 'clearTimer' }
  /** Carry out the knowledge base's action (restart a program); on open and reopen only. */
  | { type: 'act' };

export interface IncidentContext {
  now: number;
  /** Quiet period after which an open or acknowledged incident resolves itself. */
  quietMs: number;
}

export interface IncidentTransition {
  next: IncidentState;
  effects: IncidentEffect[];
}
