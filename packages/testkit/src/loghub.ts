// Loghub-2k: reading the labelled systems and scoring a parser the way logpai's evaluator does
// (logparser/utils/evaluator.py and evaluation/utils/PA_calculator.py of logpai/loghub-2.0).
//   GA  (grouping accuracy): a message counts when the set of messages the parser put in its group
//       is exactly the set of messages that share its true template. GA = those / all.
//   FGA: F1 of grouping per template: precision = exact groups / groups found, recall = exact
//       groups / true templates.
//   PA  (parsing accuracy): a message counts when its template text equals the true template,
//       both normalised (whitespace runs → one space, trimmed; <*><*> → <*>).
// Groups are keyed by template text as in logpai's evaluator (two ids with one text are one group).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const SYSTEMS = ['HDFS', 'Hadoop', 'Spark', 'BGL', 'Linux', 'OpenSSH', 'Android', 'Mac'] as const;
export type System = (typeof SYSTEMS)[number];

/** Published grouping accuracy on Loghub-2k (logpai/logparser, Drain and Brain READMEs). */
export const PUBLISHED_GA: Record<System, { drain: number; brain: number }> = {
  HDFS: { drain: 0.998, brain: 0.998 },
  Hadoop: { drain: 0.948, brain: 0.949 },
  Spark: { drain: 0.92, brain: 0.998 },
  BGL: { drain: 0.963, brain: 0.986 },
  Linux: { drain: 0.69, brain: 0.996 },
  OpenSSH: { drain: 0.788, brain: 1.0 },
  Android: { drain: 0.911, brain: 0.961 },
  Mac: { drain: 0.787, brain: 0.942 },
};

export interface Labelled {
  system: System;
  /** The raw lines of <System>_2k.log. */
  lines: string[];
  /** The message of each line without its header (the Content column). */
  contents: string[];
  /** The true template of each line. */
  templates: string[];
}

/**
 * The data folder: $LOGHUB_2K, else ../shared/loghub-2k beside the repository (where a CI clone
 * finds it), else /work/shared/loghub-2k. Throws naming every place looked when none exists.
 */
export function loghubDir(repoRoot: string, explicit?: string): string {
  const tried = [explicit, process.env.LOGHUB_2K, join(repoRoot, '..', 'shared', 'loghub-2k'), '/work/shared/loghub-2k'].filter(
    (p): p is string => !!p,
  );
  for (const p of tried) if (existsSync(join(p, 'HDFS', 'HDFS_2k.log_structured.csv'))) return resolve(p);
  throw new Error(
    `Loghub-2k data not found; looked ` +
      `in: ${tried.join(', ')}. Set LOGHUB_2K=<dir> (or --data <dir>) to the folder ` +
      `holding HDFS/, Hadoop/, … with <System>_2k.log and <System>_2k.log_structured.csv.`,
  );
}

export function loadSystem(dir: string, system: System): Labelled {
  const rows = parseCsv(readFileSync(join(dir, system, `${system}_2k.log_structured.csv`), 'utf8'));
  const head = rows.shift()!;
  const ci = head.indexOf('Content');
  const ti = head.indexOf('EventTemplate');
  if (ci < 0 || ti < 0) throw new Error(`${system}: the structured CSV has no Content or EventTemplate column`);
  const lines = readFileSync(join(dir, system, `${system}_2k.log`), 'utf8').split(/\r?\n/);
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  const data = rows.filter((r) => r.length > 1);
  if (lines.length !== data.length) throw new Error(`${system}: ${lines.length} log lines but ${data.length} labelled rows`);
  return { system, lines, contents: data.map((r) => r[ci]!), templates: data.map((r) => r[ti]!) };
}

/** RFC 4180 CSV (quoted fields, "" escapes, CRLF or LF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
    i++;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** Whitespace runs to one space, trimmed; adjacent <*><*> to one <*>. */
export function normaliseTemplate(t: string): string {
  let s = t.replace(/\s+/g, ' ').trim();
  while (s.includes('<*><*>')) s = s.replaceAll('<*><*>', '<*>');
  return s;
}

export interface Scores {
  ga: number;
  fga: number;
  pa: number;
  /** Templates the parser produced / true templates. */
  found: number;
  truth: number;
}

/** GA, FGA and PA of `parsed` (one template text per message) against `truth`. */
export function score(truth: string[], parsed: string[]): Scores {
  if (truth.length !== parsed.length) throw new Error(`score: ${truth.length} true templates but ${parsed.length} parsed`);
  const n = truth.length;
  const parsedCount = new Map<string, number>();
  for (const p of parsed) parsedCount.set(p, (parsedCount.get(p) ?? 0) + 1);
  const byTruth = new Map<string, Map<string, number>>();
  for (let i = 0; i < n; i++) {
    let m = byTruth.get(truth[i]!);
    if (!m) byTruth.set(truth[i]!, (m = new Map()));
    m.set(parsed[i]!, (m.get(parsed[i]!) ?? 0) + 1);
  }
  let rightMessages = 0;
  let rightGroups = 0;
  for (const m of byTruth.values()) {
    if (m.size !== 1) continue;
    const [[p, k]] = [...m.entries()] as [[string, number]];
    if (parsedCount.get(p) === k) {
      rightMessages += k;
      rightGroups++;
    }
  }
  const precision = rightGroups / parsedCount.size;
  const recall = rightGroups / byTruth.size;
  let pa = 0;
  for (let i = 0; i < n; i++) if (normaliseTemplate(truth[i]!) === normaliseTemplate(parsed[i]!)) pa++;
  return {
    ga: rightMessages / n,
    fga: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    pa: pa / n,
    found: parsedCount.size,
    truth: byTruth.size,
  };
}
