// The one error dialect of holdfast. Every package keeps its codes in one table (its
// src/errors.ts) of rows { status, message } and builds its error class with errorClass(), so
// every error thrown anywhere carries a stable `code`, the HTTP `status` an adapter answers
// with, and optional `details` for scripts. Zero dependencies: guard's core and the supervisor
// daemon import it.

/** One row of a package's error table: the HTTP status an adapter answers with, and what happened. */
export interface ErrorRow {
  readonly status: number;
  readonly message: string;
}

/** A package's error table: every code the package raises or answers with. */
export type ErrorTable = Readonly<Record<string, ErrorRow>>;

const NO_DETAILS: Readonly<Record<string, unknown>> = Object.freeze({});

/** Facts for scripts. Never `{ cause }`: that belongs in the options after it (a type error catches the slip). */
export type ErrorDetails = Record<string, unknown> & { cause?: never };

/** What every holdfast error has, whichever package threw it. */
export class HoldfastError<C extends string = string> extends Error {
  readonly code: C;
  /** Machine-readable facts about this occurrence (the program, the file, the issues...); {} when none. */
  declare readonly details: Readonly<Record<string, unknown>>;
  // `message` may be undefined only for an error that builds it lazily (guard's BlockError).
  constructor(code: C, message: string | undefined, details?: ErrorDetails, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    // An own property only when there are details: an error logged as JSON shows no empty object,
    // and a blocked call (guard's BlockError, on the hot path) stores nothing more.
    if (details !== undefined) Object.defineProperty(this, 'details', { value: details, enumerable: true });
  }

  /** The HTTP status an adapter answers with; from the package's table (500 when the code has no row). */
  get status(): number {
    return 500;
  }
}
Object.defineProperty(HoldfastError.prototype, 'details', { get: () => NO_DETAILS, configurable: true });

export interface ErrorClassOptions {
  /**
   * How a thrown message reads. `true`: "<the row's message>: <detail>" (the supervisor, failover:
   * their messages reach a terminal, and the row says what failed before the detail says where).
   * `false`: the detail alone, a whole sentence written at the throw site (guard, service: their
   * messages reach HTTP clients and log lines, where the row's text would repeat the detail).
   */
  prefix: boolean;
}

/** The class a package's errors are made of; `table` is the package's error table. */
export interface ErrorClass<T extends ErrorTable> {
  new (code: keyof T & string, detail?: string, details?: ErrorDetails, options?: ErrorOptions): HoldfastError<keyof T & string>;
  readonly prototype: HoldfastError<keyof T & string>;
  readonly table: T;
}

/**
 * The error class of one package: `new SupervisorError('HOLDFAST_E_BUSY', 'a reload is under way', { program })`.
 * Subclass it for an error with fields of its own (ConfigError, RulesError, BlockError).
 */
export function errorClass<const T extends ErrorTable>(name: string, table: T, options: ErrorClassOptions): ErrorClass<T> {
  const { prefix } = options;
  class PackageError extends HoldfastError<keyof T & string> {
    static readonly table = table;
    constructor(code: keyof T & string, detail?: string, details?: ErrorDetails, errorOptions?: ErrorOptions) {
      const row = table[code];
      super(code, prefix && row ? (detail === undefined ? row.message : `${row.message}: ${detail}`) : detail, details, errorOptions);
    }

    override get status(): number {
      return table[this.code]?.status ?? 500;
    }
  }
  // On the prototype, so the stack trace already names the class and no instance pays for it.
  Object.defineProperty(PackageError.prototype, 'name', { value: name, writable: true, configurable: true });
  Object.defineProperty(PackageError, 'name', { value: name });
  return PackageError;
}

/** True when `err` carries `code`: any package's error, an error rebuilt from an API answer, a child's. */
export function hasCode<C extends string>(err: unknown, code: C): err is Error & { code: C } {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
