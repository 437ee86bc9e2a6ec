// Severity levels on pino's scale (trace 10 … fatal 60), from whatever a line carries: pino and
// bunyan numbers, slog/zap/structlog/logrus names, syslog words, logcat letters.

export const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
export type LevelName = keyof typeof LEVELS;
export const NO_LEVEL = -1;

const byWord = new Map<string, number>([
  ['trace', 10],
  ['verbose', 10],
  ['finest', 10],
  ['finer', 10],
  ['debug', 20],
  ['dbug', 20],
  ['fine', 20],
  ['config', 20],
  ['info', 30],
  ['information', 30],
  ['informational', 30],
  ['notice', 30],
  ['inf', 30],
  ['warn', 40],
  ['warning', 40],
  ['wrn', 40],
  ['error', 50],
  ['err', 50],
  ['eror', 50],
  ['severe', 50],
  ['fatal', 60],
  ['critical', 60],
  ['crit', 60],
  ['alert', 60],
  ['emerg', 60],
  ['emergency', 60],
  ['panic', 60],
  ['dpanic', 60],
]);

// The spellings loggers print (info, INFO, Info) answer without a lowercase copy of the word.
for (const [w, n] of [...byWord]) {
  byWord.set(w.toUpperCase(), n);
  byWord.set(w[0]!.toUpperCase() + w.slice(1), n);
}

/** A level from a word (any case) or a pino/bunyan number; NO_LEVEL when it is neither. */
export function parseLevel(v: unknown): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return NO_LEVEL;
    if (v >= 10 && v <= 60) return Math.round(v / 10) * 10;
    return NO_LEVEL;
  }
  if (typeof v !== 'string' || v.length === 0 || v.length > 13) return NO_LEVEL;
  return byWord.get(v) ?? byWord.get(v.toLowerCase()) ?? NO_LEVEL;
}

/** The single letters logcat and klog use (V D I W E F/A). */
export function parseLevelLetter(c: string): number {
  switch (c) {
    case 'V':
      return 10;
    case 'D':
      return 20;
    case 'I':
      return 30;
    case 'W':
      return 40;
    case 'E':
      return 50;
    case 'F':
    case 'A':
      return 60;
    default:
      return NO_LEVEL;
  }
}

export function levelName(n: number): LevelName | undefined {
  if (n < 10) return undefined;
  if (n < 20) return 'trace';
  if (n < 30) return 'debug';
  if (n < 40) return 'info';
  if (n < 50) return 'warn';
  if (n < 60) return 'error';
  return 'fatal';
}
