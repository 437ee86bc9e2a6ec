// Owns connection tracking for the drain, instead of relying on Fastify's close defaults (which
// either wait out keep-alive or reset in-flight requests: fastify#7044, #6889). Every socket is
// known with the number of requests in flight on it, so the drain can close exactly the idle
// ones and let busy ones finish their response with `Connection: close`.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

type TimedRequest = IncomingMessage & { holdfastStartedAt?: number };

interface Tracked {
  inFlight: number;
}

export interface InFlightRequest {
  method: string;
  url: string;
  requestId: string | undefined;
  startedAt: number;
}

export class ConnectionTracker {
  readonly #sockets = new Map<Socket, Tracked>();
  readonly #requests = new Map<IncomingMessage, ServerResponse>();
  #closing = false;
  /** Set once the listener is closed: idle sockets are ended as soon as they are idle. */
  #endIdle = false;
  #idleWaiters: (() => void)[] = [];
  /** Shared by every response; the response is `this` ('close' is emitted without arguments). */
  readonly #onResponseClose: (this: ServerResponse) => void;

  constructor(server: Server) {
    const closed = (res: ServerResponse) => this.#responseClosed(res);
    this.#onResponseClose = function (this: ServerResponse) {
      closed(this);
    };
    server.on('connection', (socket: Socket) => {
      const t: Tracked = { inFlight: 0 };
      this.#sockets.set(socket, t);
      socket.once('close', () => {
        this.#sockets.delete(socket);
        if (this.#idleWaiters.length) this.#notify();
      });
    });
  }

  /** Called by the request handler before Fastify sees the request. */
  onRequest(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    const t = this.#sockets.get(socket);
    if (t) t.inFlight++;
    this.#requests.set(req, res);
    (req as TimedRequest).holdfastStartedAt = performance.now();
    if (this.#closing) res.shouldKeepAlive = false;
    // 'close' fires once per response: after 'finish' when it completed, alone when the
    // connection died first. One listener covers both; it is shared by every response (no
    // closure or once-wrapper per request) and finds its request and socket from the response.
    res.on('close', this.#onResponseClose);
  }

  #responseClosed(res: ServerResponse): void {
    const req = res.req;
    const socket = req.socket;
    this.#requests.delete(req);
    const t = this.#sockets.get(socket);
    if (t) t.inFlight--;
    if (this.#endIdle) this.#closeIfIdle(socket);
    if (this.#idleWaiters.length) this.#notify();
  }

  get inFlight(): number {
    return this.#requests.size;
  }

  get connections(): number {
    return this.#sockets.size;
  }

  /** Requests still running, oldest first (for the drain's "still pending" report). */
  pending(): InFlightRequest[] {
    return [...this.#requests.keys()]
      .map((req) => ({
        method: req.method ?? '?',
        url: req.url ?? '?',
        requestId: (req as IncomingMessage & { holdfastRequestId?: string }).holdfastRequestId,
        startedAt: (req as TimedRequest).holdfastStartedAt ?? 0,
      }))
      .sort((a, b) => a.startedAt - b.startedAt);
  }

  get closing(): boolean {
    return this.#closing;
  }

  /**
   * From now on every response carries `Connection: close`, including requests already in
   * flight whose headers are not sent yet, so keep-alive clients move off this process one
   * response at a time instead of having idle sockets closed under them.
   */
  markClosing(): void {
    this.#closing = true;
    for (const res of this.#requests.values()) if (!res.headersSent) res.shouldKeepAlive = false;
  }

  /** Ends every idle socket now (FIN, not RST); busy ones end after their last response. */
  closeIdle(): void {
    this.markClosing();
    this.#endIdle = true;
    for (const socket of this.#sockets.keys()) this.#closeIfIdle(socket);
  }

  #closeIfIdle(socket: Socket): void {
    const t = this.#sockets.get(socket);
    if (!t || t.inFlight > 0) return;
    // A request may have arrived but not been parsed yet; Node's http server answers it
    // (with Connection: close, since shouldKeepAlive is off) before the FIN is sent, because
    // end() only half-closes after pending writes.
    socket.end();
    // If the peer never closes its side, do not hold the process open forever.
    setTimeout(() => socket.destroy(), 5000).unref();
  }

  /** Resolves when no request is in flight and no socket is open, or when `signal` aborts. */
  async idle(signal: AbortSignal): Promise<boolean> {
    if (this.#requests.size === 0 && this.#sockets.size === 0) return true;
    return new Promise((resolve) => {
      const onAbort = () => resolve(false);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#idleWaiters.push(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      });
    });
  }

  #notify(): void {
    if (this.#requests.size > 0 || this.#sockets.size > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Past the deadline: destroy whatever is left. */
  destroyAll(): void {
    for (const socket of this.#sockets.keys()) socket.destroy();
  }
}
