// The agent's local control endpoint: HTTP on a unix socket (default) or a loopback port.
//   GET  /status      the AgentStatus as JSON (what `holdfast failover status` prints)
//   GET  /metrics     Prometheus text
//   GET  /events      the events stream, one JSON object per line, until the client hangs up
//   POST /switchover  {"to": "<node>"}: ask the cluster's leader to hand over (planned move)
// A socket left by a dead agent is replaced; one that still answers means another agent for
// this node is running, which is refused. The socket is 0600: it can move leadership. A TCP
// `listen` should stay on loopback.
import { chmodSync, mkdirSync, unlinkSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FailoverError } from './errors.ts';
import type { AgentStatus, StampedEvent } from './agent-types.ts';

export type StatusEndpoint = { socket: string } | { host: string; port: number };

export function defaultStatusSocket(cluster: string, node: string): string {
  const dir = process.env.XDG_RUNTIME_DIR ?? (process.getuid?.() === 0 ? '/run/holdfast' : tmpdir());
  return join(dir, `holdfast-failover-${cluster}-${node}.sock`);
}

export function describeEndpoint(e: StatusEndpoint): string {
  return 'socket' in e ? e.socket : `${e.host}:${e.port}`;
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

export class StatusServer {
  readonly endpoint: StatusEndpoint;
  readonly #h: StatusHandlers;
  #server: Server | null = null;
  #streams = new Set<ServerResponse>();

  constructor(endpoint: StatusEndpoint, handlers: StatusHandlers) {
    this.endpoint = endpoint;
    this.#h = handlers;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.#handle(req, res));
    if ('socket' in this.endpoint) {
      const socket = this.endpoint.socket;
      mkdirSync(dirname(socket), { recursive: true, mode: 0o755 });
      if (await isAlive(socket)) {
        throw new FailoverError('HOLDFAST_E_CONFIG', `another agent already answers on ${socket}: two agents must not share a node name. Stop it, or give this one another 'node'`, { socket });
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
      if ('socket' in this.endpoint) server.listen(this.endpoint.socket, done);
      else server.listen(this.endpoint.port, this.endpoint.host, done);
    }).catch((err: Error) => {
      throw new FailoverError('HOLDFAST_E_CONFIG', `the status endpoint cannot listen on ${describeEndpoint(this.endpoint)}: ${err.message}. Set status.socket or status.listen`, {}, { cause: err });
    });
    // Owner only: the endpoint can move leadership (POST /switchover).
    if ('socket' in this.endpoint) chmodSync(this.endpoint.socket, 0o600);
    this.#server = server;
  }

  async stop(): Promise<void> {
    for (const s of this.#streams) s.end();
    this.#streams.clear();
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
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
        if (typeof body.to !== 'string' || !body.to) return sendJson(res, 400, { error: { code: 'HOLDFAST_E_SWITCHOVER', message: 'give the target node as {"to": "<node>"}' } });
        return sendJson(res, 202, await this.#h.switchover(body.to));
      }
      sendJson(res, 404, { error: { code: 'HOLDFAST_E_NOT_FOUND', message: `no ${req.method} ${path}; try GET /status, /metrics, /events or POST /switchover` } });
    } catch (err) {
      const e = err as Error & { code?: string };
      sendJson(res, err instanceof FailoverError ? err.status : 500, { error: { code: e.code ?? 'HOLDFAST_E_INTERNAL', message: e.message } });
    }
  }
}

/** One request to an agent's status endpoint (used by the CLI). */
export function requestAgent(endpoint: StatusEndpoint, method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 5000): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    {
      const req = request(
        { ...('socket' in endpoint ? { socketPath: endpoint.socket } : { host: endpoint.host, port: endpoint.port }), method, path, headers: { 'content-type': 'application/json' }, timeout: timeoutMs },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => {
            try {
              resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) });
            } catch {
              reject(new FailoverError('HOLDFAST_E_STATUS_UNREACHABLE', `${describeEndpoint(endpoint)} answered something that is not JSON`));
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (err: NodeJS.ErrnoException) => {
        const hint = err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? 'is the agent running (holdfast failover -c <config>)? Pass -c with its config or --socket with its status socket' : err.message;
        reject(new FailoverError('HOLDFAST_E_STATUS_UNREACHABLE', `${describeEndpoint(endpoint)}: ${hint}`, { endpoint: describeEndpoint(endpoint) }, { cause: err }));
      });
      req.end(body === undefined ? undefined : JSON.stringify(body));
    }
  });
}
