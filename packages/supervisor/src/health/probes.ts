// TCP and HTTP probes for readiness and liveness. node:http rather than fetch: fetch loads
// undici, megabytes of resident memory the daemon does not need.
import { connect } from 'node:net';

// Through getBuiltinModule, not an ESM import, which would read node:http's lazy exports and
// load undici, http2 and zlib into the daemon all the same (see daemon/launch.ts).
const { request: httpRequest } = process.getBuiltinModule('node:http');

export type Probe = () => Promise<void>;

export function tcpProbe(host: string, port: number, timeoutMs: number): Probe {
  return () =>
    new Promise<void>((resolve, reject) => {
      const sock = connect({ host, port });
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`tcp ${host}:${port}: no connection within ${timeoutMs} ms`));
      }, timeoutMs);
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.destroy();
        resolve();
      });
      sock.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`tcp ${host}:${port}: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
      });
    });
}

const okStatus = (status: number, expect?: readonly number[]) => (expect ? expect.includes(status) : status >= 200 && status < 400);

export function httpProbe(url: string, expectStatus: readonly number[] | undefined, timeoutMs: number): Probe {
  const u = new URL(url);
  return async () => {
    const request = u.protocol === 'https:' ? (await import('node:https')).request : httpRequest;
    await new Promise<void>((resolve, reject) => {
      const req = request(
        u,
        { method: 'GET', timeout: timeoutMs, headers: { 'user-agent': 'holdfast-probe', connection: 'close' }, rejectUnauthorized: false },
        (res) => {
          res.resume();
          const status = res.statusCode ?? 0;
          if (okStatus(status, expectStatus)) resolve();
          else reject(new Error(`GET ${url}: status ${status}${expectStatus ? `, expected ${expectStatus.join(' or ')}` : ''}`));
        },
      );
      req.once('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
      req.once('error', (err) =>
        reject(
          new Error(err.message.startsWith('GET') ? err.message : `GET ${url}: ${(err as NodeJS.ErrnoException).code ?? err.message}`),
        ),
      );
      req.end();
    });
  };
}

/**
 * Retries `probe` until it passes or `signal` aborts. Attempts start 5 ms apart and back off to
 * `maxIntervalMs`: a fast program is seen ready within milliseconds, a slow one costs little.
 */
export async function waitForProbe(probe: Probe, maxIntervalMs: number, signal: AbortSignal): Promise<boolean> {
  let interval = 5;
  while (!signal.aborted) {
    try {
      await probe();
      return !signal.aborted;
    } catch {}
    if (signal.aborted) return false;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, interval);
      signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });
    interval = Math.min(maxIntervalMs, interval * 1.5);
  }
  return false;
}
