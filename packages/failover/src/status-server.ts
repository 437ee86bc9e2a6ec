// The agent's local control endpoint: HTTP on a unix socket (default) or a TCP port.
//   GET  /status      the AgentStatus as JSON (what `holdfast failover status` prints)
//   GET  /metrics     Prometheus text
//   GET  /events      the events stream, one JSON object per line, until the client hangs up
//   POST /switchover  {"to": "<node>"}: ask the cluster's leader to hand over (planned move);
//                     needs the status token (status-access.ts says who may do what)
// The socket is created inside a private directory (0700) with mode 0600 from the start (the
// umask at bind; never a chmod after listen). A socket left by a dead agent is replaced; one
// that still answers means another agent for this node is running, which is refused.
import { createHash, timingSafeEqual } from 'node:crypto';
import { unlinkSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { FailoverError } from './errors.ts';
import { ensurePrivateDir, withUmask } from './private-dir.ts';
import { describeEndpoint, isLoopback, type StatusEndpoint } from './status-access.ts';
import type { AgentStatus, StampedEvent } from './agent-types.ts';

export type { StatusEndpoint } from './status-access.ts';

export interface StatusAuth {
  /** The status token: POST /switchover needs it (and every request, on a non-loopback bind). */
  token: string;
  /** Write the token here at start (mode 0600, private directory) and remove it at stop: a generated token. */
  tokenFile?: string;
}

export interface StatusHandlers {
  status(): AgentStatus;
  metrics(): Promise<string>;
  /** Subscribe to the events stream; returns an unsubscribe. */
  subscribe(fn: (e: StampedEvent) => void): () => void;
  switchover(to: string): Promise<{ to: string; from: string | null }>;
}

const isAlive = (socket: string) =>
  new Promise<boolean>((resolve) => {
    const c = connect(socket);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 64 * 1024) throw new FailoverError('HOLDFAST_E_BAD_REQUEST', 'the body is larger than 64 KiB');
  }
  try {
    return text ? JSON.parse(text) : {};
  } catch (err) {
    throw new FailoverError('HOLDFAST_E_BAD_REQUEST', `the body is not JSON: ${(err as Error).message}`);
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export class StatusServer {
  readonly endpoint: StatusEndpoint;
  readonly #h: StatusHandlers;
  readonly #auth: StatusAuth;
  readonly #tokenDigest: Buffer;
  /** On a non-loopback bind every request needs the token, reads too. */
  readonly #readsNeedToken: boolean;
  #server: Server | null = null;
  #streams = new Set<ServerResponse>();

  constructor(endpoint: StatusEndpoint, handlers: StatusHandlers, auth: StatusAuth) {
    this.endpoint = endpoint;
    this.#h = handlers;
    this.#auth = auth;
    this.#tokenDigest = digest(auth.token);
    this.#readsNeedToken = 'host' in endpoint && !isLoopback(endpoint.host);
  }

  async start(): Promise<void> {
    if (Buffer.byteLength(this.#auth.token) < 16)
      throw new FailoverError('HOLDFAST_E_CONFIG', 'status.token: a token needs at least 16 bytes');
    const server = createServer((req, res) => void this.#handle(req, res));
    if ('socket' in this.endpoint) {
      const socket = this.endpoint.socket;
      ensurePrivateDir(dirname(socket), 'status.socket');
      if (await isAlive(socket)) {
        throw new FailoverError(
          'HOLDFAST_E_CONFIG',
          `another agent already answers on ${socket}: two agents must not share a node name. Stop it, or give this one another 'node'`,
          { socket },
        );
      }
      try {
        unlinkSync(socket); // left by an agent that died
      } catch {}
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const done = () => {
        server.off('error', reject);
        resolve();
      };
      // bind() happens inside listen(): with this umask the socket is 0600 from its first instant.
      if ('socket' in this.endpoint) withUmask(0o177, () => server.listen((this.endpoint as { socket: string }).socket, done));
      else server.listen(this.endpoint.port, this.endpoint.host, done);
    }).catch((err: Error) => {
      throw new FailoverError(
        'HOLDFAST_E_CONFIG',
        `the status endpoint cannot listen on ${describeEndpoint(this.endpoint)}: ${err.message}. Set status.socket or status.listen`,
        {},
        { cause: err },
      );
    });
    this.#server = server;
    const file = this.#auth.tokenFile;
    if (file) {
      ensurePrivateDir(dirname(file), 'status token');
      try {
        unlinkSync(file); // left by an agent that died
      } catch {}
      withUmask(0o177, () => writeFileSync(file, `${this.#auth.token}\n`, { mode: 0o600, flag: 'wx' }));
    }
  }

  async stop(): Promise<void> {
    if (this.#auth.tokenFile && this.#server) {
      try {
        unlinkSync(this.#auth.tokenFile);
      } catch {}
    }
    for (const s of this.#streams) s.end();
    this.#streams.clear();
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }

  /** True when the request carries the status token (constant-time comparison). */
  #authorized(req: IncomingMessage): boolean {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    return m !== null && timingSafeEqual(digest(m[1]!), this.#tokenDigest);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const writes = req.method === 'POST';
    if ((writes || this.#readsNeedToken) && !this.#authorized(req)) {
      return sendJson(res, 401, {
        error: {
          code: 'HOLDFAST_E_STATUS_TOKEN',
          message:
            `${req.method} ${path} needs the agent's status token (Authorization: Bearer <token>): the ` +
            `configured status.token/tokenFile, else the file the agent wrote beside its socket, readable by its user only`,
        },
      });
    }
    try {
      if (req.method === 'GET' && path === '/status') return sendJson(res, 200, this.#h.status());
      if (req.method === 'GET' && path === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        return void res.end(await this.#h.metrics());
      }
      if (req.method === 'GET' && path === '/events') {
        res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-cache' });
        res.flushHeaders();
        this.#streams.add(res);
        const off = this.#h.subscribe((e) => res.write(`${JSON.stringify(e)}\n`));
        res.once('close', () => {
          off();
          this.#streams.delete(res);
        });
        return;
      }
      if (req.method === 'POST' && path === '/switchover') {
        const body = (await readBody(req)) as { to?: unknown };
        if (typeof body.to !== 'string' || !body.to)
          return sendJson(res, 400, { error: { code: 'HOLDFAST_E_SWITCHOVER', message: 'give the target node as {"to": "<node>"}' } });
        return sendJson(res, 202, await this.#h.switchover(body.to));
      }
      sendJson(res, 404, {
        error: {
          code: 'HOLDFAST_E_NOT_FOUND',
          message: `no ${req.method} ${path}; try GET /status, /metrics, /events or POST /switchover`,
        },
      });
    } catch (err) {
      const e = err as Error & { code?: string };
      const status = err instanceof FailoverError ? err.status : 500;
      sendJson(res, status, { error: { code: e.code ?? 'HOLDFAST_E_INTERNAL', message: e.message } });
    }
  }
}

/** One request to an agent's status endpoint (used by the CLI); `token` goes in the Authorization header. */
export function requestAgent(
  endpoint: StatusEndpoint,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  timeoutMs = 5000,
  token?: string,
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      };
      const req = request(
        {
          ...('socket' in endpoint ? { socketPath: endpoint.socket } : { host: endpoint.host, port: endpoint.port }),
          method,
          path,
          headers,
          timeout: timeoutMs,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => {
            try {
              resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) });
            } catch {
              reject(
                new FailoverError('HOLDFAST_E_STATUS_UNREACHABLE', `${describeEndpoint(endpoint)} answered something that is not JSON`),
              );
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (err: NodeJS.ErrnoException) => {
        const hint =
          err.code === 'ENOENT' || err.code === 'ECONNREFUSED'
            ? 'is the agent running (holdfast failover -c <config>)? Pass -c with its config or --socket with its status socket'
            : err.code === 'EACCES'
              ? "permission denied: the agent's socket is for its own user (run as that user, or root)"
              : err.message;
        reject(
          new FailoverError(
            'HOLDFAST_E_STATUS_UNREACHABLE',
            `${describeEndpoint(endpoint)}: ${hint}`,
            { endpoint: describeEndpoint(endpoint) },
            { cause: err },
          ),
        );
      });
      req.end(body === undefined ? undefined : JSON.stringify(body));
    }
  });
}
