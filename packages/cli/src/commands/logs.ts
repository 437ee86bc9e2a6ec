// `holdfast logs <instance> [-f] [--lines N]`: the tail of a program's output, and what follows.
import { duration, integer, parse } from '../args.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { client, connectionHelp, connectionOptions } from './supervisor-shared.ts';

const usage = `Usage: holdfast logs <program|instance|group> [-f] [--lines N] [--stderr]
       holdfast logs <program> --patterns [--since 1h] [--top N] [--json]

Prints the last lines of an instance's stdout (or stderr) log, reaching into the rotated files
(gzipped or not) when the live one holds fewer; with -f keeps printing what the program writes
until Ctrl-C. A program with several instances (or a group) shows every instance, each line
prefixed with the instance ('web:1 | ...'): the last lines of each, then their new output as it
comes. A follower that reads slower than the programs write is told how many bytes it skipped.

Options:
  -f, --follow          keep printing new output
  -n, --lines <N>       how many lines from the end, per instance (default 50, at most 100000)
  --stderr              the stderr log instead of stdout
  --patterns            the program's log templates as the daemon's miner found them: count,
                        level, trend, first and last seen, an example line (docs/log-mining.md)
  --since <duration>    with --patterns: only templates seen within it (30m, 1h, 2d)
  --top <N>             with --patterns: how many templates to print (default 30)
  --json                with --patterns: the daemon's answer as JSON (every template)
${connectionHelp}

To see a log's templates (its lines grouped by pattern) without a daemon: holdfast logs patterns FILE.

Examples:
  holdfast logs web
  holdfast logs worker -f
  holdfast logs worker:1 -f --lines 200
  holdfast logs web --stderr -n 20
  holdfast logs web --patterns --since 1h`;

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
      patterns: { type: 'boolean' },
      since: { type: 'string' },
      top: { type: 'string' },
      json: { type: 'boolean' },
    } as const;
    const { values, positionals } = parse(argv, options, { positionals: true });
    if (positionals.length !== 1) throw new UsageError('name one program or instance');
    if (values.patterns) {
      const clash = (['follow', 'lines', 'stderr'] as const).filter((k) => values[k] !== undefined);
      if (clash.length) throw new UsageError(`--patterns lists templates; it does not take --${clash[0]}`);
      const sinceMs = values.since === undefined ? undefined : duration('since', values.since, 0, 366 * 24 * 3_600_000);
      if (sinceMs === 0) throw new UsageError('--since must be longer than 0');
      const top = integer('top', values.top, 30, 1, 100_000);
      const { printProgramPatterns } = await import('./logs-program-patterns.ts');
      return printProgramPatterns(await client(values), positionals[0]!, {
        ...(sinceMs !== undefined ? { sinceMs } : {}),
        json: values.json === true,
        top,
      });
    }
    for (const k of ['since', 'top', 'json'] as const) if (values[k] !== undefined) throw new UsageError(`--${k} goes with --patterns`);
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
