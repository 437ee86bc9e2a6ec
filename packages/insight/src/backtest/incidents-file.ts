// The labelled incidents of a recorded replay, as JSON: [{ "id", "start", "end", "labels", "shape" }]
// with times as RFC 3339 strings or milliseconds since the epoch. Every problem is reported at once.
import { InsightError } from '../errors.ts';
import type { LabelledIncident } from './score.ts';

function time(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return Date.parse(v);
  return undefined;
}

export function parseIncidents(text: string, file = 'incidents.json'): LabelledIncident[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new InsightError('HOLDFAST_E_REPLAY', `${file}: not JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(data)) throw new InsightError('HOLDFAST_E_REPLAY', `${file}: expected a list of incidents`);
  const problems: string[] = [];
  const out = data.map((raw, i): LabelledIncident => {
    const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const start = time(r.start);
    const end = time(r.end);
    if (start === undefined) problems.push(`[${i}].start: a time (RFC 3339 or ms) is required`);
    if (end === undefined) problems.push(`[${i}].end: a time (RFC 3339 or ms) is required`);
    if (start !== undefined && end !== undefined && end <= start) problems.push(`[${i}].end: must be after start`);
    const labels = r.labels ?? {};
    if (typeof labels !== 'object' || labels === null || Object.values(labels).some((v) => typeof v !== 'string'))
      problems.push(`[${i}].labels: a map of label names to strings`);
    return {
      id: typeof r.id === 'string' ? r.id : `incident-${i + 1}`,
      start: start ?? 0,
      end: end ?? 0,
      labels: labels as Record<string, string>,
      ...(typeof r.shape === 'string' ? { shape: r.shape } : {}),
    };
  });
  if (problems.length) throw new InsightError('HOLDFAST_E_REPLAY', `${file}: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  return out;
}
