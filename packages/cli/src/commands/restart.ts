// `holdfast restart <target>...`: stop then start; bypasses the retry limit.
import type { Command } from '../command.ts';
import { connectionHelp, isUp, runProgramAction } from './supervisor-shared.ts';

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
  run: (argv) =>
    runProgramAction(argv, {
      verb: 'restart',
      timeout: true,
      // Stopping first may take each program's stopTimeoutMs: no request timeout of note.
      requestMs: (timeoutMs) => timeoutMs + 3_600_000,
      act: (c, targets, options) => c.restart(targets, options),
      reached: isUp,
    }),
};
