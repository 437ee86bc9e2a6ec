// The INI dialect supervisord reads: Python's RawConfigParser as supervisord configures it
// (inline comments on, strict off). Kept faithful because a file that supervisord accepts must
// read the same here:
// - `[section]` headers; section names are case-sensitive, keys are lower-cased.
// - `key = value` or `key: value`, split at the first `=` or `:`; values are stripped.
// - Lines starting with `;` or `#` are comments; so is `;` or `#` after whitespace mid-line
//   (so `command=bash -c 'a ; b'` loses ` ; b'`, as in supervisord).
// - A line indented deeper than its key continues the value (joined with newlines); blank lines
//   inside such a value are kept, trailing ones dropped.
// - A repeated key or section is not an error: the later value wins, sections merge.
// Every key keeps its file and line, so any later error can point at it.
import type { ConfigIssue } from '@holdfast/config';

export interface IniEntry {
  key: string;
  value: string;
  file: string;
  line: number;
}

export interface IniSection {
  name: string;
  file: string;
  line: number;
  entries: IniEntry[];
}

export interface IniParseResult {
  sections: IniSection[];
  /** Keys set twice in one section: the earlier entry, which lost. */
  overridden: { section: string; entry: IniEntry }[];
  errors: ConfigIssue[];
}

const COMMENT_PREFIXES = [';', '#'];

/** Strips a full-line comment or an inline one (a prefix at the start or after whitespace). */
function stripComment(line: string): string {
  const trimmed = line.trim();
  if (COMMENT_PREFIXES.some((p) => trimmed.startsWith(p))) return '';
  let cut = line.length;
  for (const prefix of COMMENT_PREFIXES) {
    let at = line.indexOf(prefix);
    while (at !== -1) {
      if (at === 0 || /\s/.test(line[at - 1]!)) {
        cut = Math.min(cut, at);
        break;
      }
      at = line.indexOf(prefix, at + 1);
    }
  }
  return line.slice(0, cut).trim();
}

interface OpenValue {
  entry: IniEntry;
  lines: string[];
  indent: number;
}

/** Parses one file's text. Errors are collected (with line numbers), never thrown. */
export function parseIni(text: string, file: string): IniParseResult {
  const sections: IniSection[] = [];
  const byName = new Map<string, IniSection>();
  const overridden: IniParseResult['overridden'] = [];
  const errors: ConfigIssue[] = [];
  let current: IniSection | undefined;
  let open: OpenValue | undefined;

  const close = () => {
    if (!open) return;
    open.entry.value = open.lines.join('\n').trimEnd();
    open = undefined;
  };

  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const value = stripComment(raw);
    if (value === '') {
      // Blank (or comment) lines do not end a multi-line value: the next indented line continues it.
      if (open && raw.trim() === '') open.lines.push('');
      return;
    }
    const indent = raw.search(/\S/);
    if (open && indent > open.indent) {
      open.lines.push(value);
      return;
    }
    close();
    const header = /^\[(.+)\]/.exec(value);
    if (header) {
      const name = header[1]!;
      let section = byName.get(name);
      if (!section) {
        section = { name, file, line: lineNo, entries: [] };
        byName.set(name, section);
        sections.push(section);
      }
      current = section;
      return;
    }
    if (!current) {
      errors.push({
        file,
        line: lineNo,
        path: [],
        message: `'${value}' comes before any [section] header`,
        hint: 'start the file with a section such as [program:web] or [supervisord]',
      });
      return;
    }
    // Split at the first '=' or ':' by hand: a regex like /^(.*?)\s*[=:]/ backtracks over a long
    // run of spaces in quadratic time (a 1 MB line took minutes); this is one pass.
    const eq = value.indexOf('=');
    const colon = value.indexOf(':');
    const at = eq < 0 ? colon : colon < 0 ? eq : Math.min(eq, colon);
    const key = at < 0 ? undefined : value.slice(0, at).trimEnd().toLowerCase();
    if (at < 0 || !key) {
      const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
      errors.push({
        file,
        line: lineNo,
        path: [current.name],
        message: at >= 0 ? `'${shown}' has no key before '${value[at]}'` : `'${shown}' is not a 'key = value' line`,
        hint: value.startsWith('[')
          ? 'a section header is written [kind:name] with nothing after the closing bracket but a comment'
          : 'write key = value; indent a line to continue the previous value',
      });
      return;
    }
    const rest = value.slice(at + 1).trimStart();
    const entry: IniEntry = { key, value: rest, file, line: lineNo };
    const existing = current.entries.findIndex((e) => e.key === key);
    if (existing !== -1) {
      overridden.push({ section: current.name, entry: current.entries[existing]! });
      current.entries.splice(existing, 1);
    }
    current.entries.push(entry);
    open = { entry, lines: [rest], indent };
  });
  close();
  return { sections, overridden, errors };
}
