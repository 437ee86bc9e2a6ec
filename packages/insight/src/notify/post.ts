// One HTTP POST with a deadline, on node:http/https (not fetch: undici costs the daemon about
// 7 MB of resident memory; https, and with it TLS, loads only for an https:// receiver).
import type { IncomingMessage } from 'node:http';

export interface PostResult {
  status: number;
  /** The first 500 characters of the answer, for the record. */
  body: string;
}

export function post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<PostResult> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? process.getBuiltinModule('node:https') : process.getBuiltinModule('node:http');
  return new Promise((resolve, reject) => {
    const req = mod.request(
      {
        host: u.hostname,
        port: u.port || undefined,
        path: u.pathname + u.search,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'holdfast-incidents',
          ...headers,
        },
      },
      (res: IncomingMessage) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (text.length < 500) text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text.slice(0, 500) }));
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once('error', reject);
    req.end(body);
  });
}
