// `holdfast start <target>...`: starts programs (and what they depend on); waits for READY.
import { duration, parse } from '../args.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { client, connectionHelp, connectionOptions, isUp, report, waitOptions } from './supervisor-shared.ts';

const usage = `Usage: holdfast start <program|instance|group|all>... [--no-wait] [--timeout 60s] [--json]

Starts the targets, and first whatever they depend on (dependsOn). A manual start bypasses the
retry limit: a FATAL program gets a fresh set of retries. Waits until each instance is READY (or
FATAL/EXITED) unless --no-wait. Exit code 1 when an instance did not become READY.

Options:
  --no-wait             return at once
  --timeout <duration>  longest wait (default 60s)
  --json                print the result as JSON
${connectionHelp}

Examples:
  holdfast start web
  holdfast start worker:2
  holdfast start all -c holdfast.yaml`;

export const command: Command = {
  path: ['start'],
  summary: 'start programs (dependencies first) and wait for READY',
  usage,
  async run(argv) {
    const options = { ...connectionOptions, ...waitOptions, timeout: { type: 'string' } } as const;
    const { values, positionals } = parse(argv, options, { positionals: true });
    if (!positionals.length) throw new UsageError("what to start? Name programs, instances, groups, or 'all'");
    const timeoutMs = duration('timeout', values.timeout, 60_000);
    const c = await client(values, timeoutMs + 10_000);
    const r = await c.start(positionals, { wait: !values['no-wait'], timeoutMs });
    return report(r, values.json === true, (i) => values['no-wait'] === true || isUp(i));
  },
};
