// `holdfast incidents ack ID`: someone has it; the receivers are told (PagerDuty: acknowledge),
// repeats stop, and the time to acknowledge is recorded for the rule's report.
import { parse } from '../args.ts';
import type { Command } from '../command.ts';
import { actor, incidentId, incidentsClient } from './incidents-shared.ts';
import { connectionHelp, connectionOptions } from './supervisor-shared.ts';

const usage = `Usage: holdfast incidents ack ID [--by NAME] [--json]

Acknowledges an open incident: the receivers are told, the repeats stop, and the time from
opening to acknowledgement counts in 'holdfast alerts report'.

Options:
  --by         who (default: your login name)
  --json       the incident as JSON
${connectionHelp}`;

export const command: Command = {
  path: ['incidents', 'ack'],
  summary: 'acknowledge an incident (you have it; the receivers are told)',
  usage,
  async run(argv) {
    const options = { ...connectionOptions, by: { type: 'string' }, json: { type: 'boolean' } } as const;
    const { values, positionals } = parse(argv, options, { positionals: true });
    const id = incidentId(positionals);
    const inc = await (await incidentsClient(values)).ack(id, actor(values.by));
    if (values.json) console.log(JSON.stringify(inc, null, 2));
    else console.log(`incident ${inc.id} acknowledged by ${inc.ackedBy}: ${inc.summary}`);
    return 0;
  },
};
