// `holdfast alerts lint [FILES]`: the alert ledger checked in CI, in the spirit of pint. Every
// rule that can raise an incident (knowledge-base entries, holdfast's built-ins, Prometheus
// alerting rules) must name owner, severity, trigger and a runbook or action; no duplicates;
// Prometheus rules need `for:`; receivers named must exist. Exit 1 on any error.
import { parse } from '../args.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';

const usage = `Usage: holdfast alerts lint [FILES...] [-c holdfast.yaml] [--strict] [--json]

Reads each file by what it is: a knowledge base (entries:), Prometheus rule files (groups:),
a holdfast config (its incidents section, the knowledge base it names, and the built-in rules'
owner) or an Alertmanager config (route:, receivers:). Prints one finding per line as
file:line:column, the rule, and the fix.

Checks: owner, severity, trigger, runbook or action on every rule; 'for:' on Prometheus
alerting rules; duplicate rules and rules that fire on exactly the same thing; receivers that
a route or a rule names but nobody defines; files that do not parse.

Exit code: 0 when clean (warnings allowed unless --strict), 1 when a finding fails, 2 for usage.

Options:
  -c, --config  the holdfast config to lint (with its knowledge base)
  --strict      warnings fail too
  --json        {files, rules, findings, errors, warnings} as JSON

Examples:
  holdfast alerts lint -c holdfast.yaml
  holdfast alerts lint -c holdfast.yaml prometheus/rules/*.yml alertmanager.yml`;

export const command: Command = {
  path: ['alerts', 'lint'],
  summary: 'check every alert rule for owner, severity, trigger, runbook, for:, duplicates, receivers',
  usage,
  async run(argv) {
    const options = { config: { type: 'string', short: 'c' }, strict: { type: 'boolean' }, json: { type: 'boolean' } } as const;
    const { values, positionals } = parse(argv, options, { positionals: true });
    const files = [...(values.config ? [values.config] : []), ...positionals];
    if (files.length === 0) throw new UsageError('name the files to lint, or a config with -c');
    const { lintFiles } = await import('@holdfast/insight/yaml');
    const { formatFinding } = await import('@holdfast/insight');
    const r = lintFiles(files);
    if (values.json) console.log(JSON.stringify(r, null, 2));
    else {
      for (const f of r.findings) console.log(formatFinding(f));
      const kinds = r.files.map((f) => `${f.file} (${f.kind ?? 'unknown'})`).join(', ');
      console.log(`${r.findings.length ? '\n' : ''}${r.rules} rule(s) in ${kinds}: ${r.errors} error(s), ${r.warnings} warning(s)`);
    }
    return r.errors > 0 || (values.strict && r.warnings > 0) ? 1 : 0;
  },
};
