// Rules that span programs and groups: every dependsOn target exists, dependencies have no
// cycle, a program sits in at most one group, a group does not shadow a program. This runs even
// when single fields failed (so a user sees every error in one pass), hence the defensive reads.
import { didYouMean } from '@holdfast/config/did-you-mean';
import type { z } from 'zod';

/** Program and group names: also used in file names, cgroup names and CLI targets (`web:2`). */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const NAME_RULE = 'names use letters, digits, "_", "." and "-" (no ":" or "/"), and start with a letter or digit';

type Ctx = z.RefinementCtx;
type Loose = Record<string, unknown>;

const isObj = (v: unknown): v is Loose => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export function crossCheck(value: unknown, ctx: Ctx): void {
  if (!isObj(value)) return;
  const programs = isObj(value.programs) ? value.programs : {};
  const groups = isObj(value.groups) ? value.groups : {};
  const programNames = Object.keys(programs);
  const groupNames = Object.keys(groups);
  for (const n of programNames)
    if (!NAME_PATTERN.test(n)) ctx.addIssue({ code: 'custom', path: ['programs', n], message: `'${n}': ${NAME_RULE}` });
  for (const n of groupNames)
    if (!NAME_PATTERN.test(n)) ctx.addIssue({ code: 'custom', path: ['groups', n], message: `'${n}': ${NAME_RULE}` });

  const memberOf = new Map<string, string>();
  for (const g of groupNames) {
    if (g in programs)
      ctx.addIssue({
        code: 'custom',
        path: ['groups', g],
        message: `group '${g}' has the name of a program: targets like 'holdfast stop ${g}' would be ambiguous; rename one`,
      });
    const members = isObj(groups[g]) ? strings(groups[g].programs) : [];
    members.forEach((p, i) => {
      const path = ['groups', g, 'programs', i];
      if (!(p in programs)) {
        const guess = didYouMean(p, programNames);
        ctx.addIssue({ code: 'custom', path, message: `unknown program '${p}'${guess ? ` (did you mean '${guess}'?)` : ''}` });
        return;
      }
      const previous = memberOf.get(p);
      if (previous !== undefined)
        ctx.addIssue({
          code: 'custom',
          path,
          message: `program '${p}' is already in group '${previous}': a program belongs to one group at most`,
        });
      else memberOf.set(p, g);
    });
  }

  // Dependencies on a group mean every program of it.
  const edges = new Map<string, { target: string; via: string; index: number }[]>();
  for (const p of programNames) {
    const prog = programs[p];
    const deps = isObj(prog) ? strings(prog.dependsOn) : [];
    const list: { target: string; via: string; index: number }[] = [];
    deps.forEach((d, index) => {
      const path = ['programs', p, 'dependsOn', index];
      if (d === p) {
        ctx.addIssue({ code: 'custom', path, message: `program '${p}' depends on itself` });
      } else if (d in programs) {
        list.push({ target: d, via: d, index });
      } else if (d in groups) {
        const members = isObj(groups[d]) ? strings(groups[d].programs) : [];
        for (const m of members) if (m in programs && m !== p) list.push({ target: m, via: d, index });
        if (members.includes(p)) ctx.addIssue({ code: 'custom', path, message: `program '${p}' depends on its own group '${d}'` });
      } else {
        const guess = didYouMean(d, [...programNames, ...groupNames]);
        ctx.addIssue({
          code: 'custom',
          path,
          message: `dependsOn '${d}' is not a program or group${guess ? ` (did you mean '${guess}'?)` : ''}`,
        });
      }
    });
    edges.set(p, list);
  }

  checkListenPorts(programs, ctx);
  checkTemplateIds(programs, isObj(value.mining) ? value.mining : {}, ctx);

  // Depth-first search; a back edge closes a cycle, reported once at the edge that closes it. Each
  // step remembers the group it went through, so a cycle through a group names the group.
  const state = new Map<string, 'open' | 'done'>();
  const stack: { name: string; via?: string }[] = [];
  const reported = new Set<string>();
  const step = (name: string, via?: string) => (via !== undefined && via !== name ? `${name} (through group '${via}')` : name);
  const visit = (p: string, via?: string): void => {
    state.set(p, 'open');
    stack.push({ name: p, ...(via !== undefined ? { via } : {}) });
    for (const e of edges.get(p) ?? []) {
      const s = state.get(e.target);
      if (s === 'open') {
        const from = stack.findIndex((x) => x.name === e.target);
        const loop = stack.slice(from);
        const key = loop
          .map((x) => x.name)
          .sort()
          .join(',');
        if (!reported.has(key)) {
          reported.add(key);
          const text = [loop[0]!.name, ...loop.slice(1).map((x) => step(x.name, x.via)), step(e.target, e.via)].join(' → ');
          ctx.addIssue({ code: 'custom', path: ['programs', p, 'dependsOn', e.index], message: `dependsOn cycle: ${text}` });
        }
      } else if (s === undefined) {
        visit(e.target, e.via);
      }
    }
    stack.pop();
    state.set(p, 'done');
  };
  for (const p of programNames) if (!state.has(p)) visit(p);
}

/** `logs.templateId` needs the program's output mined, with JSON lines read as JSON. */
function checkTemplateIds(programs: Loose, mining: Loose, ctx: Ctx): void {
  const defaults = isObj(mining.defaults) ? mining.defaults : {};
  for (const [name, prog] of Object.entries(programs)) {
    if (!isObj(prog) || !isObj(prog.logs)) continue;
    const want = prog.logs.templateId;
    if (want === undefined || want === false) continue;
    const path = ['programs', name, 'logs', 'templateId'];
    const m = prog.mining;
    const mined = m === undefined ? mining.enabled !== false : m !== false;
    if (!mined) {
      const why = m === false ? 'it says mining: false' : 'mining.enabled is false and it does not say mining: true';
      ctx.addIssue({
        code: 'custom',
        path,
        message: `templateId needs the program's output mined, but ${why}: mine it (mining: true) or leave templateId out`,
      });
      continue;
    }
    const json = isObj(m) && m.json !== undefined ? m.json : defaults.json;
    if (json === false)
      ctx.addIssue({
        code: 'custom',
        path,
        message: "templateId goes into JSON lines, but this program's miner reads them as plain text (json: false): remove one of the two",
      });
  }
}

const WILDCARD = new Set(['0.0.0.0', '::', '']);

/** One port, one owner: two listen entries on the same port collide unless both name distinct, specific addresses. */
function checkListenPorts(programs: Loose, ctx: Ctx): void {
  const seen: { program: string; index: number; port: number; host: string }[] = [];
  for (const [name, prog] of Object.entries(programs)) {
    const list = isObj(prog) && Array.isArray(prog.listen) ? prog.listen : [];
    list.forEach((l: unknown, index) => {
      if (!isObj(l) || typeof l.port !== 'number') return;
      const host = typeof l.host === 'string' ? l.host : '0.0.0.0';
      const clash = seen.find((s) => s.port === l.port && (s.host === host || WILDCARD.has(s.host) || WILDCARD.has(host)));
      if (clash) {
        const where = clash.program === name ? `entry ${clash.index} of this program` : `programs.${clash.program}.listen[${clash.index}]`;
        ctx.addIssue({
          code: 'custom',
          path: ['programs', name, 'listen', index, 'port'],
          message: `port ${l.port} is already listed by ${where}: one socket has one owner (share it with instances: N)`,
        });
      }
      seen.push({ program: name, index, port: l.port, host });
    });
  }
}
