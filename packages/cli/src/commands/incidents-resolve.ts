// `holdfast incidents resolve ID [--cause "…"] [--learn]`: it is over. With --learn the incident
// becomes a knowledge-base entry, written back to knowledge.yaml (comments and layout kept) and
// used from then on: the next one like it is classified at once, with the cause as its runbook.
import { parse } from '../args.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { actor, incidentId, incidentsClient } from './incidents-shared.ts';
import { connectionHelp, connectionOptions } from './supervisor-shared.ts';

const usage = `Usage: holdfast incidents resolve ID [--cause TEXT] [--learn [--category C] [--owner O] [--runbook URL] [--id ID]]
                                 [--by NAME] [--json]

Resolves an incident (the receivers are told). A signal for it afterwards reopens it: a
regression, counted in 'holdfast alerts report'.

Options:
  --cause      what was wrong, in words
  --learn      add a knowledge-base entry for incidents like this one (needs --cause; the file
               named by incidents.knowledge is updated in place, its comments kept)
  --category   the new entry's category (default: the incident's, or 'learned')
  --owner      the new entry's owner (default: the incident's)
  --runbook    the new entry's runbook URL (default: the cause, as its one step)
  --id         the new entry's id (default: learned-<incident id>)
  --by         who (default: your login name)
  --json       the incident (and the learned entry) as JSON
${connectionHelp}

Examples:
  holdfast incidents resolve 12 --cause "inventory's fault switch was on"
  holdfast incidents resolve 12 --cause "cert expired: renew with certbot" --learn --owner team-payments`;

export const command: Command = {
  path: ['incidents', 'resolve'],
  summary: 'resolve an incident; --learn teaches the knowledge base',
  usage,
  async run(argv) {
    const text = { type: 'string' } as const;
    const flag = { type: 'boolean' } as const;
    const learnOpts = { category: text, owner: text, runbook: text, id: text };
    const opts = { ...connectionOptions, ...learnOpts, cause: text, learn: flag, by: text, json: flag };
    const { values, positionals } = parse(argv, opts, { positionals: true });
    const id = incidentId(positionals);
    const learnFlags = (['category', 'owner', 'runbook', 'id'] as const).filter((k) => values[k] !== undefined);
    if (!values.learn && learnFlags.length) throw new UsageError(`--${learnFlags[0]} goes with --learn`);
    if (values.learn && !values.cause) {
      throw new UsageError('--learn needs --cause: what was wrong, in words (it becomes the runbook of the new entry)');
    }
    const learn = values.learn ? Object.fromEntries(learnFlags.map((k) => [k, values[k] as string])) : undefined;
    const body = { by: actor(values.by), ...(values.cause ? { cause: values.cause } : {}), ...(learn ? { learn } : {}) };
    const r = await (await incidentsClient(values)).resolve(id, body);
    if (values.json) console.log(JSON.stringify(r, null, 2));
    else {
      console.log(`incident ${r.incident.id} resolved${r.incident.cause ? `: ${r.incident.cause}` : ''}`);
      const l = r.learned;
      if (l) console.log(`learned: entry '${l.entry.id}' added to ${l.file}; incidents like this one are classified by it from now on`);
    }
    return 0;
  },
};
