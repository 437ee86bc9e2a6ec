// Typed, expanded access to one section's keys. Every key read is marked, so whatever is left at
// the end is, by construction, a key nobody mapped: it becomes a warning, never a silent drop.
import { dirname, resolve } from 'node:path';
import type { IniEntry, IniSection } from './ini.ts';
import { pyFormat, type FormatValue } from './pyformat.ts';
import type { Origin, Report } from './report.ts';

export type Vars = Readonly<Record<string, FormatValue | undefined>>;

export class SectionReader {
  readonly section: IniSection;
  private readonly report: Report;
  private readonly used = new Set<string>();

  constructor(section: IniSection, report: Report) {
    this.section = section;
    this.report = report;
  }

  get name(): string {
    return this.section.name;
  }

  /** The entry for `key`, marking it as handled. */
  entry(key: string): IniEntry | undefined {
    this.used.add(key);
    return this.section.entries.find((e) => e.key === key);
  }

  has(key: string): boolean {
    return this.section.entries.some((e) => e.key === key);
  }

  /** Where `key` is set, or the section header when it is not. */
  origin(key?: string): Origin {
    const e = key === undefined ? undefined : this.section.entries.find((x) => x.key === key);
    return {
      file: e?.file ?? this.section.file,
      line: e?.line ?? this.section.line,
      section: this.section.name,
      ...(key === undefined ? {} : { key }),
    };
  }

  /**
   * The value of `key` with supervisord's %-expansion applied (`%(here)s` is the directory of the
   * file that sets the key); undefined when the key is absent or its expansion failed (recorded).
   */
  text(key: string, vars: Vars | undefined): string | undefined {
    const e = this.entry(key);
    if (!e) return undefined;
    if (!vars) return e.value;
    return this.report.attempt(this.origin(key), () => expandEntry(e, vars));
  }

  /** Expands and parses `key`; returns `fallback` when absent, undefined when it is invalid (recorded). */
  value<T>(key: string, vars: Vars | undefined, parse: (v: string) => T, fallback: T): T | undefined {
    if (!this.has(key)) {
      this.used.add(key);
      return fallback;
    }
    const raw = this.text(key, vars);
    if (raw === undefined) return undefined;
    return this.report.attempt(this.origin(key), () => parse(raw));
  }

  /** Marks `key` as handled without reading it (e.g. a whole section that is skipped). */
  consume(key: string): void {
    this.used.add(key);
  }

  /** Keys present in the section that no code read. */
  unread(): IniEntry[] {
    return this.section.entries.filter((e) => !this.used.has(e.key));
  }
}

export function expandEntry(e: IniEntry, vars: Vars): string {
  return pyFormat(e.value, { ...vars, here: dirname(resolve(e.file)) });
}
