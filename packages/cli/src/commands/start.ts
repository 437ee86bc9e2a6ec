// `holdfast start <target>...`: starts programs (and what they depend on); waits for READY.
import type { Command } from '../command.ts';
import { connectionHelp, isUp, runProgramAction } from './supervisor-shared.ts';

const usage = `Usage: holdfast start <program|instance|group|all>... [--env NAME=value]... [--persist] [--no-wait] [--timeout 60s] [--json]

Starts the targets, and first whatever they depend on (dependsOn). A manual start bypasses the
retry limit: a FATAL program gets a fresh set of retries. Waits until each instance is READY (or
FATAL/EXITED) unless --no-wait, and answers as soon as they are (or as soon as a dependency they
wait for has given up). Exit code 1 when an instance did not become READY or the wait timed out.

--env sets a variable for this start (its automatic restarts and 'holdfast restart' included; a
stop or the next start ends it). Only names the program lists in envOverridable are accepted,
never LD_*, NODE_OPTIONS or HOLDFAST_*: anything else refuses the whole start.

Options:
  --env NAME=value      environment for this start (repeat for more)
  --persist             keep --env for every later start too, until the daemon restarts
  --no-wait             return at once
  --timeout <duration>  longest wait (default 60s)
  --json                print the result as JSON
${connectionHelp}

Examples:
  holdfast start web
  holdfast start worker:2
  holdfast start all -c holdfast.yaml
  holdfast start web --env LOG_LEVEL=debug`;

export const command: Command = {
  path: ['start'],
  summary: 'start programs (dependencies first) and wait for READY',
  usage,
  run: (argv) =>
    runProgramAction(argv, {
      verb: 'start',
      timeout: true,
      environment: true,
      requestMs: (timeoutMs) => timeoutMs + 10_000,
      act: (c, targets, options) => c.start(targets, options),
      reached: isUp,
    }),
};
