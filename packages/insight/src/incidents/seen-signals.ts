// Idempotent ingest. A sender that retries after a lost answer (the failover agent's queue, a
// webhook relay) sends the same signal again under the same `id`; it must not count twice. Two
// memories answer "was this one counted?": a bounded map of recent ids (any incident, this
// daemon's lifetime), and the incident's own latest occurrences, which are stored with the
// incident in the same write as its count, so a retry across a daemon restart is recognised
// exactly when the first delivery was stored.
import type { Incident } from './incident.ts';

export class SeenSignals {
  readonly #ids = new Map<string, number>();
  readonly #max: number;

  constructor(max = 10_000) {
    this.#max = max;
  }

  /** The incident a signal with this id was counted into, if this daemon saw it lately. */
  incidentOf(id: string): number | undefined {
    return this.#ids.get(id);
  }

  remember(id: string, incidentId: number): void {
    if (this.#ids.size >= this.#max) this.#ids.delete(this.#ids.keys().next().value!); // the oldest
    this.#ids.set(id, incidentId);
  }
}

/** Whether one of the incident's kept occurrences carried this id. */
export const occurredIn = (inc: Incident, id: string): boolean => inc.recent.some((o) => o.id === id);
