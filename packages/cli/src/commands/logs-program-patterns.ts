// `holdfast logs <program> --patterns`: the templates the daemon's miner found in a program's
// output (docs/log-mining.md), busiest first: id, count, level, trend, first and last seen, the
// template and an example line. --json prints the daemon's answer as it is.
import type { PatternsReport, SupervisorClient } from '@holdfast/supervisor';
import { formatDuration } from './supervisor-shared.ts';

export async function printProgramPatterns(
  c: SupervisorClient,
  program: string,
  opts: { sinceMs?: number; json: boolean; top: number },
): Promise<number> {
  const report = await c.patterns(program, opts.sinceMs !== undefined ? { since: String(opts.sinceMs) } : {});
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(formatPatterns(report, Date.now(), opts.top));
  return 0;
}

export function formatPatterns(r: PatternsReport, now: number, top: number): string {
  const s = r.stats;
  const shed = s.shedLines > 0 ? `, ${s.shedLines} not mined (output came faster than the mining CPU share; the log files have them)` : '';
  let out = `${r.program}: ${r.templates.length} template(s) shown of ${s.templates}, ${s.mined} event(s) mined${shed}\n`;
  const ago = (iso: string) => `${formatDuration(now - Date.parse(iso))} ago`;
  const shown = r.templates.slice(0, top);
  const rows = shown.map((t) => [t.id, String(t.count), t.level ?? '-', t.trend, ago(t.firstSeen), ago(t.lastSeen)]);
  const head = ['ID', 'COUNT', 'LEVEL', 'TREND', 'FIRST SEEN', 'LAST SEEN'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  out += `\n${line(head)}\n`;
  shown.forEach((t, i) => {
    out += `${line(rows[i]!)}\n    ${t.template}\n    e.g. ${t.example.replace(/\s+/g, ' ').slice(0, 200)}\n`;
  });
  if (r.templates.length > top) out += `\n… ${r.templates.length - top} more (--top N, or --json for all)\n`;
  return out;
}
