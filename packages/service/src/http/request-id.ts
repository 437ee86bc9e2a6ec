import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

// An incoming x-request-id is trusted only when it looks like an id: it is echoed in a header
// and written to logs, so it must be short and plain.
const SAFE_ID = /^[\w.:@/+=-]{1,128}$/;

export function requestIdFrom(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
  (req as IncomingMessage & { holdfastRequestId?: string }).holdfastRequestId = id;
  return id;
}
