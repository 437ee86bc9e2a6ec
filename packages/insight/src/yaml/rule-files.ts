// The files `holdfast alerts lint` reads, recognised by their top-level keys: a knowledge base
// (entries), Prometheus rule files (groups), a holdfast config (its incidents section: receivers,
// routes, the knowledge base it names, the built-in rules' owner) and Alertmanager configs (route
// tree and receivers). Each becomes ledger rules and receivers, with file:line for every finding.
import { dirname, resolve } from 'node:path';
import type { InsightError } from '../errors.ts';
import { validateIncidentsConfig } from '../incidents/config.ts';
import { validateKnowledge } from '../knowledge/entry.ts';
import { lintRules, type LintFinding } from '../ledger/lint.ts';
import { builtinRules, knowledgeRules, type LedgerRule } from '../ledger/rule.ts';
import { YamlSource } from './source.ts';

export type RuleFileKind = 'knowledge' | 'prometheus' | 'holdfast' | 'alertmanager';

interface Read {
  rules: LedgerRule[];
  receivers: string[];
  findings: LintFinding[];
  /** Other files this one names (a holdfast config's knowledge base). */
  follow: string[];
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function kindOfRuleFile(data: unknown): RuleFileKind | undefined {
  if (!isObj(data)) return data === null || data === undefined ? 'knowledge' : undefined;
  if ('groups' in data) return 'prometheus';
  if ('entries' in data) return 'knowledge';
  if ('programs' in data || 'incidents' in data || 'supervisor' in data) return 'holdfast';
  if ('route' in data && 'receivers' in data) return 'alertmanager';
  return undefined;
}

const fileFinding = (src: YamlSource, message: string, path: (string | number)[] = [], hint?: string): LintFinding => ({
  rule: '-',
  file: src.file,
  ...src.locate(path),
  path,
  level: 'error',
  check: 'file',
  message,
  ...(hint ? { hint } : {}),
});

function prometheus(src: YamlSource, data: Record<string, unknown>): Read {
  const out: Read = { rules: [], receivers: [], findings: [], follow: [] };
  if (!Array.isArray(data.groups)) return { ...out, findings: [fileFinding(src, "'groups' must be a list of rule groups", ['groups'])] };
  data.groups.forEach((g: unknown, gi: number) => {
    if (!isObj(g) || !Array.isArray(g.rules))
      return void out.findings.push(fileFinding(src, 'a rule group needs name and rules: [...]', ['groups', gi]));
    g.rules.forEach((r: unknown, ri: number) => {
      if (!isObj(r) || r.record !== undefined) return;
      const base = ['groups', gi, 'rules', ri];
      if (typeof r.alert !== 'string') return void out.findings.push(fileFinding(src, 'an alerting rule needs alert: <name>', base));
      const labels = isObj(r.labels) ? (r.labels as Record<string, unknown>) : {};
      const ann = isObj(r.annotations) ? (r.annotations as Record<string, unknown>) : {};
      const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
      const rule: LedgerRule = {
        id: `prometheus:${r.alert}`,
        source: 'prometheus',
        path: base,
        file: src.file,
        ...src.locate(base),
        at: (field) => ({ file: src.file, ...src.locate([...base, ...field.split('.')]) }),
        sameAs: `${String(r.expr ?? '')}\u0000${JSON.stringify(labels, Object.keys(labels).sort())}`,
      };
      const owner = str(labels.owner) ?? str(labels.team);
      const severity = str(labels.severity);
      const trigger = str(typeof r.expr === 'number' ? String(r.expr) : r.expr);
      const runbook = str(ann.runbook_url) ?? str(ann.runbook);
      const action = str(ann.action);
      const receiver = str(labels.receiver);
      if (owner) rule.owner = owner;
      if (severity) rule.severity = severity;
      if (trigger) rule.trigger = trigger;
      if (runbook) rule.runbook = runbook;
      if (action) rule.action = action;
      if (receiver) rule.receiver = receiver;
      if (r.for !== undefined) rule.for = String(r.for);
      out.rules.push(rule);
    });
  });
  // One name with different labels is one alert at several thresholds: identify them by labels too.
  const byName = new Map<string, number>();
  for (const r of out.rules) byName.set(r.id, (byName.get(r.id) ?? 0) + 1);
  for (const r of out.rules) if ((byName.get(r.id) ?? 0) > 1 && r.severity) r.id = `${r.id}{severity=${r.severity}}`;
  return out;
}

function knowledge(src: YamlSource, data: unknown): Read {
  const v = validateKnowledge(data);
  if (!v.ok)
    return {
      rules: [],
      receivers: [],
      follow: [],
      findings: src.place(v.issues).map((i) => ({ rule: '-', ...i, level: 'error' as const, check: 'file' as const })),
    };
  return {
    rules: knowledgeRules(v.kb.entries, { file: src.file, at: (i, ...path) => src.locate(['entries', i, ...path]) }),
    receivers: [],
    findings: [],
    follow: [],
  };
}

function holdfast(src: YamlSource, data: Record<string, unknown>): Read {
  const out: Read = { rules: [], receivers: [], findings: [], follow: [] };
  if (data.incidents === undefined) return out;
  const v = validateIncidentsConfig(data.incidents);
  if (!v.ok) {
    for (const i of src.place(v.issues, ['incidents']))
      out.findings.push({ rule: '-', ...i, level: 'error', check: /unknown receiver/.test(i.message) ? 'receiver' : 'file' });
    const raw = data.incidents as Record<string, unknown>;
    if (isObj(raw) && Array.isArray(raw.receivers))
      out.receivers.push(...raw.receivers.flatMap((r: unknown) => (isObj(r) && typeof r.name === 'string' ? [r.name] : [])));
    return out;
  }
  out.receivers.push(...v.config.receivers.map((r) => r.name));
  out.rules.push(...builtinRules(v.config.owner));
  if (v.config.knowledge) out.follow.push(resolve(dirname(src.file), v.config.knowledge));
  return out;
}

function alertmanager(src: YamlSource, data: Record<string, unknown>): Read {
  const out: Read = { rules: [], receivers: [], findings: [], follow: [] };
  if (Array.isArray(data.receivers))
    out.receivers.push(...data.receivers.flatMap((r: unknown) => (isObj(r) && typeof r.name === 'string' ? [r.name] : [])));
  const walk = (route: unknown, path: (string | number)[]) => {
    if (!isObj(route)) return;
    if (typeof route.receiver === 'string' && !out.receivers.includes(route.receiver))
      out.findings.push({
        rule: '-',
        file: src.file,
        ...src.locate([...path, 'receiver']),
        path: [...path, 'receiver'],
        level: 'error',
        check: 'receiver',
        message: `unknown receiver '${route.receiver}'`,
        hint: `receivers: ${out.receivers.join(', ') || '(none)'}`,
      });
    if (Array.isArray(route.routes)) route.routes.forEach((r: unknown, i: number) => walk(r, [...path, 'routes', i]));
  };
  walk(data.route, ['route']);
  return out;
}

/** Reads one file of any kind the ledger knows; unreadable and unrecognised files are findings. */
export function readRuleFile(file: string): Read & { kind?: RuleFileKind } {
  let src: YamlSource;
  try {
    src = YamlSource.read(file, 'HOLDFAST_E_RULE_FILE');
  } catch (err) {
    const e = err as InsightError;
    const issues = e.issues?.length ? e.issues : [{ file, path: [], message: e.message }];
    return {
      rules: [],
      receivers: [],
      follow: [],
      findings: issues.map((i) => ({ rule: '-', ...i, file: i.file ?? file, level: 'error', check: 'file' })),
    };
  }
  const data = src.data();
  const kind = kindOfRuleFile(data);
  if (kind === undefined)
    return {
      rules: [],
      receivers: [],
      follow: [],
      findings: [
        fileFinding(
          src,
          'not a file the alert ledger knows',
          [],
          'expected a knowledge base (entries:), Prometheus rules (groups:), a holdfast config (incidents:) or an ' +
            'Alertmanager config (route:, receivers:)',
        ),
      ],
    };
  const read =
    kind === 'prometheus'
      ? prometheus(src, data as Record<string, unknown>)
      : kind === 'knowledge'
        ? knowledge(src, data)
        : kind === 'holdfast'
          ? holdfast(src, data as Record<string, unknown>)
          : alertmanager(src, data as Record<string, unknown>);
  return { ...read, kind };
}

export interface LintResult {
  files: { file: string; kind?: RuleFileKind }[];
  rules: number;
  findings: LintFinding[];
  errors: number;
  warnings: number;
}

/** Lints every file given (and the knowledge base a holdfast config names), as one ledger. */
export function lintFiles(files: readonly string[]): LintResult {
  const queue = files.map((f) => resolve(f));
  const done = new Set<string>();
  const rules: LedgerRule[] = [];
  const receivers = new Set<string>();
  const findings: LintFinding[] = [];
  const seen: LintResult['files'] = [];
  let anyReceivers = false;
  while (queue.length) {
    const f = queue.shift()!;
    if (done.has(f)) continue;
    done.add(f);
    const r = readRuleFile(f);
    seen.push({ file: f, ...(r.kind ? { kind: r.kind } : {}) });
    if (r.kind === 'holdfast' || r.kind === 'alertmanager') anyReceivers = true;
    rules.push(...r.rules);
    for (const x of r.receivers) receivers.add(x);
    findings.push(...r.findings);
    queue.push(...r.follow);
  }
  findings.push(...lintRules(rules, anyReceivers ? { receivers: [...receivers] } : {}));
  const errors = findings.filter((x) => x.level === 'error').length;
  return { files: seen, rules: rules.length, findings, errors, warnings: findings.length - errors };
}
