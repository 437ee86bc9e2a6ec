// `holdfast logs <instance> [-f] [--lines N]`: the tail of a program's output, and what follows.
import { integer, parse } from '../args.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { client, connectionHelp, connectionOptions } from './supervisor-shared.ts';

const usage = `Usage: holdfast logs <program|instance|group> [-f] [--lines N] [--stderr]

Prints the last lines of an instance's stdout (or stderr) log, reaching into the rotated files
(gzipped or not) when the live one holds fewer; with -f keeps printing what the program writes
until Ctrl-C. A program with several instances (or a group) shows every instance, each line
prefixed with the instance ('web:1 | ...'): the last lines of each, then their new output as it
comes. A follower that reads slower than the programs write is told how many bytes it skipped.

Options:
  -f, --follow          keep printing new output
  -n, --lines <N>       how many lines from the end, per instance (default 50, at most 100000)
  --stderr              the stderr log instead of stdout
${connectionHelp}

To see a log's templates (its lines grouped by pattern) without a daemon: holdfast logs patterns FILE.

Examples:
  holdfast logs web
  holdfast logs worker -f
  holdfast logs worker:1 -f --lines 200
  holdfast logs web --stderr -n 20`;

export const command: Command = {
  path: ['logs'],
  summary: "print (and follow) a program's output",
  usage,
  async run(argv) {
    const options = {
      ...connectionOptions,
      follow: { type: 'boolean', short: 'f' },
      lines: { type: 'string', short: 'n' },
      stderr: { type: 'boolean' },
    } as const;
    const { values, positionals } = parse(argv, options, { positionals: true });
    if (positionals.length !== 1) throw new UsageError('name one program or instance');
    const lines = integer('lines', values.lines, 50, 0, 100_000);
    const c = await client(values);
    const stream = values.stderr ? 'stderr' : 'stdout';
    if (!values.follow) {
      process.stdout.write(await c.logs(positionals[0]!, { stream, lines }));
      return 0;
    }
    const ac = new AbortController();
    const stop = () => ac.abort();
    process.once('SIGINT', stop);
    try {
      await c.followLogs(positionals[0]!, { stream, lines, signal: ac.signal }, (chunk) => process.stdout.write(chunk));
    } finally {
      process.off('SIGINT', stop);
    }
    return 0;
  },
};
