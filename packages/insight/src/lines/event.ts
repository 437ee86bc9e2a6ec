// One log event as the miner receives it, whatever the line looked like.

export interface LogEvent {
  /** What is mined: the message, plus the error's type and message when the line carried one. */
  message: string;
  /** Severity on pino's scale (levels.ts), or -1. */
  level: number;
  /** The line as written (all lines of a folded stack trace, joined by newlines). */
  raw: string;
  /** How the line was read. */
  format: 'json' | 'logfmt' | 'plain';
  /** The header set aside from a plain line (timestamp, level, pid, logger), '' when none. */
  header: string;
  /** Lines folded into this event (1 for a single line). */
  lines: number;
}

/** The text mined for a message and an error carried beside it. */
export function withError(message: string, type: string | undefined, errorMessage: string | undefined): string {
  const err = errorMessage ? (type ? `${type}: ${errorMessage}` : errorMessage) : (type ?? '');
  if (!err) return message;
  if (!message) return err;
  return message.includes(err) ? message : `${message} ${err}`;
}
