// Argument parsing for every subcommand: node:util's parseArgs in strict mode, with its errors
// turned into usage errors that name the flag.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './command.ts';

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (err) {
    const e = err as Error & { code?: string };
    throw new UsageError(e.message.replace(/\. To specify a positional argument.*$/s, '.'));
  }
}

/** A flag's value as an integer within [min, max], or a usage error naming the flag. */
export function intFlag(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${value}'`);
  return n;
}
