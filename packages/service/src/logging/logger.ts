// The service's pino logger. Lines go through an asynchronous sonic-boom destination (fast on
// the hot path); the drain flushes it synchronously as its very last step, so no line is lost
// at exit, including the fatal line of an uncaught exception.
import { pino, type Logger } from 'pino';

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
}

export function createLogger(opts: { name: string; level: string; destination: string; mixin?: (() => object) | undefined }): ServiceLogger {
  const toFile = opts.destination !== 'stdout' && opts.destination !== 'stderr';
  const dest = pino.destination({
    dest: opts.destination === 'stdout' ? 1 : opts.destination === 'stderr' ? 2 : opts.destination,
    sync: false,
    // Files take 4 KiB batches (fewer syscalls); pipes get each line at once so interleaving
    // with other writers and `tail -f` stay readable. (1, not 0: with 0 sonic-boom's flush()
    // returns before an in-flight write lands, and a line written just before exit is lost.)
    minLength: toFile ? 4096 : 1,
    mkdir: toFile,
  });
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
        new Promise<void>((resolve) => {
          try {
            // The callback may carry an fsync error (EINVAL on pipes): the data is written anyway.
            dest.flush(() => resolve());
          } catch {
            resolve();
          }
        }),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
    },
    flushSync() {
      try {
        dest.flushSync();
      } catch (err) {
        // sonic-boom refuses flushSync while its fd is still opening; nothing is buffered then.
        if ((err as Error).message?.includes('not ready')) return;
        throw err;
      }
    },
  };
}
