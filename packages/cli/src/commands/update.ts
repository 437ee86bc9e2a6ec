// `holdfast update`: the daemon re-reads its config and applies only what changed.
import { noArguments, parse } from '../args.ts';
import type { Command } from '../command.ts';
import { client, connectionHelp, connectionOptions } from './supervisor-shared.ts';

const usage = `Usage: holdfast update [--json]

Asks the daemon to re-read its config file and apply only what changed: new programs start (when
autostart), removed ones stop, programs whose command, environment, user, cwd, readiness or logs
changed are restarted, a changed 'instances' adds or removes instances only, and policy, limits
and order changes apply without a restart. A config that does not validate is rejected whole,
with every error listed, and what runs keeps running.

Options:
  --json                print the change summary as JSON
${connectionHelp}

Examples:
  holdfast update -c holdfast.yaml`;

export const command: Command = {
  path: ['update'],
  summary: 're-read the config and apply only what changed',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...connectionOptions, json: { type: 'boolean' } }, { positionals: true });
    noArguments(positionals, 'update takes none: it re-reads the file the daemon was started with');
    const c = await client(values);
    const r = await c.update();
    if (values.json) console.log(JSON.stringify(r, null, 2));
    else {
      const kinds = ['added', 'removed', 'restarted', 'scaled', 'reconfigured'] as const;
      const parts = kinds.filter((k) => r[k].length).map((k) => `${k}: ${r[k].join(', ')}`);
      console.log(parts.length ? parts.join('\n') : 'no changes');
      // What changed in each program: the limits written into its running cgroups, the policy, ...
      for (const [name, what] of Object.entries(r.changes ?? {})) if (what.length) console.log(`  ${name}: ${what.join('; ')}`);
      for (const w of r.warnings) console.error(`warning: ${w}`);
    }
    return 0;
  },
};
