// The log miner's pattern-change signals (mining/detector.ts) as incident signals: a new template
// at error or above, a template at warn or above bursting over its baseline. The template id groups
// them, so a burst of one error template is one incident however long it lasts. The miner reports
// more (a new warning, a new line once the program settled, a burst of info lines): every program
// logs new warnings as it starts and bursts of request lines with its traffic, which are no faults;
// those stay on the event stream and in `holdfast logs --patterns`.
import type { PatternSignal } from '../mining/detector.ts';
import type { Severity, Signal } from './signal.ts';

/** pino's numeric levels onto incident severities (-1: the line carried none). */
function severityOf(level: number): Severity {
  if (level >= 60) return 'critical';
  if (level >= 50) return 'error';
  if (level >= 40) return 'warning';
  return 'info';
}

/** Whether a pattern signal is an incident signal: new error templates, bursts of warnings and errors. */
export function patternIsIncident(s: PatternSignal): boolean {
  return s.level >= (s.type === 'template.new' ? 50 : 40);
}

export function signalFromPattern(s: PatternSignal, program: string, instance?: string): Signal {
  const base = {
    at: s.at,
    program,
    ...(instance ? { instance } : {}),
    severity: severityOf(s.level),
    template: { id: s.id, text: s.template },
  };
  if (s.type === 'template.new') {
    return {
      ...base,
      kind: 'template.new',
      summary: `new log pattern in ${program}: ${s.example.slice(0, 500)}`,
      details: { reason: s.reason, level: s.level },
    };
  }
  const factor = s.baselineCount > 0 ? Math.round((s.windowCount / s.baselineCount) * 10) / 10 : null;
  return {
    ...base,
    kind: 'template.burst',
    summary:
      `${program}: ` +
      `'${s.template.slice(0, 300)}' ${s.windowCount} times ` +
      `in ${Math.round(s.windowMs / 1000)} ` +
      `s${factor !== null ? ` (${factor}× its baseline)` : ''}`,
    details: { windowCount: s.windowCount, baselineCount: s.baselineCount, windowMs: s.windowMs },
  };
}
