// Fastify gives every request its own child logger. Creating a pino child costs a few
// microseconds (it serializes the bindings), and most requests never log through it: holdfast
// writes the request line itself. This child is created on first use only.
import type { Bindings, ChildLoggerOptions, Logger } from 'pino';

export class LazyChildLogger {
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
export function lazyChildLoggerFactory(logger: Logger, bindings: Bindings, options: ChildLoggerOptions, raw?: object): Logger {
  const child = new LazyChildLogger(logger, bindings, options) as unknown as Logger;
  if (raw !== undefined) (raw as { holdfastLog?: Logger }).holdfastLog = child;
  return child;
}
