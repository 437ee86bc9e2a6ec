// `holdfast shutdown`: stops every program (dependents first) and the daemon.
import { parse } from '../args.ts';
import type { Command } from '../command.ts';
import { client, connectionHelp, connectionOptions } from './supervisor-shared.ts';

const usage = `Usage: holdfast shutdown [--no-wait]

Stops every program in reverse dependency order, then the daemon exits. Waits until the
daemon's socket is gone unless --no-wait.

Options:
  --no-wait             return once the daemon accepted the request
${connectionHelp}

Examples:
  holdfast shutdown -c holdfast.yaml`;

export const command: Command = {
  path: ['shutdown'],
  summary: 'stop every program and the supervisor daemon',
  usage,
  async run(argv) {
    const { values } = parse(argv, { ...connectionOptions, 'no-wait': { type: 'boolean' } });
    const c = await client(values);
    await c.shutdown();
    if (!values['no-wait']) {
      // The daemon is gone when its socket no longer answers.
      for (;;) {
        try {
          await c.status();
        } catch {
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    console.log('supervisor stopped');
    return 0;
  },
};
