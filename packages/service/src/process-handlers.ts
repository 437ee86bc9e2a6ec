// What the process does on signals and fatal errors while a service runs:
//   SIGTERM, SIGINT      drain, then exit with the drain's code; a second one exits at once
//                        (128 + signal);
//   SIGHUP               reopen the log file and run the onReload hooks (reload.ts); never exit;
//   uncaughtException,
//   unhandledRejection   log a fatal line, drain, exit non-zero (never resume in an unknown state);
//                        during a drain: logged, and the exit code becomes non-zero.
import type { Logger } from 'pino';
import type { StopReport } from './shutdown/drain.ts';

const SIGNAL_NUMBERS: Record<string, number> = { SIGINT: 2, SIGTERM: 15 };

export interface ProcessHandlerOptions {
  handleSignals: boolean;
  handleProcessErrors: boolean;
  logger: Logger;
  /** Whether a stop is under way. */
  stopping(): boolean;
  stop(reason: string, exitCode: number): Promise<StopReport>;
  reload(reason: string): Promise<unknown>;
  /** Writes out buffered log lines synchronously, before an immediate exit. */
  flushLogs(): void;
}

export class ProcessHandlers {
  readonly #o: ProcessHandlerOptions;
  #fatalDuringStop = false;

  constructor(o: ProcessHandlerOptions) {
    this.#o = o;
  }

  install(): void {
    const o = this.#o;
    if (o.handleSignals) {
      for (const sig of ['SIGTERM', 'SIGINT'] as const) {
        this.#on(sig, () => {
          if (o.stopping()) {
            o.logger.warn({ signal: sig }, `second ${sig} during shutdown: exiting now`);
            o.flushLogs();
            process.exit(128 + (SIGNAL_NUMBERS[sig] ?? 0));
          }
          void o.stop(sig, 0).then((r) => process.exit(this.#fatalDuringStop ? Math.max(1, r.exitCode) : r.exitCode));
        });
      }
      // Node's default for SIGHUP is to exit at once: `holdfast signal HUP` would kill the instance
      // without a drain.
      this.#on('SIGHUP', () => void o.reload('SIGHUP'));
    }
    if (o.handleProcessErrors) {
      const fatal = (kind: string) => (err: unknown) => {
        if (o.stopping()) {
          // Already shutting down: record it; the drain in progress finishes, and the exit is
          // non-zero.
          this.#fatalDuringStop = true;
          o.logger.fatal({ err }, `${kind} during shutdown`);
          return;
        }
        o.logger.fatal({ err }, `${kind}: draining, then exiting non-zero`);
        void o.stop(kind, 1).then((r) => process.exit(Math.max(1, r.exitCode)));
      };
      this.#on('uncaughtException', fatal('uncaughtException'));
      this.#on('unhandledRejection', fatal('unhandledRejection'));
    }
  }

  // Never removed: after a stop the process exits, and until then a second signal must still
  // force the exit and a late error must still be logged.
  #on(event: string, fn: (...args: any[]) => void): void {
    process.on(event, fn);
  }
}
