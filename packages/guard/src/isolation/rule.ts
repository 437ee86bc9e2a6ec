// Concurrency isolation (bulkhead) rules: the data and its validation.
import { type Issues, type Obj, type Path, num, onlyKeys, ruleHead } from '../rule-fields.ts';

export interface IsolationRule {
  id: string;
  resource: string;
  /** Calls allowed in flight at once; the next one is rejected (reason 'concurrency'). */
  maxConcurrency: number;
  dryRun?: boolean;
}

export type NormalizedIsolationRule = Required<IsolationRule>;

export function validateIsolationRule(r: Obj, path: Path, issues: Issues): NormalizedIsolationRule {
  onlyKeys(r, ['id', 'resource', 'maxConcurrency', 'dryRun'], path, issues);
  const head = ruleHead(r, path, issues);
  return {
    ...head,
    maxConcurrency: num(r, 'maxConcurrency', path, issues, { required: true, integer: true, min: 0, what: 'calls allowed in flight' }) ?? 0,
  };
}
