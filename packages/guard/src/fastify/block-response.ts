// How a blocked request is answered. Flow, per-key and concurrency blocks are the client's to
// slow down: 429 with Retry-After and the IETF RateLimit fields
// (draft-ietf-httpapi-ratelimit-headers: RateLimit-Policy names the quota and window,
// RateLimit the remaining quota and seconds until it resets). Breaker and system blocks are the
// server's trouble: 503 with Retry-After.
import type { BlockError } from '../block-error.ts';

export interface BlockAnswer {
  status: 429 | 503;
  headers: Record<string, string>;
  body: { statusCode: number; code: string; error: string; message: string; reason: string; rule: string; retryAfterMs: number };
}

/** A structured-field token for the policy name: rule ids are free text, so quote and escape. */
function sfString(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[^\x20-\x7e]/g, '?')}"`;
}

export function blockAnswer(err: BlockError): BlockAnswer {
  const retrySec = Math.max(1, Math.ceil(err.retryAfterMs / 1000));
  const headers: Record<string, string> = { 'retry-after': String(retrySec) };
  const clientSide = err.reason === 'flow' || err.reason === 'hotkey' || err.reason === 'concurrency';
  if (clientSide && Number.isFinite(err.quota)) {
    const name = sfString(err.rule.id);
    const window = err.windowMs > 0 ? `;w=${Math.max(1, Math.round(err.windowMs / 1000))}` : '';
    headers['ratelimit-policy'] = `${name};q=${Math.floor(err.quota)}${window}`;
    headers['ratelimit'] = `${name};r=0;t=${retrySec}`;
  }
  const status = clientSide ? 429 : 503;
  return {
    status,
    headers,
    body: {
      statusCode: status,
      code: err.code,
      error: status === 429 ? 'Too Many Requests' : 'Service Unavailable',
      message: err.message,
      reason: err.reason,
      rule: err.rule.id,
      retryAfterMs: Math.ceil(err.retryAfterMs),
    },
  };
}
