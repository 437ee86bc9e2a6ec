// The knowledge base: entries that recognise an incident (by template text, regex, error code,
// program, kind or labels) and say what it is (category, severity), whose it is (owner), what
// to do (runbook, action). This file is the rule: the data and its validation, without YAML
// (the file source in ../yaml/ adds line numbers; the daemon receives entries as JSON).
import { SEVERITIES, SIGNAL_KINDS, type Severity } from '../incidents/signal.ts';
import type { Issue } from '../errors.ts';
import { suggest } from './suggest.ts';

/** What an entry matches on: every condition given must hold; a list matches any of its items. */
export interface KnowledgeMatch {
  program?: string | string[];
  kind?: string | string[];
  /** A substring of the log template's text (or the summary, for signals without a template). */
  template?: string;
  /** A JavaScript regular expression, tried on the summary, the template text and the error message. */
  regex?: string;
  /** An error code (exact). */
  code?: string | string[];
  /** Labels that must all be present with these exact values. */
  labels?: Record<string, string>;
}

export type KnowledgeAction = 'notify' | 'none' | `restart ${string}`;

/** One entry as written in knowledge.yaml. */
export interface KnowledgeEntry {
  id: string;
  match: KnowledgeMatch;
  category: string;
  severity?: Severity;
  owner?: string;
  /** A URL, or the steps to follow. */
  runbook?: string | string[];
  action?: KnowledgeAction;
  /** Group every matching signal into one incident, across programs. */
  fingerprint?: string;
  /** For the ledger: what raises it, in words (defaults to a description of `match`). */
  trigger?: string;
  /** Set on entries written by `holdfast incidents resolve --learn`. */
  learned?: { from: string; at: string; cause: string };
}

export interface KnowledgeBase {
  entries: KnowledgeEntry[];
}

const ENTRY_KEYS = ['id', 'match', 'category', 'severity', 'owner', 'runbook', 'action', 'fingerprint', 'trigger', 'learned'];
const MATCH_KEYS = ['program', 'kind', 'template', 'regex', 'code', 'labels'];
const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const PROGRAM = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a map' : typeof v);

function unknownKeys(o: Record<string, unknown>, known: string[], path: (string | number)[], issues: Issue[]): void {
  for (const k of Object.keys(o)) {
    if (known.includes(k)) continue;
    const hint = suggest(k, known) ?? `known keys: ${known.join(', ')}`;
    issues.push({ path: [...path, k], message: `unknown key '${k}'`, hint });
  }
}

function text(v: unknown, path: (string | number)[], issues: Issue[], what = 'a string'): v is string {
  if (typeof v === 'string' && v.trim() !== '') return true;
  issues.push({ path, message: typeof v === 'string' ? 'must not be empty' : `expected ${what}, got ${kindOf(v)}` });
  return false;
}

function oneOrMany(v: unknown, path: (string | number)[], issues: Issue[], check?: (s: string, p: (string | number)[]) => void): void {
  const items = Array.isArray(v) ? v : [v];
  if (Array.isArray(v) && v.length === 0)
    return void issues.push({ path, message: 'an empty list matches nothing: name at least one, or leave the key out' });
  items.forEach((s, i) => {
    const p = Array.isArray(v) ? [...path, i] : path;
    if (text(s, p, issues, 'a string or a list of strings')) check?.(s, p);
  });
}

