// [group:x]: a heterogeneous group of programs. Every member must exist; a program belongs to
// one group at most; [fcgi-program:x] members are left out, since holdfast does not run them.
import { didYouMean } from '@holdfast/config';
import type { IniSection } from './ini.ts';
import type { SvGroup } from './model.ts';
import type { Report } from './report.ts';
import type { SectionReader, Vars } from './section-reader.ts';
import { checkName, parseInteger } from './values.ts';

export function readGroup(
  r: SectionReader,
  vars: Vars,
  report: Report,
  programs: Map<string, IniSection>,
  fcgi: Set<string>,
  groupOf: Map<string, SvGroup>,
): SvGroup | undefined {
  const name = report.attempt(r.origin(), () => checkName(r.name.slice('group:'.length)));
  const common = { ...vars, group_name: name };
  const priority = r.value('priority', common, parseInteger, 999);
  const list = r.text('programs', common);
  for (const e of r.unread()) report.warn(r.origin(e.key), `unknown key '${e.key}' in a group (it takes programs= and priority=)`);
  if (name === undefined || priority === undefined) return undefined;
  if (list === undefined) {
    report.error(r.origin(), `[${r.name}] has no programs= line`, 'list its programs, e.g. programs=web,worker');
    return undefined;
  }
  const group: SvGroup = { name, origin: r.origin(), ...(r.has('priority') ? { priority } : {}), programs: [] };
  for (const member of list
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean)) {
    if (fcgi.has(member) && !programs.has(member)) {
      report.warn(
        r.origin('programs'),
        `'${member}' is an [fcgi-program:${member}], which holdfast does not run; it is left out of the group`,
      );
      continue;
    }
    if (!programs.has(member)) {
      const guess = didYouMean(member, programs.keys());
      report.error(
        r.origin('programs'),
        `names unknown program '${member}'`,
        guess ? `did you mean '${guess}'?` : `add a [program:${member}] section or remove it from programs=`,
      );
      continue;
    }
    const other = groupOf.get(member);
    if (other) {
      report.error(r.origin('programs'), `program '${member}' is already in [group:${other.name}]`, 'list each program in one group only');
      continue;
    }
    groupOf.set(member, group);
    group.programs.push(member);
  }
  if (group.programs.length === 0 && report.errors.length === 0) report.warn(r.origin('programs'), 'the group has no programs');
  return group;
}
