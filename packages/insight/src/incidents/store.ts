// The incident store's interface: what the engine needs from durable storage. SQLite
// (sqlite-store.ts) is the default; another backend implements this and nothing else changes.
// Writes come in batches (one transaction each): a batch is stored whole or not at all, and a
// failed batch is retried by the engine, so a full disk loses nothing and half-writes nothing.
import type { HistoryEntry, Incident } from './incident.ts';
import type { IncidentStateName } from './states.ts';
import type { NotificationRecord } from '../notify/record.ts';
import type { Silence } from '../notify/silence.ts';

export interface IncidentFilter {
  state?: IncidentStateName | 'live';
  program?: string;
  rule?: string;
  /** Incidents seen at or after this time. */
  since?: number;
  limit?: number;
  /** Include drill incidents (default: only with `drill: true`, only drills; undefined: both). */
  drill?: boolean;
}

export interface NotificationFilter {
  incidentId?: number;
  status?: NotificationRecord['status'];
  limit?: number;
}

/** Per-rule counts over a window, for `holdfast alerts report`. */
export interface RuleHistoryRow {
  rule: string;
  opened: number;
  reopened: number;
  acknowledged: number;
  invalid: number;
  resolved: number;
  /** Of those resolved: by the quiet period (nobody did anything). */
  resolvedQuiet: number;
  /** Time from (re)opening to acknowledgement, ms, for each acknowledgement in the window. */
  ackTimes: number[];
  /** Time from resolution to reopening, ms, for each reopening in the window. */
  reopenGaps: number[];
}

export interface WriteBatch {
  incidents: Incident[];
  history: HistoryEntry[];
  notifications: NotificationRecord[];
  silences: Silence[];
}

export interface IncidentStore {
  /** Where it keeps its data (shown in status). */
  readonly location: string;
  /** The incidents still open or acknowledged, the highest ids handed out, and deliveries not yet done. */
  loadLive(): {
    incidents: Incident[];
    nextIncidentId: number;
    nextNotificationId: number;
    pending: NotificationRecord[];
    silences: Silence[];
  };
  byDedupKey(key: string): Incident | undefined;
  get(id: number): Incident | undefined;
  list(filter: IncidentFilter): Incident[];
  history(incidentId: number): HistoryEntry[];
  notifications(filter: NotificationFilter): NotificationRecord[];
  ruleHistory(since: number): RuleHistoryRow[];
  /** One transaction: all of it is stored, or none of it and it throws. */
  write(batch: WriteBatch): void;
  close(): void;
}
