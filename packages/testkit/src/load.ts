// A load generator for reload tests and benchmarks: `concurrency` loops, each sending one
// request after the other (keep-alive: over a pooled connection; without: a new connection per
// request, with `Connection: close`). Every request is counted: a 200 is ok; any other status, a connection
// error (reset, refused, hang-up) or no answer within the timeout is a failure, named by kind.
import { Agent, request } from 'node:http';

export interface LoadStats {
  requests: number;
  ok: number;
  failed: number;
  /** Failures by kind: ECONNRESET, ECONNREFUSED, socket hang up, status 503, timeout … */
  failures: Record<string, number>;
  /** Requests answered per server pid (the app puts its pid in the body). */
  byPid: Record<string, number>;
}

export interface Load {
  readonly stats: LoadStats;
  stop(): Promise<LoadStats>;
}

/** `pauseMs`: a pause between one loop's requests, so a 2-core machine keeps CPU for the instances booting during a reload. */
export function startLoad(
  url: string,
  o: { keepAlive: boolean; concurrency: number; path?: string; timeoutMs?: number; pauseMs?: number },
): Load {
  const u = new URL(o.path ?? '/', url);
  const agent = new Agent({ keepAlive: o.keepAlive, maxSockets: o.concurrency });
  const stats: LoadStats = { requests: 0, ok: 0, failed: 0, failures: {}, byPid: {} };
  const fail = (kind: string) => {
    stats.failed++;
    stats.failures[kind] = (stats.failures[kind] ?? 0) + 1;
  };
  let running = true;
  const one = () =>
    new Promise<void>((resolve) => {
      stats.requests++;
      const req = request({ host: u.hostname, port: u.port, path: u.pathname + u.search, agent, timeout: o.timeoutMs ?? 10_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.once('end', () => {
          if (res.statusCode === 200) {
            stats.ok++;
            const pid = /"pid":(\d+)/.exec(body)?.[1] ?? '?';
            stats.byPid[pid] = (stats.byPid[pid] ?? 0) + 1;
          } else fail(`status ${res.statusCode}`);
          resolve();
        });
        res.once('error', (err: NodeJS.ErrnoException) => {
          fail(err.code ?? err.message);
          resolve();
        });
      });
      req.once('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
      req.once('error', (err: NodeJS.ErrnoException) => {
        fail(err.code ?? err.message);
        resolve();
      });
      req.end();
    });
  const loops = Array.from({ length: o.concurrency }, async () => {
    while (running) {
      await one();
      if (o.pauseMs) await new Promise((r) => setTimeout(r, o.pauseMs));
    }
  });
  return {
    stats,
    // Idempotent: tests also call it from t.after, so a failed assertion never leaves clients running.
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return stats;
    },
  };
}

export const summary = (name: string, s: LoadStats) =>
  `${name}: ${s.requests} ` +
  `requests, ${s.ok} ` +
  `ok, ${s.failed} ` +
  `failed${s.failed ? ` ${JSON.stringify(s.failures)}` : ''}, served by ${Object.keys(s.byPid).length} pids`;
