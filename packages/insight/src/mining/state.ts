// Saving and restoring a miner's templates as plain JSON: no code runs while reading it (Drain3's
// jsonpickle snapshots can run code, which is why PostHog vendored Drain to avoid them). A state
// is checked field by field before anything is built; every problem is reported with its path.
import { InsightError, type Issue } from '../errors.ts';
import { ID_PATTERN } from './ids.ts';
import { WILD } from './mask.ts';
import { TemplateMiner, type MinerRuntime } from './miner.ts';
import type { MinerOptions } from './options.ts';
import { ANY, AFFIX, LITERAL, Template } from './template.ts';

export const STATE_FORMAT = 'holdfast-templates';
export const STATE_VERSION = 1;

export interface SavedTemplate {
  id: string;
  seq: number;
  tokens: string[];
  /** The wildcard places: [index] for <*>, [index, prefix, suffix] for an affix wildcard. */
  wild: ([number] | [number, string, string])[];
  count: number;
  firstSeen: number;
  lastSeen: number;
  example: string;
  absorbed: string[];
  level: number;
}

export interface MinerState {
  format: typeof STATE_FORMAT;
  version: typeof STATE_VERSION;
  /** Most recently seen first. */
  templates: SavedTemplate[];
}

/** The miner's templates as plain JSON data. */
export function saveState(miner: TemplateMiner): MinerState {
  return {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    templates: miner.templates().map((t) => ({
      id: t.id,
      seq: t.seq,
      tokens: t.tokens.slice(),
      wild: [...t.kinds.keys()].filter((i) => t.kinds[i] !== LITERAL).map((i) => (t.kinds[i] === ANY ? [i] : [i, t.pre[i]!, t.suf[i]!])),
      count: t.count,
      firstSeen: t.firstSeen,
      lastSeen: t.lastSeen,
      example: t.example,
      absorbed: t.absorbed.slice(),
      level: t.level,
    })),
  };
}

/** A miner with the saved templates (ids, counts, absorbed ids) back; throws HOLDFAST_E_INSIGHT_STATE listing every problem. */
export function restoreState(state: unknown, options: MinerOptions = {}, runtime: MinerRuntime = {}): TemplateMiner {
  const issues = validateState(state);
  if (issues.length)
    throw new InsightError(
      'HOLDFAST_E_INSIGHT_STATE',
      `${issues.length} problem${issues.length === 1 ? '' : 's'}; nothing was restored`,
      issues,
    );
  const miner = new TemplateMiner(options, runtime);
  const saved = (state as MinerState).templates;
  // Oldest first, so the least-recently-seen order comes back as it was.
  for (let k = saved.length - 1; k >= 0; k--) {
    const s = saved[k]!;
    const t = new Template(s.id, s.seq, s.tokens.slice(), s.firstSeen, s.example);
    for (const w of s.wild) {
      t.kinds[w[0]] = w.length === 1 ? ANY : AFFIX;
      if (w.length === 3) {
        t.pre[w[0]] = w[1];
        t.suf[w[0]] = w[2];
      }
    }
    t.count = s.count;
    t.lastSeen = s.lastSeen;
    t.level = s.level;
    t.absorbed = s.absorbed.slice();
    miner.restoreTemplate(t);
  }
  return miner;
}

const isInt = (v: unknown, min = 0): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** Every problem with a saved state (empty when it can be restored). */
export function validateState(state: unknown): Issue[] {
  if (typeof state !== 'object' || state === null || Array.isArray(state))
    return [{ path: [], message: 'must be an object (a saved template state)' }];
  const s = state as Record<string, unknown>;
  const issues: Issue[] = [];
  if (s.format !== STATE_FORMAT) issues.push({ path: ['format'], message: `must be '${STATE_FORMAT}', got ${JSON.stringify(s.format)}` });
  if (s.version !== STATE_VERSION)
    issues.push({
      path: ['version'],
      message: `must be ${STATE_VERSION} (this version of holdfast reads version ${STATE_VERSION}), got ${JSON.stringify(s.version)}`,
    });
  if (!Array.isArray(s.templates)) return [...issues, { path: ['templates'], message: 'must be a list of templates' }];
  const ids = new Set<string>();
  s.templates.forEach((raw: unknown, k: number) => {
    const at = (...p: (string | number)[]) => ['templates', k, ...p];
    if (typeof raw !== 'object' || raw === null) {
      issues.push({ path: at(), message: 'must be an object' });
      return;
    }
    const t = raw as Record<string, unknown>;
    if (typeof t.id !== 'string' || !ID_PATTERN.test(t.id))
      issues.push({ path: at('id'), message: `must be 12 lowercase hex digits, got ${JSON.stringify(t.id)}` });
    else if (ids.has(t.id)) issues.push({ path: at('id'), message: `duplicate id ${t.id}` });
    else ids.add(t.id);
    if (!isInt(t.seq)) issues.push({ path: at('seq'), message: 'must be a whole number ≥ 0' });
    const tokens =
      Array.isArray(t.tokens) && t.tokens.every((x) => typeof x === 'string' && x !== '' && !/\s/.test(x))
        ? (t.tokens as string[])
        : undefined;
    if (!tokens) issues.push({ path: at('tokens'), message: 'must be a list of non-empty strings without whitespace' });
    if (!Array.isArray(t.wild)) issues.push({ path: at('wild'), message: 'must be a list of [index] or [index, prefix, suffix]' });
    else
      t.wild.forEach((w: unknown, j: number) => {
        const ok =
          Array.isArray(w) &&
          (w.length === 1 || w.length === 3) &&
          isInt(w[0]) &&
          (!tokens || w[0] < tokens.length) &&
          (w.length === 1
            ? tokens?.[w[0]] === WILD || !tokens
            : typeof w[1] === 'string' && typeof w[2] === 'string' && (!tokens || tokens[w[0]] === `${w[1]}${WILD}${w[2]}`));
        if (!ok)
          issues.push({
            path: at('wild', j),
            message: 'must be [index] of a <*> token or [index, prefix, suffix] with the token equal to prefix<*>suffix',
          });
      });
    if (!isInt(t.count)) issues.push({ path: at('count'), message: 'must be a whole number ≥ 0' });
    if (!isTime(t.firstSeen)) issues.push({ path: at('firstSeen'), message: 'must be a time in ms' });
    if (!isTime(t.lastSeen)) issues.push({ path: at('lastSeen'), message: 'must be a time in ms' });
    if (typeof t.example !== 'string') issues.push({ path: at('example'), message: 'must be a string' });
    if (!Array.isArray(t.absorbed) || !t.absorbed.every((x) => typeof x === 'string' && ID_PATTERN.test(x)))
      issues.push({ path: at('absorbed'), message: 'must be a list of template ids' });
    if (!isInt(t.level, -1)) issues.push({ path: at('level'), message: 'must be a whole number ≥ -1' });
  });
  return issues;
}
