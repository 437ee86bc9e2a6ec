// knowledge.yaml on disk: loaded with every problem reported at file:line:column (an invalid
// regex is refused at load, nothing is half-used), and written back by `--learn` through the
// yaml Document API, so the user's comments, order and layout stay as they were.
import { renameSync, writeFileSync } from 'node:fs';
import { isSeq, stringify, type Node, type YAMLSeq } from 'yaml';
import { InsightError } from '../errors.ts';
import { validateKnowledge, type KnowledgeBase, type KnowledgeEntry } from '../knowledge/entry.ts';
import { YamlSource } from './source.ts';

/** Reads and validates a knowledge base; throws HOLDFAST_E_KNOWLEDGE listing every issue with file:line:column. */
export function loadKnowledgeFile(file: string): KnowledgeBase {
  return parseKnowledge(YamlSource.read(file, 'HOLDFAST_E_KNOWLEDGE'));
}

function parseKnowledge(src: YamlSource): KnowledgeBase {
  const v = validateKnowledge(src.data());
  if (!v.ok) throw new InsightError('HOLDFAST_E_KNOWLEDGE', `${src.file} was not loaded`, src.place(v.issues));
  return v.kb;
}

/** Where each entry starts (for the alert ledger's file:line). */
export function knowledgePositions(file: string): {
  kb: KnowledgeBase;
  at: (index: number, ...path: (string | number)[]) => { line?: number; column?: number };
} {
  const src = YamlSource.read(file, 'HOLDFAST_E_KNOWLEDGE');
  return { kb: parseKnowledge(src), at: (i, ...path) => src.locate(['entries', i, ...path]) };
}

/**
 * Where to splice a new item into a block sequence so every byte already in the file stays: after
 * the last item and the comment lines indented under it; and the indentation its items use.
 */
function spliceAfterLast(text: string, seq: YAMLSeq): { at: number; indent: string } | undefined {
  const last = seq.items.at(-1) as Node | undefined;
  if (!last?.range) return undefined;
  const lineStart = text.lastIndexOf('\n', last.range[0] - 1) + 1;
  const indent = /^( *)- /.exec(text.slice(lineStart, last.range[0]))?.[1];
  if (indent === undefined) return undefined;
  let at = last.range[1];
  if (text[at - 1] !== '\n') {
    const nl = text.indexOf('\n', at);
    at = nl < 0 ? text.length : nl + 1;
  }
  for (;;) {
    const nl = text.indexOf('\n', at);
    const line = text.slice(at, nl < 0 ? text.length : nl);
    const m = /^( *)#/.exec(line);
    if (!m || m[1]!.length <= indent.length || nl < 0) break;
    at = nl + 1;
  }
  return { at, indent };
}

/**
 * Appends `entry` to the file's `entries`. Into a block list the entry is spliced in as text, so
 * every comment, blank line and flow map already there stays byte for byte; otherwise (no list
 * yet, or a flow list) through the yaml Document API, which keeps comments. The result is
 * validated before it replaces the file (atomically, by rename): a clash (a duplicate id) throws
 * and leaves the file untouched.
 */
export function appendKnowledgeEntry(file: string, entry: KnowledgeEntry, comment?: string): KnowledgeBase {
  const src = YamlSource.read(file, 'HOLDFAST_E_KNOWLEDGE');
  const doc = src.doc;
  const plain = JSON.parse(JSON.stringify(entry)) as unknown;
  const entries = doc.get('entries', true);
  let text: string;
  const splice = isSeq(entries) && !entries.flow ? spliceAfterLast(src.text, entries) : undefined;
  if (splice) {
    const block = stringify([plain], { lineWidth: 0 }).replace(/^(?=.)/gm, splice.indent);
    const head = src.text.slice(0, splice.at);
    const sep = head.endsWith('\n') || head === '' ? '' : '\n';
    text = `${head}${sep}${comment ? `${splice.indent}# ${comment}\n` : ''}${block}${src.text.slice(splice.at)}`;
  } else if (isSeq(entries) || entries === undefined || entries === null) {
    const node = doc.createNode(plain);
    if (comment) node.commentBefore = ` ${comment}`;
    if (isSeq(entries)) {
      entries.flow = false;
      entries.items.push(node);
    } else {
      if (doc.contents === null) doc.contents = doc.createNode({}) as never;
      doc.set('entries', doc.createNode([]));
      (doc.get('entries', true) as YAMLSeq).items.push(node);
    }
    text = doc.toString({ lineWidth: 0 });
  } else {
    throw new InsightError('HOLDFAST_E_KNOWLEDGE', `${file}: 'entries' is not a list; fix the file before learning into it`);
  }
  const kb = parseKnowledge(new YamlSource(file, text));
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
  return kb;
}
