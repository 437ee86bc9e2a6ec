// `holdfast incidents invalid ID --reason "…"`: the guide's "not valid" branch. The incident is
// resolved and counted against the rule that raised it; 'holdfast alerts report' then suggests
// tuning the threshold or closing the rule.
import { parse } from '../args.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { actor, incidentId, incidentsClient } from './incidents-shared.ts';
import { connectionHelp, connectionOptions } from './supervisor-shared.ts';

const usage = `Usage: holdfast incidents invalid ID --reason TEXT [--by NAME] [--json]

Marks an incident not valid (a false alarm): it is resolved if it was not, and it counts
against the rule that raised it. Rules marked invalid often are listed first by
'holdfast alerts report', with the suggestion to tune or close them.

Options:
  --reason     why it was not valid (required)
  --by         who (default: your login name)
  --json       the incident as JSON
${connectionHelp}`;

export const command: Command = {
  path: ['incidents', 'invalid'],
  summary: 'mark an incident not valid: it counts against its rule',
  usage,
  async run(argv) {
    const options = { ...connectionOptions, reason: { type: 'string' }, by: { type: 'string' }, json: { type: 'boolean' } } as const;
    const { values, positionals } = parse(argv, options, { positionals: true });
    const id = incidentId(positionals);
    if (!values.reason?.trim()) throw new UsageError('--reason is required: why was it not valid?');
    const inc = await (await incidentsClient(values)).invalid(id, values.reason, actor(values.by));
    if (values.json) console.log(JSON.stringify(inc, null, 2));
    else console.log(`incident ${inc.id} marked not valid (${inc.invalidReason}); it counts against ${inc.rule}`);
    return 0;
  },
};
