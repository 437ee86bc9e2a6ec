// zod schemas for the units of units.ts, so every config reads durations, sizes and signals the
// same way (a number is milliseconds or bytes; a string carries its unit).
import { constants } from 'node:os';
import { z } from 'zod';
import { parseBytes, parseDuration } from './units.ts';

/** A zod schema for a duration, output in milliseconds. */
export function duration() {
  return z.union([z.number(), z.string()]).transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === undefined) {
      const message = `'${v}' is not a duration: use milliseconds as a number, or a string like "500ms", "10s", "2m"`;
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    return ms;
  });
}

/** A zod schema for a size, output in bytes. */
export function bytes() {
  return z.union([z.number(), z.string()]).transform((v, ctx) => {
    const n = parseBytes(v);
    if (n === undefined) {
      ctx.addIssue({ code: 'custom', message: `'${v}' is not a size: use bytes as an integer, or a string like "64KiB", "512MiB", "1G"` });
      return z.NEVER;
    }
    return n;
  });
}

/** A zod schema for a signal name ("SIGTERM", "TERM", "term"), output as "SIGTERM". */
export function signalName() {
  return z.string().transform((v, ctx) => {
    const up = v.trim().toUpperCase();
    const name = up.startsWith('SIG') ? up : `SIG${up}`;
    if (!(name in constants.signals)) {
      const message = `'${v}' is not a signal name: use one of SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2, SIGKILL`;
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    return name as NodeJS.Signals;
  });
}
