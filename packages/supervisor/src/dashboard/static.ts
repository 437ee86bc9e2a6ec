// The page's files (assets/), read once into memory with a gzip copy of each, served with a
// strict Content-Security-Policy: scripts and styles from this origin only, no inline code, no
// framing, nothing sent elsewhere. The whole page is a few files and about 60 KB gzipped.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ASSETS_DIR = fileURLToPath(new URL('./assets/', import.meta.url));

export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src " +
    "'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
  '.json': 'application/json',
};

interface Asset {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
  etag: string;
}

export class Assets {
  private readonly files = new Map<string, Asset>();

  constructor(dir = ASSETS_DIR) {
    const zlib = process.getBuiltinModule('node:zlib');
    const walk = (d: string, prefix: string) => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        if (statSync(p).isDirectory()) walk(p, `${prefix}${name}/`);
        else {
          const body = readFileSync(p);
          const type = TYPES[extname(name)] ?? 'application/octet-stream';
          const gz = type.startsWith('text/') || type.includes('svg') || type.includes('json') ? zlib.gzipSync(body, { level: 9 }) : null;
          this.files.set(`/${prefix}${name}`, {
            body,
            gzip: gz && gz.length < body.length ? gz : null,
            type,
            etag: `"${body.length.toString(36)}-${statSync(p).mtimeMs.toString(36)}"`,
          });
        }
      }
    };
    walk(dir, '');
  }

  has(path: string): boolean {
    return this.files.has(path);
  }

  /** Bytes of the page as sent to a browser that accepts gzip (the ≤ 200 KB budget). */
  get compressedBytes(): number {
    let n = 0;
    for (const a of this.files.values()) n += (a.gzip ?? a.body).length;
    return n;
  }

  serve(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const a = this.files.get(path);
    if (!a) return false;
    const headers: Record<string, string | number> = {
      ...SECURITY_HEADERS,
      'content-type': a.type,
      etag: a.etag,
      'cache-control': 'no-cache',
      vary: 'accept-encoding',
    };
    if (req.headers['if-none-match'] === a.etag) {
      res.writeHead(304, headers).end();
      return true;
    }
    const gz = a.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gz ? a.gzip! : a.body;
    res.writeHead(200, { ...headers, 'content-length': body.length, ...(gz ? { 'content-encoding': 'gzip' } : {}) });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  }
}
