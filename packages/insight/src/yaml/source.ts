// A parsed YAML file that remembers where everything came from: paths into the data map back
// to line and column (falling back to the nearest existing parent for something missing), and
// syntax errors come out as issues with their position. JSON parses here too.
import { readFileSync } from 'node:fs';
import { SourceMap } from '@holdfast/config/locate';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { InsightError, type InsightErrorCode, type Issue } from '../errors.ts';

export class YamlSource {
  readonly file: string;
  readonly text: string;
  readonly doc: Document;
  private readonly lines = new LineCounter();
  private readonly map: SourceMap;

  constructor(file: string, text: string) {
    this.file = file;
    this.text = text;
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true, keepSourceTokens: true });
    this.map = new SourceMap({ doc: this.doc, lines: this.lines });
  }

  /** Reads `file`; an unreadable file or a syntax error throws `code` with file:line:column. */
  static read(file: string, code: InsightErrorCode): YamlSource {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new InsightError(code, `${file}: ${e.code === 'ENOENT' ? 'file not found' : e.message}`, [], { cause: err });
    }
    const src = new YamlSource(file, text);
    const syntax = [...src.doc.errors, ...src.doc.warnings.filter((w) => w.code === 'DUPLICATE_KEY')];
    if (syntax.length) {
      throw new InsightError(
        code,
        `cannot parse ${file}`,
        syntax.map((e) => ({ file, ...src.position(e.pos[0]), path: [], message: `YAML syntax: ${e.message.split('\n')[0]}` })),
      );
    }
    return src;
  }

  data(): unknown {
    return this.doc.toJS({ maxAliasCount: 100 });
  }

  private position(offset: number): { line: number; column: number } {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  /** Line and column of the value at `path` (of its key, for a map entry; of its owner, for something missing). */
  locate(path: readonly (string | number)[]): { line?: number; column?: number } {
    return this.map.locate(path) ?? {};
  }

  /** Issues from a validator (paths relative to `base`) with this file's positions. */
  place(issues: Issue[], base: readonly (string | number)[] = []): Issue[] {
    return issues.map((i) => ({ ...i, file: this.file, ...this.locate([...base, ...i.path]), path: [...base, ...i.path] }));
  }
}
