// The knowledge base's checker: compiled once per load, run for every signal. The first entry
// (in file order) whose conditions all hold classifies the signal; then a built-in rule for the
// supervisor's, failover's and guard's own events; a Prometheus alert is classified by its own
// labels; anything else is 'unclassified'.
import type { Severity, Signal } from '../incidents/signal.ts';
import { SEVERITIES } from '../incidents/signal.ts';
import { builtinFor } from './builtins.ts';
import type { KnowledgeAction, KnowledgeBase, KnowledgeEntry } from './entry.ts';

export interface Classification {
  /** The rule that raised it: 'kb:<id>', 'builtin:<kind>', 'prometheus:<alertname>' or 'unclassified:<kind>'. */
  rule: string;
  category: string;
  severity: Severity;
  owner?: string;
  runbook?: string | string[];
  action: KnowledgeAction;
  /** The knowledge-base entry's explicit fingerprint. */
  fingerprint?: string;
}

interface Compiled {
  entry: KnowledgeEntry;
  programs?: Set<string>;
  kinds?: Set<string>;
  template?: string;
  regex?: RegExp;
  codes?: Set<string>;
  labels?: [string, string][];
}

const asSet = (v: string | string[] | undefined) => (v === undefined ? undefined : new Set(Array.isArray(v) ? v : [v]));

function compile(entry: KnowledgeEntry): Compiled {
  const m = entry.match;
  const c: Compiled = { entry };
  const programs = asSet(m.program);
  const kinds = asSet(m.kind);
  const codes = asSet(m.code);
  if (programs) c.programs = programs;
  if (kinds) c.kinds = kinds;
  if (codes) c.codes = codes;
  if (m.template !== undefined) c.template = m.template;
  if (m.regex !== undefined) c.regex = new RegExp(m.regex);
  if (m.labels) c.labels = Object.entries(m.labels);
  return c;
}

function matches(c: Compiled, s: Signal): boolean {
  if (c.programs && (s.program === undefined || !c.programs.has(s.program))) return false;
  if (c.kinds && !c.kinds.has(s.kind)) return false;
  if (c.codes && (s.error?.code === undefined || !c.codes.has(s.error.code))) return false;
  if (c.labels) for (const [k, v] of c.labels) if (s.labels?.[k] !== v) return false;
  if (c.template !== undefined && !(s.template?.text ?? s.summary).includes(c.template)) return false;
  if (
    c.regex &&
    !(
      c.regex.test(s.summary) ||
      (s.template !== undefined && c.regex.test(s.template.text)) ||
      (s.error?.message !== undefined && c.regex.test(s.error.message))
    )
  )
    return false;
  return true;
}

/** Prometheus' usual severities onto PagerDuty's four. */
function alertSeverity(v: string | undefined): Severity {
  if (v && (SEVERITIES as readonly string[]).includes(v)) return v as Severity;
  if (v === 'page' || v === 'high') return 'critical';
  if (v === 'ticket' || v === 'low' || v === 'medium') return 'warning';
  return 'warning';
}

export interface ClassifierOptions {
  /** Owner of the built-in rules (config: incidents.owner). */
  builtinOwner?: string;
}

export class Classifier {
  readonly kb: KnowledgeBase;
  private readonly compiled: Compiled[];
  private readonly builtinOwner: string | undefined;

  /** `kb` must have passed validateKnowledge (a bad regex would throw here). */
  constructor(kb: KnowledgeBase, options: ClassifierOptions = {}) {
    this.kb = kb;
    this.compiled = kb.entries.map(compile);
    this.builtinOwner = options.builtinOwner;
  }

  /** The knowledge-base entry that claims `s`, if any. */
  entryFor(s: Signal): KnowledgeEntry | undefined {
    for (const c of this.compiled) if (matches(c, s)) return c.entry;
    return undefined;
  }

  classify(s: Signal): Classification {
    const e = this.entryFor(s);
    if (e) {
      const c: Classification = {
        rule: `kb:${e.id}`,
        category: e.category,
        severity: e.severity ?? s.severity ?? 'warning',
        action: e.action ?? 'notify',
      };
      if (e.owner !== undefined) c.owner = e.owner;
      if (e.runbook !== undefined) c.runbook = e.runbook;
      if (e.fingerprint !== undefined) c.fingerprint = e.fingerprint;
      return c;
    }
    if (s.kind === 'alert') {
      const l = s.labels ?? {};
      const runbook = typeof s.details?.runbook_url === 'string' ? s.details.runbook_url : undefined;
      const owner = l.owner ?? l.team;
      return {
        rule: `prometheus:${l.alertname ?? 'unnamed'}`,
        category: l.category ?? 'threshold',
        severity: alertSeverity(l.severity ?? s.severity),
        action: 'notify',
        ...(owner ? { owner } : {}),
        ...(runbook ? { runbook } : {}),
      };
    }
    const b = builtinFor(s.kind);
    if (b)
      return {
        rule: `builtin:${b.kind}`,
        category: b.category,
        // The source may know better than the rule's default (a planned switchover is no warning).
        severity: s.severity ?? b.severity,
        runbook: b.runbook,
        action: 'notify',
        ...(this.builtinOwner ? { owner: this.builtinOwner } : {}),
      };
    return {
      rule: `unclassified:${s.kind}`,
      category: 'unclassified',
      severity: s.severity ?? (s.kind === 'log.error' ? 'error' : 'warning'),
      action: 'notify',
    };
  }
}
