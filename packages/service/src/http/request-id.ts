import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

// An incoming x-request-id is trusted only when it looks like an id: it is echoed in a header
// and written to logs, so it must be short and plain.
const SAFE_ID = /^[\w.:@/+=-]{1,128}$/;

// Generated ids are a random per-process prefix and a sequence number ("3f9c0b7e12ad-1042").
// randomUUID() cost about half a microsecond per request here (its buffered entropy and the
// hex formatting), a few per cent of a hello-world route; the prefix has 48 random bits, so
// ids stay unique across processes and restarts without a coordinator, and the sequence keeps
// them unique within one.
let prefix = `${randomBytes(6).toString('hex')}-`;
let seq = 0;

export function newRequestId(): string {
  // Number.MAX_SAFE_INTEGER is far off (2^53 at a million requests a second is 285 years), but
  // a new prefix makes even that case safe.
  if (++seq === Number.MAX_SAFE_INTEGER) {
    prefix = `${randomBytes(6).toString('hex')}-`;
    seq = 1;
  }
  return prefix + seq;
}

export function requestIdFrom(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && SAFE_ID.test(given) ? given : newRequestId();
  (req as IncomingMessage & { holdfastRequestId?: string }).holdfastRequestId = id;
  return id;
}
