// `holdfast restart <target>...`: stop then start; bypasses the retry limit.
import { duration, parse } from '../args.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { client, connectionHelp, connectionOptions, isUp, report, waitOptions } from './supervisor-shared.ts';

const usage = `Usage: holdfast restart <program|instance|group|all>... [--no-wait] [--timeout 60s] [--json]

Stops each target (stopSignal, SIGKILL after stopTimeoutMs) and starts it again, waiting for
READY. A manual restart bypasses the retry limit and starts the backoff over.

Options:
  --no-wait             return at once
  --timeout <duration>  longest wait (default 60s)
  --json                print the result as JSON
${connectionHelp}

Examples:
  holdfast restart web
  holdfast restart backend -c holdfast.yaml`;

export const command: Command = {
  path: ['restart'],
  summary: 'restart programs and wait for READY',
  usage,
  async run(argv) {
    const options = { ...connectionOptions, ...waitOptions, timeout: { type: 'string' } } as const;
    const { values, positionals } = parse(argv, options, { positionals: true });
    if (!positionals.length) throw new UsageError("what to restart? Name programs, instances, groups, or 'all'");
    const timeoutMs = duration('timeout', values.timeout, 60_000);
    const c = await client(values, timeoutMs + 3_600_000);
    const r = await c.restart(positionals, { wait: !values['no-wait'], timeoutMs });
    return report(r, values.json === true, (i) => values['no-wait'] === true || isUp(i));
  },
};
