// Load a YAML or JSON config and validate it with a zod schema. Every problem is reported at
// once with file, line and column, so a user fixes the file in one pass; nothing is returned
// unless the whole file validates.
import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { didYouMean } from './did-you-mean.ts';
import { ConfigError, type ConfigIssue } from './errors.ts';
import { keysAt } from './schema-walk.ts';

export interface ParseOptions {
  /** Shown in errors; also picks the format by extension when `format` is not given. */
  file?: string;
  format?: 'yaml' | 'json';
}

type Path = (string | number)[];

/** Locates the node at `path` (or its key, for a map entry), falling back to the deepest existing parent. */
function locate(doc: Document, path: Path, preferKey: boolean): number | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined = (node as Node | null)?.range?.[0];
  // A missing entry is best shown at the key of the map that lacks it.
  let parentKey: number | undefined;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return parentKey ?? offset;
      const key = pair.key as Node;
      parentKey = key.range?.[0];
      if (last && preferKey) return key.range?.[0] ?? offset;
      node = pair.value;
      offset = (pair.value as Node | null)?.range?.[0] ?? key.range?.[0] ?? offset;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) return offset;
      node = item;
      offset = item.range?.[0] ?? offset;
    } else {
      return offset;
    }
  }
  return offset;
}

function position(doc: Document, lc: LineCounter, path: Path, preferKey: boolean): { line?: number; column?: number } {
  const off = locate(doc, path, preferKey);
  if (off === undefined) return {};
  const { line, col } = lc.linePos(off);
  return { line, column: col };
}

function valueAt(data: unknown, path: Path): unknown {
  let v = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

function zodIssues(doc: Document, lc: LineCounter, file: string | undefined, schema: z.ZodType, error: z.ZodError, data: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of error.issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const known = keysAt(schema, path);
      for (const key of issue.keys) {
        const guess = didYouMean(key, known);
        out.push({
          file,
          ...position(doc, lc, [...path, key], true),
          path: [...path, key],
          message: `unknown key '${key}'`,
          hint: guess ? `did you mean '${guess}'?` : known.length ? `known keys: ${known.join(', ')}` : undefined,
        });
      }
      continue;
    }
    let hint: string | undefined;
    if (issue.code === 'invalid_value' && 'values' in issue) {
      const got = issue.input;
      const options = (issue.values as unknown[]).map(String);
      const guess = typeof got === 'string' ? didYouMean(got, options) : undefined;
      hint = guess ? `did you mean '${guess}'?` : undefined;
    }
    const isMissing = (issue.code === 'invalid_type' || issue.code === 'invalid_union') && valueAt(data, path) === undefined;
    const expected = issue.code === 'invalid_type' ? ` (${issue.expected})` : '';
    out.push({
      file,
      ...position(doc, lc, path, isMissing),
      path,
      message: isMissing ? `missing required field${expected}` : issue.message.replace(/^Invalid input: /, ''),
      ...(hint ? { hint } : {}),
    });
  }
  return out;
}

/** Parses `text` and validates it with `schema`; throws ConfigError listing every issue. */
export function parseConfigText<S extends z.ZodType>(text: string, schema: S, options: ParseOptions = {}): z.output<S> {
  const { file } = options;
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const syntax = [...doc.errors, ...doc.warnings.filter((w) => w.code === 'DUPLICATE_KEY')];
  if (syntax.length > 0) {
    throw new ConfigError(
      syntax.map((e) => {
        const { line, col } = lc.linePos(e.pos[0]);
        const format = options.format ?? (file?.endsWith('.json') ? 'json' : 'yaml');
        return { file, line, column: col, path: [], message: `${format === 'json' ? 'JSON' : 'YAML'} syntax: ${e.message.split('\n')[0]}` };
      }),
      file ? `cannot parse ${file}` : 'cannot parse configuration',
    );
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 }) ?? {};
  const result = schema.safeParse(data, { reportInput: true });
  if (!result.success) {
    throw new ConfigError(zodIssues(doc, lc, file, schema, result.error, data), file ? `invalid configuration in ${file}` : 'invalid configuration');
  }
  return result.data;
}

/** Reads and validates a YAML (.yaml/.yml) or JSON (.json) config file. */
export function loadConfigFile<S extends z.ZodType>(file: string, schema: S): z.output<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'file not found' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new ConfigError([{ file, path: [], message: `cannot read config: ${why}`, hint: e.code === 'ENOENT' ? 'check the path, or pass -c <file>' : undefined }]);
  }
  return parseConfigText(text, schema, { file });
}
