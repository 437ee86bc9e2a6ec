// Every benchmark reports the same way: JSON under bench/results/<name>.json (with a top-level
// `summary` of the headline figures) and its own section of docs/benchmarks.md, replaced in
// place between markers so the page keeps every other benchmark's table.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { arch, cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface BenchReport {
  /** File stem and section id, e.g. 'http' → bench/results/http.json. */
  name: string;
  /** Section heading in docs/benchmarks.md. */
  title: string;
  /**
   * Headline figures (ratios against named peers); written as the top-level `summary`. A figure
   * of a peer that did not run in this run is null, never a number from elsewhere.
   */
  summary: Record<string, number | string | boolean | null>;
  /** Everything else worth keeping: per-round raw figures, settings. */
  details: unknown;
  /** Markdown for docs/benchmarks.md: a table plus a line on how to read it. */
  markdown: string;
}

export function machine(): Record<string, unknown> {
  return {
    node: process.version,
    cpus: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    arch: arch(),
    memGiB: Math.round(totalmem() / 2 ** 30),
  };
}

export function writeReport(r: BenchReport): string {
  const resultsDir = join(root, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${r.name}.json`);
  const at = new Date().toISOString();
  writeFileSync(file, JSON.stringify({ name: r.name, at, machine: machine(), summary: r.summary, details: r.details }, null, 2) + '\n');

  const docs = join(root, 'docs', 'benchmarks.md');
  const header =
    '# Benchmarks\n\nEvery figure here comes from `npm run bench` (or `npm run bench:<name>`) on the machine named in ' +
    'each section, with the peer measured in the same run. Raw results are in `bench/results/`.\n';
  let page = existsSync(docs) ? readFileSync(docs, 'utf8') : header;
  const begin = `<!-- bench:${r.name}:begin -->`;
  const end = `<!-- bench:${r.name}:end -->`;
  const m = machine();
  const section =
    `${begin}\n` +
    `## ${r.title}\n\n` +
    `_Measured ${at.slice(0, 10)} ` +
    `on ${m.cpus} ` +
    `× ${m.cpu}, ` +
    `Node ${m.node}. ` +
    `Command: \`npm run bench:${r.name}\`._\n\n${r.markdown.trim()}\n${end}`;
  const i = page.indexOf(begin);
  const j = page.indexOf(end);
  page = i >= 0 && j > i ? page.slice(0, i) + section + page.slice(j + end.length) : page.trimEnd() + '\n\n' + section + '\n';
  writeFileSync(docs, page);
  return file;
}

/** Median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The p-th percentile (0-100) of a non-empty list, linear between the two nearest ranks. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p / 100) * (s.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return s[lo]! + (s[hi]! - s[lo]!) * (at - lo);
}

/** Markdown table from a header row and data rows. */
export function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}
