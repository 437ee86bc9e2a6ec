// Durations and sizes as people write them in configs ("10s", "512MiB"), validated by zod.
import { constants } from 'node:os';
import { z } from 'zod';

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const BYTE_UNITS: Record<string, number> = {
  b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9,
  ki: 2 ** 10, kib: 2 ** 10, mi: 2 ** 20, mib: 2 ** 20, gi: 2 ** 30, gib: 2 ** 30, ti: 2 ** 40, tib: 2 ** 40,
};

/** Milliseconds from a number (ms) or a string like "250ms", "10s", "1.5m", "2h"; undefined when malformed. */
export function parseDuration(v: number | string): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/i.exec(v);
  if (!m) return undefined;
  return Number(m[1]) * DURATION_UNITS[m[2]!.toLowerCase()]!;
}

/** Bytes from a number or a string like "512MiB", "1G", "64k"; undefined when malformed. */
export function parseBytes(v: number | string): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(v);
  if (!m) return undefined;
  const unit = BYTE_UNITS[(m[2] || 'b').toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}

/** A zod schema for a duration, output in milliseconds. */
export function duration() {
  return z.union([z.number(), z.string()]).transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `'${v}' is not a duration: use milliseconds as a number, or a string like "500ms", "10s", "2m"` });
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
      ctx.addIssue({ code: 'custom', message: `'${v}' is not a signal name: use one of SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2, SIGKILL` });
      return z.NEVER;
    }
    return name as NodeJS.Signals;
  });
}
