// How a blocked request is answered. Flow, per-key and concurrency blocks are the client's to
// slow down: 429 with Retry-After and the IETF RateLimit fields
// (draft-ietf-httpapi-ratelimit-headers: RateLimit-Policy names the quota and window,
// RateLimit the remaining quota and seconds until it resets). Breaker and system blocks are the
// server's trouble: 503 with Retry-After.
//
// An overloaded service answers mostly blocks, so this is a hot path too: header values and the
// JSON body are strings built once per rule (and quota) and reused, never serialised per request.
import type { BlockError } from '../block-error.ts';
import { errorTable } from '../errors.ts';

export interface BlockAnswer {
  status: 429 | 503;
  retryAfter: string;
  /** RateLimit-Policy and RateLimit, for client-side (429) blocks with a known quota. */
  policy: string | null;
  rateLimit: string | null;
  /** JSON: { statusCode, code, error, message, reason, rule, retryAfterMs }. */
  body: string;
}

/** A structured-field string for the policy name: rule ids are free text, so quote and escape. */
function sfString(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[^\x20-\x7e]/g, '?')}"`;
}

interface Cached {
  quota: number;
  windowMs: number;
  status: 429 | 503;
  policy: string | null;
  name: string;
  /** The body up to "retryAfterMs": the only per-request part. */
  bodyHead: string;
}
const cache = new WeakMap<object, Cached>();

function prepare(err: BlockError): Cached {
  const clientSide = err.reason === 'flow' || err.reason === 'hotkey' || err.reason === 'concurrency';
  const status = clientSide ? 429 : 503;
  const name = sfString(err.rule.id);
  const withQuota = clientSide && Number.isFinite(err.quota);
  const window = err.windowMs > 0 ? `;w=${Math.max(1, Math.round(err.windowMs / 1000))}` : '';
  const message = `${err.resource}: ${errorTable[err.code].message} (rule '${err.rule.id}')`;
  const bodyHead = `{"statusCode":${status},"code":${JSON.stringify(err.code)},"error":"${
    status === 429 ? 'Too Many Requests' : 'Service Unavailable'
  }","message":${JSON.stringify(message)},"reason":"${err.reason}","rule":${JSON.stringify(err.rule.id)},"retryAfterMs":`;
  return {
    quota: err.quota,
    windowMs: err.windowMs,
    status,
    policy: withQuota ? `${name};q=${Math.floor(err.quota)}${window}` : null,
    name,
    bodyHead,
  };
}

export function blockAnswer(err: BlockError): BlockAnswer {
  let c = cache.get(err.rule);
  // Per-key overrides and adaptive thresholds change the quota: rebuild when it moved.
  if (c === undefined || (c.quota !== err.quota && !(Number.isNaN(c.quota) && Number.isNaN(err.quota))) || c.windowMs !== err.windowMs) {
    c = prepare(err);
    cache.set(err.rule, c);
  }
  const retrySec = Math.max(1, Math.ceil(err.retryAfterMs / 1000));
  return {
    status: c.status,
    retryAfter: String(retrySec),
    policy: c.policy,
    rateLimit: c.policy === null ? null : `${c.name};r=0;t=${retrySec}`,
    body: `${c.bodyHead}${Math.ceil(err.retryAfterMs)}}`,
  };
}
