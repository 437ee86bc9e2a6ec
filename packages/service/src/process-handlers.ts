// What the process does on signals and fatal errors while a service runs:
//   SIGTERM, SIGINT      drain, then exit with the drain's code; a second one exits at once
//                        (128 + signal);
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
  /** Writes out buffered log lines synchronously, before an immediate exit. */
  flushLogs(): void;
}

export class ProcessHandlers {
  readonly #o: ProcessHandlerOptions;
  #installed: [string, (...args: any[]) => void][] = [];
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

  /** After a stop: signal and error handlers stay until exit when the process will exit. */
  removeAfterStop(): void {
    // Signal handlers stay so a second signal still forces the exit; error handlers too, so a
    // late error is still logged. Only a stop() that will not exit removes them.
    if (this.#o.handleSignals || this.#o.handleProcessErrors) return;
    for (const [event, fn] of this.#installed) process.off(event, fn);
    this.#installed = [];
  }

  #on(event: string, fn: (...args: any[]) => void): void {
    process.on(event, fn);
    this.#installed.push([event, fn]);
  }
}
