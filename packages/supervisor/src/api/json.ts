// JSON in and out for the control API's routes (the core ones in handler.ts, the incident loop's
// in insight/routes.ts): a body read up to a size, parsed, or an HttpError saying why not.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from './http-error.ts';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The request body as JSON (an empty body is `{}`); 413 past `max` bytes, 400 when it is not JSON. */
export async function readJson(req: IncomingMessage, max: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > max) throw new HttpError(413, 'HOLDFAST_E_BAD_REQUEST', `the body is larger than ${max} bytes`);
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, 'HOLDFAST_E_BAD_REQUEST', `the body is not JSON: ${(err as Error).message}`);
  }
}
