// Reads a supervisord.conf and the files its [include] section names, merging their sections
// as supervisord does (a section seen again gains keys; a key seen again takes the later value).
// `files=` is a space-separated list of globs relative to the including file's directory,
// expanded with %(here)s, %(host_node_name)s and %(ENV_X)s. supervisord follows only the main
// file's [include]; holdfast also follows [include] in included files (with a warning, since
// supervisord would ignore it) and never reads a file twice, so cycles end.
import { isUtf8 } from 'node:buffer';
import { globSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { parseIni, type IniEntry, type IniSection } from './ini.ts';
import { pyFormat, type FormatValue } from './pyformat.ts';
import type { Report } from './report.ts';

export interface IniTree {
  /** Sections in first-seen order, merged across files; each entry keeps its own file and line. */
  sections: IniSection[];
  /** Every file read, main file first. */
  files: string[];
}

const GLOB_CHARS = /[*?[]/;

/** Why `buf` is not a config text (binary, or not UTF-8), or undefined when it is one. */
export function binaryReason(buf: Buffer): string | undefined {
  const nul = buf.indexOf(0);
  if (nul >= 0) return `it is binary, not a supervisord.conf (a NUL byte at offset ${nul})`;
  if (!isUtf8(buf)) return 'it is not UTF-8 text (an invalid byte sequence), so not a supervisord.conf supervisord could read';
  return undefined;
}

function readText(file: string): { text?: string; why?: string; binary?: boolean } {
  try {
    if (statSync(file).isDirectory()) return { why: 'it is a directory' };
    const buf = readFileSync(file);
    const binary = binaryReason(buf);
    return binary ? { why: binary, binary: true } : { text: buf.toString('utf8') };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { why: e.code === 'ENOENT' ? 'file not found' : e.code === 'EACCES' ? 'permission denied' : e.message };
  }
}

/** Python's glob: `*` and `?` do not match a leading dot; results sorted by code point. */
function expandGlob(pattern: string): string[] {
  if (!GLOB_CHARS.test(pattern)) return readText(pattern).why === 'file not found' ? [] : [pattern];
  const wantsDot = basename(pattern).startsWith('.');
  return globSync(pattern)
    .filter((f) => wantsDot || !basename(f).startsWith('.'))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** strict: an [include] pattern that matches nothing is an error, not supervisord's warning. */
export function readIniTree(mainFile: string, vars: Readonly<Record<string, FormatValue>>, report: Report, strict = false): IniTree {
  const merged = new Map<string, IniSection>();
  const order: IniSection[] = [];
  const seen = new Set<string>();
  const files: string[] = [];

  const merge = (section: IniSection) => {
    const into = merged.get(section.name);
    if (!into) {
      const copy = { ...section, entries: [...section.entries] };
      merged.set(section.name, copy);
      order.push(copy);
      return;
    }
    for (const entry of section.entries) {
      const at = into.entries.findIndex((e) => e.key === entry.key);
      if (at !== -1) {
        const old = into.entries[at]!;
        report.warn(
          { file: old.file, line: old.line, section: section.name, key: old.key },
          `overridden by ${entry.file}:${entry.line}, which sets it again (the later value wins, as in supervisord)`,
        );
        into.entries.splice(at, 1);
      }
      into.entries.push(entry);
    }
  };

  const visit = (file: string, nested: boolean) => {
    const real = safeRealpath(file);
    seen.add(real);
    files.push(file);
    const { text } = readText(file);
    const parsed = parseIni(text ?? '', file);
    report.errors.push(...parsed.errors);
    for (const { section, entry: old } of parsed.overridden) {
      report.warn(
        { file: old.file, line: old.line, section, key: old.key },
        'set again later in the same section; the later value wins, as in supervisord',
      );
    }
    let include: IniSection | undefined;
    for (const section of parsed.sections) {
      if (section.name === 'include') include = section;
      else merge(section);
    }
    if (!include) return;
    if (nested) {
      report.warn(
        { file, line: include.line, section: 'include' },
        'an [include] inside an included file is ignored by supervisord; holdfast follows it',
      );
    }
    const filesEntry = include.entries.find((e) => e.key === 'files');
    for (const e of include.entries) {
      if (e.key !== 'files')
        report.warn(
          { file: e.file, line: e.line, section: 'include', key: e.key },
          `unknown key '${e.key}' in [include]: only files= is read`,
        );
    }
    if (!filesEntry) {
      report.error(
        { file, line: include.line, section: 'include' },
        '[include] has no files= setting',
        'list the files to include, e.g. files = conf.d/*.conf',
      );
      return;
    }
    for (const target of includeTargets(filesEntry, vars, report, strict)) {
      const why = readText(target.path).why;
      if (why) {
        report.error(
          { file: filesEntry.file, line: filesEntry.line, section: 'include', key: 'files' },
          `cannot read included file ${target.path}: ${why}`,
          'fix the path in files=, or remove it',
        );
        continue;
      }
      const real = safeRealpath(target.path);
      if (seen.has(real)) {
        report.warn(
          { file: filesEntry.file, line: filesEntry.line, section: 'include', key: 'files' },
          `${target.path} is already read; not reading it again`,
        );
        continue;
      }
      visit(target.path, true);
    }
  };

  const main = readText(mainFile);
  if (main.why) {
    report.errors.push({
      file: mainFile,
      path: [],
      message: main.binary ? `${mainFile}: ${main.why}` : `cannot read supervisord config: ${main.why}`,
      ...(main.why === 'file not found' ? { hint: 'check the path, or pass -c <file>' } : {}),
    });
    return { sections: [], files: [] };
  }
  visit(mainFile, false);
  return { sections: order, files };
}

function safeRealpath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return resolve(file);
  }
}

function includeTargets(entry: IniEntry, vars: Readonly<Record<string, FormatValue>>, report: Report, strict: boolean): { path: string }[] {
  const here = dirname(resolve(entry.file));
  const at = { file: entry.file, line: entry.line, section: 'include', key: 'files' };
  const expanded = report.attempt(at, () => pyFormat(entry.value, { ...vars, here }));
  if (expanded === undefined) return [];
  const out: { path: string }[] = [];
  for (const pattern of expanded.split(/\s+/).filter(Boolean)) {
    const full = isAbsolute(pattern) ? pattern : join(dirname(entry.file), pattern);
    const matches = expandGlob(full);
    if (matches.length === 0) {
      // supervisord warns ("No file matches via include") and carries on; --strict refuses.
      if (strict)
        report.error(
          at,
          `no file matches ${full}`,
          'fix the pattern in files=, or remove it (without --strict this is a warning, as in supervisord)',
        );
      else report.warn(at, `no file matches ${full} (supervisord warns about this too and carries on; --strict refuses it)`);
      continue;
    }
    for (const m of matches) out.push({ path: m });
  }
  return out;
}
