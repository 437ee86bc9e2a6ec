// An open-loop load generator for the end-to-end tests: requests are sent on a fixed schedule
// whatever the server does (an overloaded server does not slow the arrivals, as real users do
// not wait for each other), and each latency is measured from the request's scheduled time, so
// queueing in the client counts too (no coordinated omission).
//
// It speaks just enough HTTP/1.1 over raw keep-alive sockets (one request in flight per
// connection, a precomputed request, status line + Content-Length parsing): node:http costs
// ~10x more CPU per request, and on a shared 2-core machine the generator must not be the
// bottleneck it is measuring.
import { type Socket, connect } from 'node:net';

export interface Sample {
  /** Scheduled send time, ms since the run started. */
  at: number;
  /** Completion time, ms since the run started (NaN if it never completed). */
  doneAt: number;
  /** HTTP status; 0 when no answer came (connection error, or still pending at the end). */
  status: number;
  latencyMs: number;
  body: string;
}

export interface OpenLoopOptions {
  /** http://host:port/path */
  url: string;
  ratePerSec: number;
  durationMs: number;
  /** After the schedule ends, wait this long for stragglers; unanswered ones keep status 0. */
  drainMs?: number;
  keepBody?: boolean;
  /** Connections opened at most (requests queue in the client beyond that). Default 1024. */
  maxConnections?: number;
}

interface Conn {
  socket: Socket;
  busy: Sample | null;
  buf: Buffer;
}

export async function openLoop(opts: OpenLoopOptions): Promise<Sample[]> {
  const { ratePerSec, durationMs, drainMs = 2000, keepBody = false, maxConnections = 1024 } = opts;
  const url = new URL(opts.url);
  const request = Buffer.from(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: keep-alive\r\n\r\n`);
  const samples: Sample[] = [];
  const total = Math.floor((ratePerSec * durationMs) / 1000);
  const interval = 1000 / ratePerSec;
  const idle: Conn[] = [];
  const queue: Sample[] = [];
  const conns = new Set<Conn>();
  let pending = 0;
  let onIdle: (() => void) | null = null;
  let stopped = false;
  const start = performance.now();

  const complete = (s: Sample, status: number, body: string) => {
    s.doneAt = performance.now() - start;
    s.status = status;
    s.latencyMs = s.doneAt - s.at;
    s.body = body;
    if (--pending === 0 && onIdle) onIdle();
  };

  const dispatch = (c: Conn) => {
    const next = queue.shift();
    if (next) {
      c.busy = next;
      c.socket.write(request);
    } else {
      c.busy = null;
      idle.push(c);
    }
  };

  const onData = (c: Conn, chunk: Buffer) => {
    c.buf = c.buf.length ? Buffer.concat([c.buf, chunk]) : chunk;
    for (;;) {
      const head = c.buf.indexOf('\r\n\r\n');
      if (head < 0 || !c.busy) return;
      const header = c.buf.toString('latin1', 0, head);
      const m = /content-length:\s*(\d+)/i.exec(header);
      const len = m ? Number(m[1]) : 0;
      if (c.buf.length < head + 4 + len) return;
      const status = Number(header.slice(9, 12));
      const body = keepBody ? c.buf.toString('utf8', head + 4, head + 4 + len) : '';
      c.buf = c.buf.subarray(head + 4 + len);
      const s = c.busy;
      complete(s, status, body);
      dispatch(c);
    }
  };

  const open = () => {
    const c: Conn = { socket: connect({ host: url.hostname, port: Number(url.port), noDelay: true }), busy: null, buf: Buffer.alloc(0) };
    conns.add(c);
    c.socket.on('connect', () => dispatch(c));
    c.socket.on('data', (d: Buffer) => onData(c, d));
    const fail = () => {
      conns.delete(c);
      const i = idle.indexOf(c);
      if (i >= 0) idle.splice(i, 1);
      if (c.busy) complete(c.busy, 0, '');
      c.busy = null;
      // Replace a lost connection while requests wait, but never after the run (no reconnect storm).
      if (!stopped && queue.length && conns.size < maxConnections) setTimeout(() => !stopped && queue.length && open(), 10);
    };
    c.socket.on('error', fail);
    c.socket.on('close', fail);
  };

  const fire = (i: number) => {
    const s: Sample = { at: i * interval, doneAt: NaN, status: 0, latencyMs: NaN, body: '' };
    samples.push(s);
    pending++;
    const c = idle.pop();
    if (c) {
      c.busy = s;
      c.socket.write(request);
    } else {
      queue.push(s);
      if (conns.size < maxConnections) open();
    }
  };

  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
      while (sent < due) fire(sent++);
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  if (pending > 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, drainMs);
      onIdle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  // Stragglers are censored at the end of the drain: they took at least this long.
  const end = performance.now() - start;
  for (const s of samples) if (Number.isNaN(s.doneAt)) s.latencyMs = end - s.at;
  stopped = true;
  queue.length = 0;
  for (const c of conns) c.socket.destroy();
  return samples;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/**
 * Closed-loop saturation: `connections` raw keep-alive clients each send the next request as
 * soon as the previous one is answered, for `durationMs`. Returns completed requests per
 * second: the throughput the server manages right now (on a shared machine, not a constant).
 */
export async function closedLoopThroughput(target: string, connections: number, durationMs: number): Promise<number> {
  const url = new URL(target);
  const request = Buffer.from(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: keep-alive\r\n\r\n`);
  const start = performance.now();
  const end = start + durationMs;
  let done = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const socket = connect({ host: url.hostname, port: Number(url.port), noDelay: true });
      let buf: Buffer = Buffer.alloc(0);
      const finish = () => {
        socket.destroy();
        resolve();
      };
      socket.on('connect', () => socket.write(request));
      socket.on('error', finish);
      socket.on('data', (chunk: Buffer) => {
        buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
        for (;;) {
          const head = buf.indexOf('\r\n\r\n');
          if (head < 0) return;
          const m = /content-length:\s*(\d+)/i.exec(buf.toString('latin1', 0, head));
          const len = m ? Number(m[1]) : 0;
          if (buf.length < head + 4 + len) return;
          buf = buf.subarray(head + 4 + len);
          done++;
          if (performance.now() >= end) return finish();
          socket.write(request);
        }
      });
    });
  await Promise.all(Array.from({ length: connections }, one));
  return (done * 1000) / (performance.now() - start);
}
