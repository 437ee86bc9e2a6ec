// Structural checks for rule fields, with no dependency: every rule kind validates itself with
// these, collecting every problem (with its path) instead of stopping at the first, so a user
// fixes a rule file in one pass. Each helper returns the value when it is usable, else
// `undefined` after recording an issue.
import { didYouMean } from '@holdfast/config/did-you-mean';
import type { RuleIssue } from './errors.ts';

export type Path = (string | number)[];
export type Obj = Record<string, unknown>;

export class Issues {
  readonly list: RuleIssue[] = [];
  add(path: Path, message: string, hint?: string): undefined {
    this.list.push(hint === undefined ? { path, message } : { path, message, hint });
    return undefined;
  }
}

export function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

/** "did you mean 'x'?" for a word close to one of `candidates`, else undefined. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const m = didYouMean(word, candidates);
  return m === undefined ? undefined : `did you mean '${m}'?`;
}

/** Rejects keys outside `allowed`, suggesting the one a typo such as `treshold` meant. */
export function onlyKeys(obj: Obj, allowed: readonly string[], path: Path, issues: Issues): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key))
      issues.add([...path, key], `unknown field '${key}' (allowed: ${allowed.join(', ')})`, suggest(key, allowed));
  }
}

export function str(obj: Obj, key: string, path: Path, issues: Issues, required: boolean): string | undefined {
  const v = obj[key];
  if (v === undefined) return required ? issues.add([...path, key], `missing required field '${key}' (a non-empty string)`) : undefined;
  if (typeof v !== 'string' || v.length === 0) return issues.add([...path, key], `must be a non-empty string, got ${describe(v)}`);
  return v;
}

export function bool(obj: Obj, key: string, path: Path, issues: Issues): boolean | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') return issues.add([...path, key], `must be true or false, got ${describe(v)}`);
  return v;
}

export interface NumberSpec {
  required?: boolean;
  integer?: boolean;
  /** Inclusive lower bound. */
  min?: number;
  /** Exclusive lower bound. */
  above?: number;
  /** Inclusive upper bound. */
  max?: number;
  /** What the number means, for the message of a missing field. */
  what?: string;
}

export function num(obj: Obj, key: string, path: Path, issues: Issues, spec: NumberSpec = {}): number | undefined {
  const v = obj[key];
  const p = [...path, key];
  if (v === undefined)
    return spec.required ? issues.add(p, `missing required field '${key}'${spec.what ? ` (${spec.what})` : ''}`) : undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) return issues.add(p, `must be a finite number, got ${describe(v)}`);
  if (spec.integer && !Number.isInteger(v)) return issues.add(p, `must be an integer, got ${v}`);
  if (spec.min !== undefined && v < spec.min) return issues.add(p, `must be >= ${spec.min}, got ${v}`);
  if (spec.above !== undefined && v <= spec.above) return issues.add(p, `must be > ${spec.above}, got ${v}`);
  if (spec.max !== undefined && v > spec.max) return issues.add(p, `must be <= ${spec.max}, got ${v}`);
  return v;
}

export function oneOf<T extends string>(obj: Obj, key: string, path: Path, issues: Issues, allowed: readonly T[], fallback: T): T {
  const v = obj[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    issues.add(
      [...path, key],
      `unknown ${key} ${describe(v)}; expected one of: ${allowed.join(', ')}`,
      typeof v === 'string' ? suggest(v, allowed) : undefined,
    );
    return fallback;
  }
  return v as T;
}

/** Validates the common head of every per-resource rule: id, resource, dryRun. */
export function ruleHead(obj: Obj, path: Path, issues: Issues): { id: string; resource: string; dryRun: boolean } {
  const id = str(obj, 'id', path, issues, true) ?? '';
  const resource = str(obj, 'resource', path, issues, true) ?? '';
  const dryRun = bool(obj, 'dryRun', path, issues) ?? false;
  return { id, resource, dryRun };
}

/** Checks that a stat interval splits evenly into buckets. */
export function windowShape(intervalMs: number | undefined, buckets: number | undefined, path: Path, issues: Issues): void {
  if (intervalMs === undefined || buckets === undefined) return;
  if (intervalMs % buckets !== 0) issues.add(path, `statIntervalMs (${intervalMs}) must be a multiple of the bucket count (${buckets})`);
}
