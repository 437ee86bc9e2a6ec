// `holdfast stop <target>...`: stops programs, dependents first; nothing left behind.
import { parse } from '../args.ts';
import type { Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { client, connectionHelp, connectionOptions, report, waitOptions } from './supervisor-shared.ts';

const usage = `Usage: holdfast stop <program|instance|group|all>... [--no-wait] [--json]

Stops the targets: each gets its stopSignal, then SIGKILL for the whole process group and cgroup
after stopTimeoutMs. With several targets, programs that depend on others stop first.

Options:
  --no-wait             return at once
  --json                print the result as JSON
${connectionHelp}

Examples:
  holdfast stop web
  holdfast stop all`;

export const command: Command = {
  path: ['stop'],
  summary: 'stop programs (dependents first), leaving no process behind',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...connectionOptions, ...waitOptions }, { positionals: true });
    if (!positionals.length) throw new UsageError("what to stop? Name programs, instances, groups, or 'all'");
    const c = await client(values, 3_600_000);
    const r = await c.stop(positionals, { wait: !values['no-wait'] });
    return report(r, values.json === true, (i) => values['no-wait'] === true || ['STOPPED', 'EXITED', 'FATAL'].includes(i.state));
  },
};
