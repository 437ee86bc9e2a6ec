// The service's pino logger. Lines are batched (logging/batched-destination.ts: one write per
// batch, at most 10 ms late); the drain flushes synchronously as its very last step and an exit
// hook writes what is left, so no line is lost at exit, including the fatal line of an uncaught
// exception.
import { pino, type Logger } from 'pino';
import { BatchedDestination } from './batched-destination.ts';

export interface ServiceLogger {
  logger: Logger;
  /** Writes out everything buffered, synchronously. For the exit-now paths only. */
  flushSync(): void;
  /** Waits until every line written so far has reached the file or pipe (bounded by timeoutMs). */
  flush(timeoutMs: number): Promise<void>;
  /** The destination itself, for lines serialized elsewhere (the request line). */
  destination: { write(line: string): unknown };
  /** The base fields every line carries. */
  base: Record<string, unknown>;
  /** Opens a log file again by its path (after rotation); false when logging to stdout/stderr. */
  reopen(): boolean;
}

export function createLogger(opts: {
  name: string;
  level: string;
  destination: string;
  mixin?: (() => object) | undefined;
}): ServiceLogger {
  const dest = new BatchedDestination({ dest: opts.destination === 'stdout' ? 1 : opts.destination === 'stderr' ? 2 : opts.destination });
  const base = { service: opts.name, pid: process.pid };
  const logger = pino(
    {
      level: opts.level,
      base,
      ...(opts.mixin ? { mixin: opts.mixin } : {}),
    },
    dest,
  );
  return {
    logger,
    destination: dest,
    base,
    async flush(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => dest.flush(() => resolve())),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
    },
    flushSync() {
      dest.flushSync();
    },
    reopen: () => dest.reopen(),
  };
}
