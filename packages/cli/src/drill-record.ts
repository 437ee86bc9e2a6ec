// `holdfast drill failover --record <file>`: each drill's result appended to a JSON lines file,
// with when it ran and whether it passed. The dashboard's failover section shows the last ones
// (dashboard.failover.drills), so a drill run from cron or CI is visible where people look.
import { appendFileSync, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DrillResult } from '@holdfast/failover';
import { UsageError } from './errors.ts';

/** The file to append to, absolute; refused before any drill runs when it cannot be written. */
export function recordFile(path: string): string {
  const file = resolve(path);
  const dir = dirname(file);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new UsageError(`--record ${path}: the folder ${dir} does not exist (create it, or record elsewhere)`);
  if (existsSync(file) && !statSync(file).isFile()) throw new UsageError(`--record ${path}: not a regular file`);
  return file;
}

/** One line: `{"at": ISO time, "passed": bool, ...the drill's result}`. */
export function recordDrill(file: string, r: DrillResult, passed: boolean, at = new Date()): void {
  appendFileSync(file, `${JSON.stringify({ at: at.toISOString(), passed, ...r })}\n`, { mode: 0o644 });
}
