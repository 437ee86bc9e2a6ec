// Between the engine and its store: what changed since the last write, written in one batch a
// few times a second. When the store fails (a full disk, a read-only file system, the file
// deleted) the batch is kept and retried with backoff; the daemon goes on, its status says what
// is wrong, and holdfast_incident_store_errors_total counts it. A store that could not even be
// opened at start is opened again the same way.
import type { NotificationRecord } from '../notify/record.ts';
import type { Silence } from '../notify/silence.ts';
import type { HistoryEntry, Incident } from './incident.ts';
import type { IncidentStore } from './store.ts';

export interface StoreHealth {
  ok: boolean;
  location: string;
  /** The last error, while the store is failing. */
  error: string | null;
  /** Since when it has been failing (ms since the epoch). */
  failingSince: number | null;
  /** Failed writes (and opens) since the daemon started: the metric's value. */
  errors: number;
  /** Changes waiting to be written. */
  pending: { incidents: number; history: number; notifications: number };
  /** History entries dropped because the store stayed unwritable past the in-memory cap. */
  droppedHistory: number;
}

const MAX_PENDING_HISTORY = 200_000;
const MAX_BACKOFF_MS = 30_000;

export class Persister {
  store: IncidentStore | undefined;
  private readonly open: () => IncidentStore;
  private readonly location: string;
  private readonly incidents = new Set<Incident>();
  private history: HistoryEntry[] = [];
  private readonly notes = new Map<number, NotificationRecord>();
  private readonly silences = new Map<string, Silence>();
  private error: string | null = null;
  private failingSince: number | null = null;
  private errors = 0;
  private droppedHistory = 0;
  private retryAt = 0;
  private failures = 0;

  constructor(open: () => IncidentStore, location: string) {
    this.open = open;
    this.location = location;
  }

  /** Opens the store; false (and the error in health) when it cannot be opened now. */
  tryOpen(now: number): boolean {
    if (this.store) return true;
    try {
      this.store = this.open();
      return true;
    } catch (err) {
      this.fail(err, now);
      return false;
    }
  }

  incident(i: Incident): void {
    this.incidents.add(i);
  }
  record(h: HistoryEntry): void {
    this.history.push(h);
    if (this.history.length > MAX_PENDING_HISTORY) {
      const cut = this.history.length - MAX_PENDING_HISTORY;
      this.history = this.history.slice(cut);
      this.droppedHistory += cut;
    }
  }
  notification(n: NotificationRecord): void {
    this.notes.set(n.id, n);
  }
  silence(s: Silence): void {
    this.silences.set(s.id, s);
  }

  /** True when `i` has changes not yet written (it must stay in memory until they are). */
  isDirty(i: Incident): boolean {
    return this.incidents.has(i);
  }

  get dirty(): boolean {
    return this.incidents.size + this.history.length + this.notes.size + this.silences.size > 0;
  }

  private fail(err: unknown, now: number): void {
    this.errors++;
    this.failures++;
    this.error = (err as Error).message;
    this.failingSince ??= now;
    this.retryAt = now + Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(this.failures, 10));
  }

  /**
   * Writes what changed. Returns the incidents written (the engine may drop resolved ones from
   * memory), or undefined when nothing could be written now. `force` ignores the retry backoff.
   */
  flush(now: number, force = false): Incident[] | undefined {
    if (!this.dirty) return [];
    if (!force && now < this.retryAt) return undefined;
    if (!this.store && !this.tryOpen(now)) return undefined;
    const incidents = [...this.incidents];
    // Snapshots: an incident object changes again while the next batch builds.
    const batch = {
      incidents: incidents.map((i) => ({ ...i })),
      history: this.history,
      notifications: [...this.notes.values()],
      silences: [...this.silences.values()],
    };
    try {
      this.store!.write(batch);
    } catch (err) {
      this.fail(err, now);
      return undefined;
    }
    this.incidents.clear();
    this.history = [];
    this.notes.clear();
    this.silences.clear();
    this.error = null;
    this.failingSince = null;
    this.failures = 0;
    this.retryAt = 0;
    return incidents;
  }

  health(): StoreHealth {
    return {
      ok: this.error === null,
      location: this.store?.location ?? this.location,
      error: this.error,
      failingSince: this.failingSince,
      errors: this.errors,
      pending: { incidents: this.incidents.size, history: this.history.length, notifications: this.notes.size },
      droppedHistory: this.droppedHistory,
    };
  }

  /** Unwritten changes to a notification record win over the stored copy. */
  unwrittenNotifications(): NotificationRecord[] {
    return [...this.notes.values()];
  }
}
