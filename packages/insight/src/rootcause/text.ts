// A ranking in words, for `holdfast explain` and for each incident: the probable cause with its
// reasons, the affected services with the path to it, and the guide's table (each service's
// figures beside its callers'), so a person sees why without reading JSON.
import { count, ms, pct, ratio } from './assess.ts';
import type { Candidate, Ranking } from './types.ts';

function span(r: Ranking): string {
  const min = Math.round((r.to - r.from) / 60_000);
  const time = (t: number) => new Date(t).toISOString().slice(11, 19);
  return `${time(r.from)}–${time(r.to)} UTC, ${min >= 1 ? `${min} min` : `${Math.round((r.to - r.from) / 1000)} s`}`;
}

/** One line: the probable cause and why, or that nothing stands out. */
export function headline(r: Ranking): string {
  const top = r.candidates[0];
  if (!top || top.role !== 'cause')
    return r.elevated.length
      ? `no probable cause: ${r.elevated.map((e) => e.program).join(', ')} slightly off, nothing abnormal`
      : 'no probable cause: every service looks normal';
  const affected = r.candidates.filter((c) => c.role === 'affected').map((c) => c.program);
  const others = r.candidates.filter((c) => c.role === 'cause' && c !== top).map((c) => c.program);
  return (
    `probable cause: ${top.program} ` +
    `(${top.why})${
      affected.length ? `; ` + `affected: ${affected.join(', ')}` : ''
    }${others.length ? `; also abnormal on its own: ${others.join(', ')}` : ''}`
  );
}

function row(cells: string[], widths: number[]): string {
  return cells
    .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
    .join('  ')
    .trimEnd();
}

function figuresRow(c: Pick<Candidate, 'program' | 'current' | 'baseline'>, role: string): string[] {
  const f = c.current;
  const b = c.baseline;
  const rate = f && f.seconds > 0 ? (f.requests / f.seconds).toFixed(f.requests / f.seconds >= 100 ? 0 : 1) : '–';
  const before = b && b.requests > 0 ? `${pct(ratio(b))}${b.meanSeconds !== undefined ? `, ${ms(b.meanSeconds)}` : ''}` : '–';
  return [
    c.program,
    role,
    f ? count(f.requests) : '–',
    rate,
    f ? pct(ratio(f)) : '–',
    f?.meanSeconds !== undefined ? ms(f.meanSeconds) : '–',
    before,
  ];
}

/** The whole ranking as text (several lines, no trailing newline). */
export function formatRanking(r: Ranking): string {
  const lines: string[] = [`${headline(r)}`, '', `window: ${span(r)}`];
  if (r.candidates.length) {
    lines.push('');
    r.candidates.forEach((c, i) =>
      lines.push(`${i + 1}. ${c.program} (${c.role}${c.role === 'cause' ? `, score ${c.score}` : ''}): ${c.why}`),
    );
  }
  const rows = [['service', 'role', 'requests', 'req/s', 'errors', 'mean', 'before (errors, mean)']];
  for (const c of r.candidates) rows.push(figuresRow(c, c.role));
  const listed = new Set(r.candidates.map((c) => c.program));
  for (const s of r.services)
    if (!listed.has(s.program))
      rows.push(
        figuresRow(s, s.status === 'abnormal' || s.status === 'elevated' ? 'off' : s.status === 'unknown' ? 'no figures' : 'healthy'),
      );
  if (rows.length > 1) {
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((x) => x[i]!.length)));
    lines.push('', ...rows.map((x) => row(x, widths)));
  }
  const logs = r.candidates.filter((c) => c.logs.length);
  if (logs.length) {
    lines.push('', 'logs in the window:');
    for (const c of logs)
      for (const l of [...c.logs].sort((a, b) => b.count - a.count).slice(0, 5))
        lines.push(`  ${c.program}: ${l.kind} ×${l.count}  ${l.text}`);
  }
  if (r.edges.length) lines.push('', `calls: ${r.edges.map((e) => `${e.from} → ${e.to} (${e.via.join(', ')})`).join('; ')}`);
  if (r.unknown.length) lines.push(`no figures for: ${r.unknown.join(', ')}`);
  return lines.join('\n');
}
