// Maps a path into parsed rules (['flow', 2, 'threshold']) back to the line and column of the
// source text, so a bad rules file is reported where the user has to edit it. Works for YAML
// and JSON alike (the yaml parser reads JSON), falling back to the nearest existing ancestor
// when the path names something missing (a required field points at its rule).
import { type Document, LineCounter, type Node, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';

export interface Located {
  line: number;
  column: number;
}

export class SourceMap {
  private readonly doc: Document;
  private readonly lines = new LineCounter();

  constructor(text: string) {
    this.doc = parseDocument(text, { lineCounter: this.lines });
  }

  locate(path: readonly (string | number)[]): Located | undefined {
    let node: unknown = this.doc.contents;
    let offset = (node as Node | null)?.range?.[0];
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        // Point at the key: that is where a wrong value's line starts, also for nested maps.
        offset = (pair.key as Node).range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number' && node.items[seg]) {
        node = node.items[seg];
        offset = (node as Node).range?.[0] ?? offset;
      } else break;
    }
    if (offset === undefined) return undefined;
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }
}
