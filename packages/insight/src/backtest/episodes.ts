// Alert episodes from the evaluator's state changes: each firing interval of one label set, from
// the evaluation that made it fire to the one that resolved it (open while still firing).
import type { AlertChange } from '../rules/evaluator.ts';

export interface Episode {
  alertname: string;
  labels: Record<string, string>;
  activeAt: number;
  firedAt: number;
  /** undefined: still firing at the end of the replay. */
  resolvedAt: number | undefined;
  annotations?: Record<string, string>;
}

const idOf = (c: { alertname: string; labels: Record<string, string> }) => c.alertname + JSON.stringify(Object.entries(c.labels).sort());

export class EpisodeLog {
  readonly episodes: Episode[] = [];
  readonly #open = new Map<string, Episode>();

  add(changes: readonly AlertChange[]): void {
    for (const c of changes) {
      if (c.effect.type === 'firing') {
        const e: Episode = {
          alertname: c.alertname,
          labels: c.labels,
          activeAt: c.effect.activeAt,
          firedAt: c.effect.at,
          resolvedAt: undefined,
          ...(c.annotations ? { annotations: c.annotations } : {}),
        };
        this.episodes.push(e);
        this.#open.set(idOf(c), e);
      } else if (c.effect.type === 'resolved') {
        const id = idOf(c);
        const e = this.#open.get(id);
        if (e) {
          e.resolvedAt = c.effect.at;
          this.#open.delete(id);
        }
      }
    }
  }
}
