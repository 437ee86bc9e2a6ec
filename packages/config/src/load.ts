// Load a YAML or JSON config and validate it with a zod schema. Every problem is reported at
// once with file, line and column, so a user fixes the file in one pass; nothing is returned
// unless the whole file validates.
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { didYouMean } from './did-you-mean.ts';
import { ConfigError } from './errors.ts';
import type { ConfigIssue } from './issues.ts';
import { SourceMap } from './locate.ts';
import { keysAt } from './schema-walk.ts';

export interface ParseOptions {
  /** Shown in errors; also picks the format by extension when `format` is not given. */
  file?: string;
  format?: 'yaml' | 'json';
}

type Path = (string | number)[];

function valueAt(data: unknown, path: Path): unknown {
  let v = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

function zodIssues(map: SourceMap, file: string | undefined, schema: z.ZodType, error: z.ZodError, data: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of error.issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const known = keysAt(schema, path);
      for (const key of issue.keys) {
        const guess = didYouMean(key, known);
        out.push({
          file,
          ...map.locate([...path, key], { at: 'key' }),
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
      ...map.locate(path, { at: isMissing ? 'key' : 'value' }),
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
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const syntax = [...doc.errors, ...doc.warnings.filter((w) => w.code === 'DUPLICATE_KEY')];
  if (syntax.length > 0) {
    const format = options.format ?? (file?.endsWith('.json') ? 'json' : 'yaml');
    throw new ConfigError(
      syntax.map((e) => {
        const { line, col } = lines.linePos(e.pos[0]);
        return { file, line, column: col, path: [], message: `${format === 'json' ? 'JSON' : 'YAML'} syntax: ${e.message.split('\n')[0]}` };
      }),
      file ? `cannot parse ${file}` : 'cannot parse configuration',
    );
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 }) ?? {};
  const result = schema.safeParse(data, { reportInput: true });
  if (!result.success) {
    const issues = zodIssues(new SourceMap({ doc, lines }), file, schema, result.error, data);
    throw new ConfigError(issues, file ? `invalid configuration in ${file}` : 'invalid configuration');
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
    const hint = e.code === 'ENOENT' ? 'check the path, or pass -c <file>' : undefined;
    throw new ConfigError([{ file, path: [], message: `cannot read config: ${why}`, hint }]);
  }
  return parseConfigText(text, schema, { file });
}
