// The log miner's pattern-change signals (mining/detector.ts) as incident signals: a new template
// at warn or above (or once the program had settled), a template bursting over its baseline. The
// template id groups them, so a burst of one error template is one incident however long it lasts.
import type { PatternSignal } from '../mining/detector.ts';
import type { Severity, Signal } from './signal.ts';

/** pino's numeric levels onto incident severities (-1: the line carried none). */
function severityOf(level: number): Severity {
  if (level >= 60) return 'critical';
  if (level >= 50) return 'error';
  if (level >= 40) return 'warning';
  return 'info';
}

export function signalFromPattern(s: PatternSignal, program: string, instance?: string): Signal {
  const base = { at: s.at, program, ...(instance ? { instance } : {}), severity: severityOf(s.level), template: { id: s.id, text: s.template } };
  if (s.type === 'template.new') {
    return { ...base, kind: 'template.new', summary: `new log pattern in ${program}: ${s.example.slice(0, 500)}`, details: { reason: s.reason, level: s.level } };
  }
  const factor = s.baselineCount > 0 ? Math.round((s.windowCount / s.baselineCount) * 10) / 10 : null;
  return {
    ...base,
    kind: 'template.burst',
    summary: `${program}: '${s.template.slice(0, 300)}' ${s.windowCount} times in ${Math.round(s.windowMs / 1000)} s${factor !== null ? ` (${factor}× its baseline)` : ''}`,
    details: { windowCount: s.windowCount, baselineCount: s.baselineCount, windowMs: s.windowMs },
  };
}
