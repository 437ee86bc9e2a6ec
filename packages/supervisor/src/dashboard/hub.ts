// The open pages' event streams (server-sent events). A message is serialized once and written
// to every page; a page that does not read (its socket buffer past 1 MiB: a stalled tab, a slow
// link) is disconnected rather than letting the daemon's memory grow, and its EventSource
// reconnects and starts again from a fresh snapshot.
import type { IncomingMessage, ServerResponse } from 'node:http';

const MAX_BUFFERED = 1024 * 1024;

export class Hub {
  private readonly clients = new Set<ServerResponse>();
  /** Pages disconnected because they fell behind (shown in the daemon's dashboard status). */
  dropped = 0;

  get size(): number {
    return this.clients.size;
  }

  /** Takes over `res` as an event stream; `first` is written before any broadcast reaches it. */
  open(req: IncomingMessage, res: ServerResponse, first: string): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    res.write(`retry: 1000\n\n${first}`);
    this.clients.add(res);
    const ping = setInterval(() => this.write(res, ': ping\n\n'), 15_000);
    ping.unref();
    req.socket.setNoDelay(true);
    req.once('close', () => {
      clearInterval(ping);
      this.clients.delete(res);
    });
  }

  /** One SSE message for `type`, serialized once for every page. */
  static message(type: string, data: unknown): string {
    return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
  }

  broadcast(text: string): void {
    for (const res of this.clients) this.write(res, text);
  }

  private write(res: ServerResponse, text: string): void {
    if (res.writableLength > MAX_BUFFERED) {
      this.dropped++;
      this.clients.delete(res);
      res.destroy();
      return;
    }
    res.write(text);
  }

  close(): void {
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}
