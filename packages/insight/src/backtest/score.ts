// Scoring alert episodes against labelled incidents, the way the SRE workbook asks alerts to be
// judged: precision (alerts that meant something), recall (incidents that were alerted),
// false alerts per week, detection delay. An episode belongs to an incident when its labels
// include the incident's and it is firing at some point between the incident's start and its end
// plus a grace period (a band that overshoots right after a recovery is still that incident).
import type { Episode } from './episodes.ts';

export interface LabelledIncident {
  id: string;
  labels: Record<string, string>;
  start: number;
  end: number;
  shape?: string;
}

export interface Score {
  alerts: number;
  trueAlerts: number;
  falseAlerts: number;
  falseAlertsPerWeek: number;
  /** true alerts / alerts (1 when there were no alerts). */
  precision: number;
  incidents: number;
  detected: number;
  /** detected / incidents (1 when there were no incidents). */
  recall: number;
  /** Minutes from incident start to the first firing alert, per detected incident. */
  delaysMinutes: number[];
  medianDelayMinutes: number | null;
  recallByShape: Record<string, { incidents: number; detected: number }>;
  missed: string[];
  /** First firing time per detected incident id. */
  firstFiring: Record<string, number>;
}

export interface ScoreOptions {
  /** Alerts firing before this are ignored (the baselines are still learning). */
  from: number;
  to: number;
  graceMs: number;
}

const WEEK = 7 * 24 * 3_600_000;
const covers = (episode: Episode, incident: LabelledIncident) => Object.entries(incident.labels).every(([k, v]) => episode.labels[k] === v);

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function scoreEpisodes(all: readonly Episode[], incidents: readonly LabelledIncident[], o: ScoreOptions): Score {
  const episodes = all.filter((e) => e.firedAt >= o.from && e.firedAt <= o.to);
  const scored = incidents.filter((i) => i.start >= o.from && i.start <= o.to);
  let trueAlerts = 0;
  const firstFiring = new Map<string, number>();
  for (const e of episodes) {
    const end = e.resolvedAt ?? Infinity;
    let attributed = false;
    for (const i of scored) {
      if (!covers(e, i) || e.firedAt > i.end + o.graceMs || end <= i.start) continue;
      attributed = true;
      const at = Math.max(e.firedAt, i.start);
      if (at <= i.end + o.graceMs) firstFiring.set(i.id, Math.min(firstFiring.get(i.id) ?? Infinity, at));
    }
    if (attributed) trueAlerts++;
  }
  const delays = scored.filter((i) => firstFiring.has(i.id)).map((i) => (firstFiring.get(i.id)! - i.start) / 60_000);
  const byShape: Score['recallByShape'] = {};
  for (const i of scored) {
    const shape = i.shape ?? 'incident';
    const s = (byShape[shape] ??= { incidents: 0, detected: 0 });
    s.incidents++;
    if (firstFiring.has(i.id)) s.detected++;
  }
  const falseAlerts = episodes.length - trueAlerts;
  return {
    alerts: episodes.length,
    trueAlerts,
    falseAlerts,
    falseAlertsPerWeek: falseAlerts / ((o.to - o.from) / WEEK),
    precision: episodes.length ? trueAlerts / episodes.length : 1,
    incidents: scored.length,
    detected: firstFiring.size,
    recall: scored.length ? firstFiring.size / scored.length : 1,
    delaysMinutes: delays,
    medianDelayMinutes: median(delays),
    recallByShape: byShape,
    missed: scored.filter((i) => !firstFiring.has(i.id)).map((i) => i.id),
    firstFiring: Object.fromEntries(firstFiring),
  };
}
