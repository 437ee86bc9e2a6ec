// The one argument parser of every `holdfast` command: node:util's parseArgs in strict mode,
// its errors turned into usage errors that name the flag (with a did-you-mean), and readers
// that validate a flag's value (an integer in a range, a duration with a unit, one of a list).
//
// Durations on the command line always carry a unit ("500ms", "30s", "2m", "1h"): a bare
// number is refused, because `--timeout 30` could mean seconds or milliseconds. In config files
// a bare number is milliseconds (see @holdfast/config/units).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { didYouMean } from '@holdfast/config/did-you-mean';
import { parseDurationText } from '@holdfast/config/units';
import { UsageError } from './errors.ts';

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

export interface ParseSettings {
  /** Whether the command takes arguments besides its options (names, files). Default false. */
  positionals?: boolean;
}

function usageError(err: Error & { code?: string }, options: OptionSpecs): UsageError {
  const first = err.message.split('. ')[0]!;
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'([^']+)'/.exec(first)?.[1] ?? first;
    const known = Object.entries(options).flatMap(([name, o]) => [`--${name}`, ...(o.short ? [`-${o.short}`] : [])]);
    const guess = flag.startsWith('--') ? didYouMean(flag, known) : undefined;
    return new UsageError(`unknown option '${flag}'${guess ? ` (did you mean '${guess}'?)` : ''}`);
  }
  if (err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    return new UsageError(`unexpected argument ${/'[^']*'/.exec(first)?.[0] ?? ''}`.trim());
  }
  // "Option '-c, --config <value>' argument missing", "Option '--json' does not take an argument".
  return new UsageError(first.replace(/^Option /, 'option ').replace(/ argument missing$/, ' needs a value'));
}

/** Parses `argv` against `options`; every malformed command line is a UsageError (exit code 2). */
export function parse<T extends OptionSpecs>(argv: string[], options: T, settings: ParseSettings = {}) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: settings.positionals === true });
  } catch (err) {
    throw usageError(err as Error & { code?: string }, options);
  }
}

/** A flag's value as an integer within [min, max], or a usage error naming the flag. */
export function integer(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${value}'`);
  }
  return n;
}

/** A flag's value as milliseconds from a duration with a unit ("500ms", "30s", "2m", "1h"; "0" needs none). */
export function duration(name: string, value: string | undefined, fallback: number, max = 7 * 24 * 3_600_000): number {
  if (value === undefined) return fallback;
  const ms = value.trim() === '0' ? 0 : parseDurationText(value);
  if (ms === undefined) {
    const n = value.trim();
    throw new UsageError(
      /^\d+(\.\d+)?$/.test(n)
        ? `--${name} ${n} has no unit: write ${n}s, ${n}ms or ${n}m (a duration on the command line always carries its unit)`
        : `--${name} takes a duration like 500ms, 30s or 2m, not '${value}'`,
    );
  }
  if (ms > max) throw new UsageError(`--${name} must be at most ${max / 1000} s, got '${value}'`);
  return ms;
}

/** A flag's value as one of `choices`, or a usage error listing them (with a did-you-mean). */
export function oneOf<const C extends string>(name: string, value: string | undefined, choices: readonly C[], fallback: C): C {
  if (value === undefined) return fallback;
  if ((choices as readonly string[]).includes(value)) return value as C;
  const guess = didYouMean(value, choices);
  throw new UsageError(`--${name} is one of ${choices.join(', ')}, not '${value}'${guess ? ` (did you mean '${guess}'?)` : ''}`);
}

/** Refuses arguments a command does not take, naming the first. */
export function noArguments(positionals: string[], hint = ''): void {
  if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'${hint ? ` (${hint})` : ''}`);
}
