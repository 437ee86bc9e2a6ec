// Owns connection tracking for the drain, instead of relying on Fastify's close defaults (which
// either wait out keep-alive or reset in-flight requests: fastify#7044, #6889). Every socket is
// known with the number of requests in flight on it, so the drain can close exactly the idle
// ones and let busy ones finish their response with `Connection: close`.
//
// This runs on every request, so it keeps its state on the request, response and socket objects
// themselves: the requests in flight are a linked list through their responses (oldest first,
// as the drain reports them) and each socket carries its own count. A Map keyed by request cost
// a hash insert and delete per request, measurable on a hello-world route.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

type TimedRequest = IncomingMessage & { holdfastStartedAt?: number };
type TrackedSocket = Socket & { holdfastInFlight?: number };
/** A response in the in-flight list. */
type Linked = ServerResponse & { holdfastLinked?: boolean; holdfastPrev?: Linked | undefined; holdfastNext?: Linked | undefined };

export interface InFlightRequest {
  method: string;
  url: string;
  requestId: string | undefined;
  startedAt: number;
}

/** Called once per request when its response closes; `ms` is the time since it arrived. */
export type ResponseDone = (req: IncomingMessage, res: ServerResponse, ms: number) => void;

export class ConnectionTracker {
  readonly #sockets = new Set<TrackedSocket>();
  /** The in-flight list: oldest and newest response. */
  #first: Linked | undefined;
  #last: Linked | undefined;
  #inFlight = 0;
  #closing = false;
  /** Set once the listener is closed: idle sockets are ended as soon as they are idle. */
  #endIdle = false;
  #idleWaiters: (() => void)[] = [];
  /** Shared by every response; the response is `this` ('close' is emitted without arguments). */
  readonly #onResponseClose: (this: ServerResponse) => void;
  readonly #done: ResponseDone | undefined;

  constructor(server: Server, onResponseDone?: ResponseDone) {
    this.#done = onResponseDone;
    const closed = (res: ServerResponse) => this.#responseClosed(res as Linked);
    this.#onResponseClose = function (this: ServerResponse) {
      closed(this);
    };
    server.on('connection', (socket: TrackedSocket) => {
      socket.holdfastInFlight = 0;
      this.#sockets.add(socket);
      socket.once('close', () => {
        this.#sockets.delete(socket);
        if (this.#idleWaiters.length) this.#notify();
      });
    });
  }

  /** Called by the request handler before Fastify sees the request. */
  onRequest(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket as TrackedSocket;
    if (socket.holdfastInFlight !== undefined) socket.holdfastInFlight++;
    const r = res as Linked;
    r.holdfastLinked = true;
    r.holdfastPrev = this.#last;
    r.holdfastNext = undefined;
    if (this.#last === undefined) this.#first = r;
    else this.#last.holdfastNext = r;
    this.#last = r;
    this.#inFlight++;
    (req as TimedRequest).holdfastStartedAt = performance.now();
    if (this.#closing) res.shouldKeepAlive = false;
    // 'close' fires once per response: after 'finish' when it completed, alone when the
    // connection died first. One listener covers both; it is shared by every response (no
    // closure or once-wrapper per request) and finds its request and socket from the response.
    res.on('close', this.#onResponseClose);
  }

  #responseClosed(res: Linked): void {
    // 'close' comes once per response; the guard keeps the list whole if it ever came twice.
    if (res.holdfastLinked !== true) return;
    res.holdfastLinked = false;
    const req = res.req;
    const socket = req.socket as TrackedSocket;
    try {
      // Observed before the bookkeeping below, which may let a waiting drain finish.
      this.#done?.(req, res, performance.now() - ((req as TimedRequest).holdfastStartedAt ?? 0));
    } finally {
      // Even when the observer threw (that still surfaces as an uncaught error and a drain), so
      // the drain it starts sees a true count and can finish.
      this.#unlink(res, socket);
    }
  }

  #unlink(res: Linked, socket: TrackedSocket): void {
    const prev = res.holdfastPrev;
    const next = res.holdfastNext;
    if (prev === undefined) this.#first = next;
    else prev.holdfastNext = next;
    if (next === undefined) this.#last = prev;
    else next.holdfastPrev = prev;
    res.holdfastPrev = res.holdfastNext = undefined;
    this.#inFlight--;
    if (socket.holdfastInFlight !== undefined) socket.holdfastInFlight--;
    if (this.#endIdle) this.#closeIfIdle(socket);
    if (this.#idleWaiters.length) this.#notify();
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** The responses in flight, oldest first. */
  *#responses(): Generator<Linked> {
    for (let r = this.#first; r !== undefined; r = r.holdfastNext) yield r;
  }

  get connections(): number {
    return this.#sockets.size;
  }

  /** Requests still running, oldest first (the list is in arrival order) for the drain's report. */
  pending(): InFlightRequest[] {
    return [...this.#responses()].map(({ req }) => ({
      method: req.method ?? '?',
      url: req.url ?? '?',
      requestId: (req as IncomingMessage & { holdfastRequestId?: string }).holdfastRequestId,
      startedAt: (req as TimedRequest).holdfastStartedAt ?? 0,
    }));
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
    for (const res of this.#responses()) if (!res.headersSent) res.shouldKeepAlive = false;
  }

  /** Ends every idle socket now (FIN, not RST); busy ones end after their last response. */
  closeIdle(): void {
    this.markClosing();
    this.#endIdle = true;
    for (const socket of this.#sockets) this.#closeIfIdle(socket);
  }

  #closeIfIdle(socket: TrackedSocket): void {
    if (!this.#sockets.has(socket) || (socket.holdfastInFlight ?? 0) > 0) return;
    // A request may have arrived but not been parsed yet; Node's http server answers it
    // (with Connection: close, since shouldKeepAlive is off) before the FIN is sent, because
    // end() only half-closes after pending writes.
    socket.end();
    // If the peer never closes its side, do not hold the process open forever.
    setTimeout(() => socket.destroy(), 5000).unref();
  }

  /** Resolves when no request is in flight and no socket is open, or when `signal` aborts. */
  async idle(signal: AbortSignal): Promise<boolean> {
    if (this.#inFlight === 0 && this.#sockets.size === 0) return true;
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
    if (this.#inFlight > 0 || this.#sockets.size > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Past the deadline: destroy whatever is left. */
  destroyAll(): void {
    for (const socket of this.#sockets) socket.destroy();
  }
}
