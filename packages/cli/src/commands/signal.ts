// `holdfast signal <SIGNAL> <target>...`: sends a signal to each instance's process group.
import { parse } from '../args.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { client, connectionHelp, connectionOptions } from './supervisor-shared.ts';

const usage = `Usage: holdfast signal <signal> <program|instance|group|all>... [--json]

Sends <signal> (HUP, USR1, SIGUSR2, ...) to the process group of each running instance (and to
descendants that left it). The state does not change: use it to make a program reopen its logs
or reload itself.

Options:
  --json                print {"signalled": [...]} as JSON
${connectionHelp}

Examples:
  holdfast signal HUP web
  holdfast signal SIGUSR2 workers`;

export const command: Command = {
  path: ['signal'],
  summary: 'send a signal to programs (their whole process group)',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...connectionOptions, json: { type: 'boolean' } }, { positionals: true });
    const [sig, ...targets] = positionals;
    if (!sig || !targets.length) throw new UsageError('usage: holdfast signal <signal> <target>...');
    const c = await client(values);
    const r = await c.signal(targets, sig);
    if (values.json) console.log(JSON.stringify(r));
    else if (r.signalled.length) console.log(`sent ${sig.toUpperCase().replace(/^(?!SIG)/, 'SIG')} to ${r.signalled.join(', ')}`);
    else console.error('no target instance is running; nothing signalled');
    return r.signalled.length ? 0 : 1;
  },
};
