// The logger a guard writes to: pino-compatible (object, message), so Fastify's request logger
// and pino fit as they are.
export interface GuardLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLogger: GuardLogger = { info() {}, warn() {}, error() {} };
