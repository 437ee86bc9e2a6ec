// The miner's metrics in the Prometheus exposition format, appended to the daemon's /metrics
// (docs/log-mining.md lists them): pure, from each mined program's counters.
import type { ProgramMinerStats } from '@holdfast/insight/mining';
import type { TemplateCounters } from './template-counters.ts';

export interface MinedProgramFigures {
  program: string;
  stats: ProgramMinerStats;
  templates: number;
  counters: TemplateCounters;
}

const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const fam = (name: string, type: string, help: string, rows: string[]) =>
  `# HELP ${name} ${help}\n# TYPE ${name} ${type}${rows.length ? '\n' : ''}${rows.join('\n')}`;

export function miningMetrics(programs: readonly MinedProgramFigures[], miningMs: number): string {
  const lines: string[] = [];
  const templates: string[] = [];
  const count: string[] = [];
  const shed: string[] = [];
  const shedBytes: string[] = [];
  const bad: string[] = [];
  for (const m of programs) {
    const p = esc(m.program);
    const s = m.stats;
    for (const [level, n] of Object.entries(s.byLevel)) lines.push(`holdfast_log_lines_total{program="${p}",level="${esc(level)}"} ${n}`);
    for (const [id, n] of m.counters.rows()) templates.push(`holdfast_log_template_lines_total{program="${p}",template="${esc(id)}"} ${n}`);
    count.push(`holdfast_log_templates{program="${p}"} ${m.templates}`);
    shed.push(`holdfast_log_shed_lines_total{program="${p}"} ${Math.round(s.skippedLines) + s.shed}`);
    shedBytes.push(`holdfast_log_shed_bytes_total{program="${p}"} ${s.skippedBytes}`);
    bad.push(
      `holdfast_log_bad_lines_total{program="${p}",reason="truncated"} ${s.truncated}`,
      `holdfast_log_bad_lines_total{program="${p}",reason="invalid_utf8"} ${s.invalidUtf8}`,
      `holdfast_log_bad_lines_total{program="${p}",reason="binary"} ${s.binary}`,
    );
  }
  return [
    fam(
      'holdfast_log_lines_total',
      'counter',
      'Log events read from each program (a stack trace is one), by level (none: the line carried no level)',
      lines,
    ),
    fam(
      'holdfast_log_template_lines_total',
      'counter',
      'Log events per template: the fastest templates of each program have their own series, the rest count as other',
      templates,
    ),
    fam('holdfast_log_templates', 'gauge', 'Templates the miner holds per program', count),
    fam(
      'holdfast_log_shed_lines_total',
      'counter',
      'Lines not mined because output came faster than the mining CPU share (sampling; estimated from the mean line ' +
        'length); they are in the log files',
      shed,
    ),
    fam('holdfast_log_shed_bytes_total', 'counter', 'Bytes of output not mined (sampling); they are in the log files', shedBytes),
    fam('holdfast_log_bad_lines_total', 'counter', 'Lines cut at the line limit, holding invalid UTF-8, or skipped as binary', bad),
    fam('holdfast_log_mining_seconds_total', 'counter', 'CPU time the daemon spent mining', [
      `holdfast_log_mining_seconds_total ${(miningMs / 1000).toFixed(3)}`,
    ]),
  ].join('\n\n');
}