/** Compiles a regex the way the matcher will; the error says why it is not one. */
export function regexProblem(source: string): string | undefined {
  try {
    new RegExp(source);
    return undefined;
  } catch (err) {
    // V8 repeats the pattern ("Invalid regular expression: /a(/: Unterminated group"): keep the reason.
    return (err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
  }
}

function validateMatch(m: unknown, path: (string | number)[], issues: Issue[]): void {
  if (!isObj(m))
    return void issues.push({
      path,
      message:
        m === undefined
          ? 'missing: an entry needs a match (program, kind, template, regex, code or labels)'
          : `expected a map, got ${kindOf(m)}`,
    });
  unknownKeys(m, MATCH_KEYS, path, issues);
  if (!MATCH_KEYS.some((k) => m[k] !== undefined))
    issues.push({
      path,
      message: 'an empty match would classify every incident: give at least one of program, kind, template, regex, code, labels',
    });
  if (m.program !== undefined)
    oneOrMany(
      m.program,
      [...path, 'program'],
      issues,
      (s, p) => !PROGRAM.test(s) && issues.push({ path: p, message: `'${s}' is not a program name` }),
    );
  if (m.kind !== undefined)
    oneOrMany(m.kind, [...path, 'kind'], issues, (s, p) => {
      if (!(SIGNAL_KINDS as readonly string[]).includes(s))
        issues.push({
          path: p,
          message: `'${s}' is not a signal kind`,
          hint: suggest(s, SIGNAL_KINDS) ?? `one of ${SIGNAL_KINDS.join(', ')}`,
        });
    });
  if (m.template !== undefined) text(m.template, [...path, 'template'], issues);
  if (m.regex !== undefined && text(m.regex, [...path, 'regex'], issues)) {
    const why = regexProblem(m.regex);
    if (why)
      issues.push({
        path: [...path, 'regex'],
        message: `invalid regex /${m.regex}/: ${why}`,
        hint: 'escape special characters with a backslash (in YAML double quotes, write \\\\ for one backslash)',
      });
  }
  if (m.code !== undefined) oneOrMany(m.code, [...path, 'code'], issues);
  if (m.labels !== undefined) {
    if (!isObj(m.labels)) issues.push({ path: [...path, 'labels'], message: `expected a map of label: value, got ${kindOf(m.labels)}` });
    else
      for (const [k, v] of Object.entries(m.labels))
        if (typeof v !== 'string') issues.push({ path: [...path, 'labels', k], message: `expected a string, got ${kindOf(v)}` });
  }
}

function validateEntry(e: unknown, path: (string | number)[], issues: Issue[]): void {
  if (!isObj(e)) return void issues.push({ path, message: `expected an entry (a map with id, match, category, ...), got ${kindOf(e)}` });
  unknownKeys(e, ENTRY_KEYS, path, issues);
  if (e.id === undefined) issues.push({ path: [...path, 'id'], message: 'missing: every entry needs an id (letters, digits, _ . : -)' });
  else if (typeof e.id !== 'string' || !ID.test(e.id))
    issues.push({
      path: [...path, 'id'],
      message: `'${String(e.id)}' is not an id: letters, digits and _ . : - (up to 128, starting with a letter or digit)`,
    });
  validateMatch(e.match, [...path, 'match'], issues);
  if (e.category === undefined)
    issues.push({ path: [...path, 'category'], message: 'missing: name what this is (e.g. upstream-failure, config-error, capacity)' });
  else text(e.category, [...path, 'category'], issues);
  if (e.severity !== undefined && !(SEVERITIES as readonly unknown[]).includes(e.severity)) {
    issues.push({
      path: [...path, 'severity'],
      message: `'${String(e.severity)}' is not a severity`,
      hint: suggest(String(e.severity), SEVERITIES) ?? `one of ${SEVERITIES.join(', ')}`,
    });
  }
  if (e.owner !== undefined) text(e.owner, [...path, 'owner'], issues);
  if (e.runbook !== undefined) oneOrMany(e.runbook, [...path, 'runbook'], issues);
  if (e.action !== undefined) {
    const a = e.action;
    const ok = a === 'notify' || a === 'none' || (typeof a === 'string' && /^restart [A-Za-z0-9][A-Za-z0-9_.:-]*$/.test(a));
    if (!ok)
      issues.push({
        path: [...path, 'action'],
        message: `'${String(a)}' is not an action`,
        hint: "use notify, none, or 'restart <program>'",
      });
  }
  if (e.fingerprint !== undefined) text(e.fingerprint, [...path, 'fingerprint'], issues);
  if (e.trigger !== undefined) text(e.trigger, [...path, 'trigger'], issues);
  if (e.learned !== undefined && !(isObj(e.learned) && typeof e.learned.from === 'string'))
    issues.push({ path: [...path, 'learned'], message: 'expected {from, at, cause} (written by holdfast incidents resolve --learn)' });
}

/** Validates a parsed knowledge base; every problem is listed, and nothing is usable unless there are none. */
export function validateKnowledge(data: unknown): { ok: true; kb: KnowledgeBase } | { ok: false; issues: Issue[] } {
  const issues: Issue[] = [];
  // An empty file is an empty knowledge base: every incident is unclassified.
  if (data === null || data === undefined) return { ok: true, kb: { entries: [] } };
  if (!isObj(data)) return { ok: false, issues: [{ path: [], message: `expected a map with 'entries: [...]', got ${kindOf(data)}` }] };
  unknownKeys(data, ['entries'], [], issues);
  const entries = data.entries ?? [];
  if (!Array.isArray(entries)) issues.push({ path: ['entries'], message: `expected a list of entries, got ${kindOf(entries)}` });
  else {
    const seen = new Map<string, number>();
    entries.forEach((e, i) => {
      validateEntry(e, ['entries', i], issues);
      const id = isObj(e) && typeof e.id === 'string' ? e.id : undefined;
      if (id === undefined) return;
      const first = seen.get(id);
      if (first !== undefined)
        issues.push({
          path: ['entries', i, 'id'],
          message: `duplicate id '${id}' (also entries[${first}])`,
          hint: 'ids name rules in the alert ledger: make each unique',
        });
      else seen.set(id, i);
    });
  }
  return issues.length ? { ok: false, issues } : { ok: true, kb: { entries: entries as KnowledgeEntry[] } };
}
