// Fastify gives every request its own child logger. Creating a pino child costs a few
// microseconds (it serializes the bindings), and most requests never log through it: holdfast
// writes the request line itself. This child is created on first use only.
import type { IncomingMessage } from 'node:http';
import type { Bindings, ChildLoggerOptions, Logger } from 'pino';
import type { FastifyBaseLogger } from '../fastify.ts';

/** A raw request with the logger Fastify made for it. */
export interface LoggedRequest extends IncomingMessage {
  holdfastLog?: FastifyBaseLogger;
}

/** Fastify hands a child-logger factory its own loggers: pino's, since the service gives it one. */
const isPino = (logger: FastifyBaseLogger): logger is Logger => 'isLevelEnabled' in logger && 'bindings' in logger && 'flush' in logger;

export class LazyChildLogger implements FastifyBaseLogger {
  readonly #parent: Logger;
  readonly #bindings: Bindings;
  readonly #options: ChildLoggerOptions;
  #real: Logger | undefined;

  constructor(parent: Logger, bindings: Bindings, options: ChildLoggerOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  get real(): Logger {
    return (this.#real ??= this.#parent.child(this.#bindings, this.#options));
  }
  get level(): string {
    return this.#real?.level ?? this.#parent.level;
  }
  set level(l: string) {
    this.real.level = l;
  }
  isLevelEnabled(level: string): boolean {
    return (this.#real ?? this.#parent).isLevelEnabled(level);
  }
  bindings(): Bindings {
    return this.#real ? this.#real.bindings() : { ...this.#parent.bindings(), ...this.#bindings };
  }
  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return this.real.child(bindings, options);
  }
  fatal(...args: unknown[]): void {
    (this.real.fatal as (...a: unknown[]) => void)(...args);
  }
  error(...args: unknown[]): void {
    (this.real.error as (...a: unknown[]) => void)(...args);
  }
  warn(...args: unknown[]): void {
    (this.real.warn as (...a: unknown[]) => void)(...args);
  }
  info(...args: unknown[]): void {
    if (this.#parent.isLevelEnabled('info')) (this.real.info as (...a: unknown[]) => void)(...args);
  }
  debug(...args: unknown[]): void {
    if (this.#parent.isLevelEnabled('debug')) (this.real.debug as (...a: unknown[]) => void)(...args);
  }
  trace(...args: unknown[]): void {
    if (this.#parent.isLevelEnabled('trace')) (this.real.trace as (...a: unknown[]) => void)(...args);
  }
  silent(): void {}
  flush(cb?: (err?: Error) => void): void {
    this.#parent.flush(cb);
  }
}

/**
 * For Fastify's `childLoggerFactory`. The child is also left on the raw request, where the
 * request line is written (http/observe.ts).
 */
export function lazyChildLoggerFactory(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
  raw: LoggedRequest,
): FastifyBaseLogger {
  const child = isPino(logger) ? new LazyChildLogger(logger, bindings, options) : logger.child(bindings, options);
  raw.holdfastLog = child;
  return child;
}
