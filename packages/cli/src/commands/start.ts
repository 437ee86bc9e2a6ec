// `holdfast start <target>...`: starts programs (and what they depend on); waits for READY.
import type { Command } from '../command.ts';
import { connectionHelp, isUp, runProgramAction } from './supervisor-shared.ts';

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
  run: (argv) =>
    runProgramAction(argv, {
      verb: 'start',
      timeout: true,
      requestMs: (timeoutMs) => timeoutMs + 10_000,
      act: (c, targets, options) => c.start(targets, options),
      reached: isUp,
    }),
};
