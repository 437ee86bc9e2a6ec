// Maps a path into parsed YAML or JSON (['programs', 'web', 'stopSignal'], ['flow', 2,
// 'threshold']) back to the line and column of the source text, so a problem is reported where
// the user has to edit. JSON is read by the same parser (JSON is YAML). This subpath needs the
// `yaml` package (whoever parses YAML has it); the rest of @holdfast/config's subpaths need nothing.
import { type Document, LineCounter, type Node, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';

export interface Located {
  line: number;
  column: number;
}

export interface LocateOptions {
  /**
   * For a map entry: point at its key (where the line to edit starts, also for a nested map) or
   * at its value. Default 'key'. A path that names something missing always points at the key
   * of the map (or the list item) that lacks it.
   */
  at?: 'key' | 'value';
}

type Path = readonly (string | number)[];

/** The offset in the source of `path`, falling back to the owner of the deepest part that exists. */
export function locateOffset(doc: Document, path: Path, options: LocateOptions = {}): number | undefined {
  const atKey = options.at !== 'value';
  let node: unknown = doc.contents;
  let offset: number | undefined = (node as Node | null)?.range?.[0];
  // Where the node being walked is named: the key of its map entry, or its list item.
  let owner = offset;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return owner;
      const keyAt = (pair.key as Node).range?.[0];
      node = pair.value;
      offset = atKey ? (keyAt ?? offset) : ((node as Node | null)?.range?.[0] ?? keyAt ?? offset);
      owner = keyAt ?? owner;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg]) {
      node = node.items[seg];
      offset = (node as Node).range?.[0] ?? offset;
      owner = offset;
    } else {
      return owner;
    }
  }
  return offset;
}

/** Line and column (1-based) of paths into one source text. */
export class SourceMap {
  readonly #doc: Document;
  readonly #lines: LineCounter;

  /** From the text; or from a document already parsed with `lineCounter: lines`. */
  constructor(source: string | { doc: Document; lines: LineCounter }) {
    if (typeof source === 'string') {
      this.#lines = new LineCounter();
      this.#doc = parseDocument(source, { lineCounter: this.#lines });
    } else {
      this.#doc = source.doc;
      this.#lines = source.lines;
    }
  }

  locate(path: Path, options: LocateOptions = {}): Located | undefined {
    const offset = locateOffset(this.#doc, path, options);
    if (offset === undefined) return undefined;
    const { line, col } = this.#lines.linePos(offset);
    return { line, column: col };
  }
}
