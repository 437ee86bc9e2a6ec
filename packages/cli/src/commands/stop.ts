// `holdfast stop <target>...`: stops programs, dependents first; nothing left behind.
import type { Command } from '../command.ts';
import { connectionHelp, runProgramAction } from './supervisor-shared.ts';

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
  run: (argv) =>
    runProgramAction(argv, {
      verb: 'stop',
      timeout: false,
      requestMs: () => 3_600_000,
      act: (c, targets, options) => c.stop(targets, options),
      reached: (i) => ['STOPPED', 'EXITED', 'FATAL'].includes(i.state),
    }),
};
