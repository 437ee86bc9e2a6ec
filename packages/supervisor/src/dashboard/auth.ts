// Who may use the dashboard. `holdfast dashboard` asks the daemon, over the control API (whose
// Unix socket only the daemon's user can reach), for a one-time login code and prints a URL with
// it; the first request with the code gets a session cookie (HttpOnly, SameSite=Strict) and is
// sent on to the page without the code in its address. The cookie is signed with a key kept in
// the state directory (mode 0600), so a signed-in page keeps working across daemon restarts;
// deleting the key signs every browser out. Every request that changes something must also carry
// the session's CSRF token (from GET /api/session) in a header, and come from the page's origin.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';

export const COOKIE = 'holdfast_session';
export const CSRF_HEADER = 'x-holdfast-csrf';
const CODE_TTL_MS = 120_000;
const MAX_CODES = 32;

const b64 = (b: Buffer) => b.toString('base64url');

export interface Session {
  id: string;
  expiresAt: number;
}

export class DashboardAuth {
  private readonly key: Buffer;
  private readonly ttlMs: number;
  private readonly now: () => number;
  /** One-time login codes → when each expires. */
  private readonly codes = new Map<string, number>();

  constructor(stateDir: string, ttlMs: number, now: () => number = Date.now) {
    this.key = loadKey(join(stateDir, 'dashboard.key'));
    this.ttlMs = ttlMs;
    this.now = now;
  }

  /** A code that signs one browser in, once, within two minutes. */
  issueCode(): { code: string; expiresAt: number } {
    const now = this.now();
    for (const [c, exp] of this.codes) if (exp <= now) this.codes.delete(c);
    // A flood of requests cannot grow the map: the oldest code goes first.
    if (this.codes.size >= MAX_CODES) this.codes.delete(this.codes.keys().next().value!);
    const code = b64(randomBytes(24));
    const expiresAt = now + CODE_TTL_MS;
    this.codes.set(code, expiresAt);
    return { code, expiresAt };
  }

  /** Uses up `code`; a session when it was valid. */
  redeem(code: string): Session | undefined {
    const exp = this.codes.get(code);
    if (exp === undefined) return undefined;
    this.codes.delete(code);
    if (exp <= this.now()) return undefined;
    return { id: b64(randomBytes(18)), expiresAt: this.now() + this.ttlMs };
  }

  private sign(text: string): string {
    return b64(createHmac('sha256', this.key).update(text).digest());
  }

  cookieValue(s: Session): string {
    const body = `${s.expiresAt.toString(36)}.${s.id}`;
    return `${body}.${this.sign(body)}`;
  }

  setCookie(s: Session): string {
    return `${COOKIE}=${this.cookieValue(s)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.floor((s.expiresAt - this.now()) / 1000)}`;
  }

  static clearCookie(): string {
    return `${COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
  }

  /** The request's session, if its cookie is ours, intact and not expired. */
  session(req: IncomingMessage): Session | undefined {
    const raw = cookie(req.headers.cookie, COOKIE);
    if (!raw) return undefined;
    const parts = raw.split('.');
    if (parts.length !== 3) return undefined;
    const [exp36, id, sig] = parts as [string, string, string];
    if (!safeEqual(sig, this.sign(`${exp36}.${id}`))) return undefined;
    const expiresAt = parseInt(exp36, 36);
    if (!(expiresAt > this.now())) return undefined;
    return { id, expiresAt };
  }

  csrfToken(s: Session): string {
    return this.sign(`csrf.${s.id}`);
  }

  /** A state-changing request: the session's CSRF token in the header, and no other site's origin. */
  csrfOk(req: IncomingMessage, s: Session): boolean {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host}`) return false;
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') return false;
    const token = req.headers[CSRF_HEADER];
    return typeof token === 'string' && safeEqual(token, this.csrfToken(s));
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function cookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function loadKey(file: string): Buffer {
  if (existsSync(file)) {
    const k = readFileSync(file);
    if (k.length >= 32) return k;
  }
  const k = randomBytes(32);
  writeFileSync(file, k, { mode: 0o600 });
  chmodSync(file, 0o600);
  return k;
}
