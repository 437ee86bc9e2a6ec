// The child process that reads and edits a guard rules file for the dashboard
// (rules-isolated.ts starts it): the yaml parser and guard's validator cost megabytes the daemon
// must not keep for a file edited a few times a day. An edit is applied to the YAML document
// (comments, order and formatting of untouched rules kept), the new text is validated by the very
// function that services use to load the file (parseRulesText), and only a valid text replaces
// the file, atomically (temporary file + rename, which the services' watchers see).
//   node rules-main.ts read <file>
//   node rules-main.ts edit <file>   < {"version", "op": "set"|"add"|"delete", "kind", "id"?, "rule"?}
// One JSON answer on stdout: {file, version, rules, fields} or {error: {code, message, issues}}.
import { createHash } from 'node:crypto';
import { chmodSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseRulesText, rulesJsonSchema } from '@holdfast/guard/rules';
import { isMap, isSeq, parseDocument } from 'yaml';

const KINDS = ['flow', 'breakers', 'hotspot', 'isolation', 'system'] as const;
type Kind = (typeof KINDS)[number];

interface Edit {
  version: string;
  op: 'set' | 'add' | 'delete';
  kind: Kind;
  id?: string;
  rule?: Record<string, unknown>;
}

class EditError extends Error {
  readonly code: string;
  readonly issues: unknown[];
  constructor(code: string, message: string, issues: unknown[] = []) {
    super(message);
    this.code = code;
    this.issues = issues;
  }
}

const versionOf = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/** Per kind: each field's type, allowed values and description, from the rules' JSON Schema (the page builds its form from it). */
function fields(): Record<string, Record<string, unknown>> {
  const schema = rulesJsonSchema() as {
    properties?: Record<
      string,
      { items?: { properties?: object }; anyOf?: { items?: { properties?: object }; properties?: object }[]; properties?: object }
    >;
  };
  const out: Record<string, Record<string, unknown>> = {};
  for (const k of KINDS) {
    const p = schema.properties?.[k];
    const variants = p?.anyOf ?? [p ?? {}];
    const props = variants.map((v) => v.items?.properties ?? v.properties).find((x) => x !== undefined);
    out[k] = (props ?? {}) as Record<string, unknown>;
  }
  return out;
}

function read(file: string) {
  const text = readFileSync(file, 'utf8');
  const version = versionOf(text);
  try {
    return { file, version, rules: parseRulesText(text, { file }), fields: fields() };
  } catch (err) {
    // A file that does not validate is shown with its problems; the services keep their last good rules.
    const e = err as Error & { code?: string; issues?: unknown[] };
    return {
      file,
      version,
      rules: null,
      fields: fields(),
      invalid: { code: e.code ?? 'HOLDFAST_E_RULES', message: e.message, issues: e.issues ?? [] },
    };
  }
}

function edit(file: string, e: Edit) {
  if (!KINDS.includes(e.kind)) throw new EditError('HOLDFAST_E_BAD_REQUEST', `kind: '${String(e.kind)}' is not one of ${KINDS.join(', ')}`);
  const text = readFileSync(file, 'utf8');
  if (versionOf(text) !== e.version) {
    throw new EditError(
      'HOLDFAST_E_RULES_CHANGED',
      `${file} changed since the page read it (someone else edited it): reload the rules and make the edit again`,
    );
  }
  const doc = parseDocument(text);
  if (doc.errors.length)
    throw new EditError(
      'HOLDFAST_E_RULES_FILE',
      `${file} does not parse as YAML (${doc.errors[0]!.message.split('\n')[0]}): fix it by hand first`,
    );
  if (doc.contents === null) (doc as { contents: unknown }).contents = doc.createNode({});
  if (!isMap(doc.contents)) throw new EditError('HOLDFAST_E_RULES_FILE', `${file}: the top level is not a map of rule kinds`);
  if (e.kind === 'system') {
    if (e.op === 'delete') doc.delete('system');
    else {
      const cur = doc.get('system');
      if (!isMap(cur)) doc.set('system', doc.createNode(e.rule ?? {}));
      else setFields(doc, ['system'], cur.toJSON() as Record<string, unknown>, e.rule ?? {});
    }
  } else {
    const seq = doc.get(e.kind);
    const items = isSeq(seq) ? (seq.toJSON() as Record<string, unknown>[]) : [];
    const index = e.id === undefined ? -1 : items.findIndex((r) => r && r.id === e.id);
    if (e.op === 'add') {
      if (!isSeq(seq)) doc.set(e.kind, doc.createNode([e.rule ?? {}]));
      else seq.add(doc.createNode(e.rule ?? {}));
    } else if (index < 0) {
      throw new EditError(
        'HOLDFAST_E_RULES_CHANGED',
        `${file} has no ${e.kind} rule with id '${e.id}' (it was renamed or removed): reload the rules`,
      );
    } else if (e.op === 'delete') doc.deleteIn([e.kind, index]);
    else setFields(doc, [e.kind, index], items[index]!, e.rule ?? {});
  }
  const next = doc.toString();
  // The check the services run on the file: the same function, the same message.
  const rules = parseRulesText(next, { file });
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, next, { mode: statSync(file).mode & 0o777 });
  chmodSync(tmp, statSync(file).mode & 0o777);
  renameSync(tmp, file);
  return { file, version: versionOf(next), rules, fields: fields() };
}

/** Only what changed is touched, so comments beside the other fields stay. */
function setFields(
  doc: ReturnType<typeof parseDocument>,
  path: (string | number)[],
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): void {
  for (const [k, v] of Object.entries(after)) if (JSON.stringify(before[k]) !== JSON.stringify(v)) doc.setIn([...path, k], v);
  for (const k of Object.keys(before)) if (!(k in after)) doc.deleteIn([...path, k]);
}

const [cmd, file] = process.argv.slice(2);
let answer: unknown;
try {
  if (!file || (cmd !== 'read' && cmd !== 'edit')) throw new EditError('HOLDFAST_E_BAD_REQUEST', 'usage: rules-main.ts read|edit <file>');
  answer = cmd === 'read' ? read(file) : edit(file, JSON.parse(readFileSync(0, 'utf8')) as Edit);
} catch (err) {
  const e = err as Error & { code?: string; issues?: unknown[] };
  const code = e.code === 'ENOENT' || e.code === 'EACCES' ? 'HOLDFAST_E_RULES_FILE' : (e.code ?? 'HOLDFAST_E_RULES');
  answer = {
    error: {
      code,
      message: e.code === 'ENOENT' || e.code === 'EACCES' ? `cannot read ${file}: ${e.message}` : e.message,
      issues: e.issues ?? [],
    },
  };
}
process.stdout.write(JSON.stringify(answer));
