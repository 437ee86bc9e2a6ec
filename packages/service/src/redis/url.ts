// The Redis URL is checked when the service is created: a typo there must stop the deploy,
// not surface later as a cache that silently never works.
import { ServiceOptionsError } from '../errors.ts';

export interface RedisTarget {
  url: string;
  host: string;
  port: number;
  db: number;
  tls: boolean;
}

/** Parses redis://[user:pass@]host[:port][/db] (or rediss:// for TLS); `option` names where it came from. */
export function parseRedisUrl(raw: string, option: string): RedisTarget {
  const fail = (why: string): never => {
    throw new ServiceOptionsError([
      {
        option,
        message:
          `'${redact(raw)}' is not a usable Redis ` +
          `URL: ${why} (expected ` +
          `redis://[user:password@]host[:port][/db], or rediss:// for TLS)`,
      },
    ]);
  };
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return fail('it does not parse as a URL');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') fail(`the scheme is '${u.protocol.replace(/:$/, '')}'`);
  if (!u.hostname) fail('it has no host');
  const port = u.port === '' ? 6379 : Number(u.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`the port '${u.port}' is not a port number`);
  const path = u.pathname.replace(/^\//, '');
  const db = path === '' ? 0 : Number(path);
  if (!Number.isInteger(db) || db < 0 || db > 15) fail(`the database '${path}' is not a number from 0 to 15`);
  return { url: raw, host: u.hostname, port, db, tls: u.protocol === 'rediss:' };
}

/** The URL without its password, for messages and logs. */
export function redact(raw: string): string {
  return raw.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
