// Failures the daemon survives instead of dying of: bookkeeping that could not be written or read
// (a full disk, no descriptors left) and whatever reached the last-resort handlers. Each is
// logged and counted (holdfast_supervisor_internal_errors_total{kind}); the programs keep running
// and the next event tries again. A daemon that died here would take every program with it, and
// the next daemon would reap them all and meet the same full disk.
import type { Logger } from '../logger.ts';

export type FaultKind = 'uncaught' | 'unhandled-rejection' | 'bookkeeping';

export const FAULT_KINDS: readonly FaultKind[] = ['uncaught', 'unhandled-rejection', 'bookkeeping'];

const counts: Record<FaultKind, number> = { uncaught: 0, 'unhandled-rejection': 0, bookkeeping: 0 };

export function faultCounts(): Readonly<Record<FaultKind, number>> {
  return counts;
}

const errText = (err: unknown) => {
  const e = err as NodeJS.ErrnoException;
  return e?.code ? `${e.code}: ${e.message}` : String((e as Error)?.message ?? e);
};

export function recordFault(log: Logger, kind: FaultKind, what: string, err: unknown, fields: Record<string, unknown> = {}): void {
  counts[kind]++;
  const level = kind === 'bookkeeping' ? 'warn' : 'error';
  log[level](
    { ...fields, err: errText(err), kind, ...(kind === 'bookkeeping' ? {} : { stack: (err as Error)?.stack }) },
    `${what} failed; the daemon carries on`,
  );
}

/** Runs `fn`; a throw is logged and counted as a bookkeeping fault, and `fallback` returned. */
export function guarded<T>(log: Logger, what: string, fn: () => T, fallback: T, fields: Record<string, unknown> = {}): T {
  try {
    return fn();
  } catch (err) {
    recordFault(log, 'bookkeeping', what, err, fields);
    return fallback;
  }
}
