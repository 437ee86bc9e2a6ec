// `holdfast incidents [list]`: the incidents the daemon's loop holds, newest activity first.
import { duration, integer, oneOf, parse } from '../args.ts';
import type { Command } from '../command.ts';
import { incidentsClient, incidentsTable } from './incidents-shared.ts';
import { connectionHelp, connectionOptions } from './supervisor-shared.ts';

const usage = `Usage: holdfast incidents [list] [--state open|acknowledged|resolved|live|all] [--program NAME]
                          [--since 24h] [--limit N] [--json]

Lists incidents: one per fault, however many signals it grouped (COUNT), with its severity,
category (from the knowledge base; 'unclassified' when nothing matched) and last signal.
Default: the live ones (open and acknowledged). Exit code 0, or 3 when any is open.

Options:
  --state      open, acknowledged, resolved, live (default) or all
  --program    only this program's incidents
  --since      only incidents with a signal in this window (e.g. 1h, 7d)
  --limit      at most this many (default 100)
  --json       the incidents as JSON
${connectionHelp}

Examples:
  holdfast incidents
  holdfast incidents --state all --since 7d -c holdfast.yaml
  holdfast incidents --json | jq '.[] | select(.severity == "critical") | .id'`;

export const command: Command = {
  path: ['incidents'],
  summary: 'list incidents: one per fault, classified, with how often it happened',
  usage,
  async run(argv) {
    const args = argv[0] === 'list' ? argv.slice(1) : argv;
    const text = { type: 'string' } as const;
    const options = { ...connectionOptions, state: text, program: text, since: text, limit: text, json: { type: 'boolean' } } as const;
    const { values } = parse(args, options);
    const state = oneOf('state', values.state, ['open', 'acknowledged', 'resolved', 'live', 'all'] as const, 'live');
    const since = values.since === undefined ? undefined : `${duration('since', values.since, 0, 366 * 86_400_000)}ms`;
    const limit = integer('limit', values.limit, 100, 1, 10_000);
    const c = await incidentsClient(values);
    const list = await c.list({ state, limit, ...(values.program ? { program: values.program } : {}), ...(since ? { since } : {}) });
    if (values.json) console.log(JSON.stringify(list, null, 2));
    else console.log(list.length ? incidentsTable(list) : `no ${state === 'all' ? '' : `${state} `}incidents`);
    return list.some((i) => i.state === 'open') ? 3 : 0;
  },
};
