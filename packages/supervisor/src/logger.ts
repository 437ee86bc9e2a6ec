// The daemon's own log: pino, loaded lazily so library users (the failover agent's client)
// never pay for it. Components take the small Logger interface, so tests pass a silent one.

export interface Logger {
  trace(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  fatal(obj: object, msg?: string): void;
}

const noop = () => {};
export const silentLogger: Logger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, fatal: noop };

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface DaemonLogger extends Logger {
  level: string;
}

/** pino on stdout (the journal or the container runtime collects it). */
export async function createDaemonLogger(level: LogLevel, name = 'holdfast-supervisor'): Promise<DaemonLogger> {
  const { pino } = await import('pino');
  // No `pid` in the base: log lines carry the pid of the program they are about.
  return pino({ name, level, base: null }) as unknown as DaemonLogger;
}
