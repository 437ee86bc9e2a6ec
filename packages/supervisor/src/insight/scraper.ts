// Reads the programs' metrics endpoints into the compact store, every interval: one GET per
// instance (never two at once for one instance), its text parsed for the samples the store
// keeps, the rest skipped by name. node:http only (fetch would load undici into the daemon), no
// compression asked for (zlib stays out too), the body capped. A failed read is recorded as a
// gap with its reason: the explanation says "not answering" rather than "no errors".
import type { IncomingMessage } from 'node:http';
import { parseExposition, type RingStore } from '@holdfast/insight/rootcause';
import type { ScrapedSample } from './rule-series.ts';
import type { ScrapeTarget } from './targets.ts';

// Not `import … from 'node:http'` (see daemon/listen.ts: an ESM import loads its lazy exports).
const http = process.getBuiltinModule('node:http');

const MAX_BODY = 16 * 2 ** 20;
const ACCEPT = 'text/plain;version=0.0.4;q=1,text/plain;q=0.5,*/*;q=0.1';

/** One GET of a metrics endpoint: its text, or what went wrong in a few words. */
export function readMetrics(
  url: string,
  timeoutMs: number,
  agent?: InstanceType<typeof http.Agent>,
): Promise<{ text: string } | { error: string }> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: { text: string } | { error: string }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    let req: ReturnType<typeof http.get>;
    try {
      req = http.get(url, { headers: { accept: ACCEPT }, ...(agent ? { agent } : {}) }, (res: IncomingMessage) => {
        if (res.statusCode !== 200) {
          res.resume();
          return finish({ error: `HTTP ${res.statusCode}` });
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY) {
            req.destroy();
            return finish({ error: `the answer is larger than ${MAX_BODY / 2 ** 20} MiB` });
          }
          chunks.push(c);
        });
        res.on('end', () => finish({ text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (e: Error) => finish({ error: e.message }));
      });
    } catch (err) {
      return finish({ error: (err as Error).message });
    }
    const timer = setTimeout(() => {
      req.destroy();
      finish({ error: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => finish({ error: e.code ?? e.message }));
  });
}

export interface ScraperOptions {
  intervalMs: number;
  timeoutMs: number;
  /** Sample names to keep. */
  want: (name: string) => boolean;
  /** The instances to read now (asked before every round: programs come and go). */
  targets: () => ScrapeTarget[];
  now: () => number;
  /** After every round (the probable causes of open incidents are refreshed there). */
  onRound?: () => void;
  /** A second reader of the same answers (the daemon's alert rules): its samples, failures and targets gone. */
  sink?: ScrapeSink;
}

export interface ScrapeSink {
  want(name: string): boolean;
  scraped(target: { id: string; program: string }, at: number, result: ScrapedSample[] | { error: string }): void;
  gone(id: string, at: number): void;
}

export interface TargetStatus {
  id: string;
  program: string;
  url: string;
  lastScrapeAt: number | null;
  ok: boolean;
  error: string | null;
  failures: number;
  series: number;
  /** Lines of the last answer that did not parse. */
  malformed: number;
  durationMs: number | null;
}

export class Scraper {
  readonly #store: RingStore;
  readonly #o: ScraperOptions;
  readonly #inFlight = new Set<string>();
  readonly #last = new Map<string, { url: string; program: string; malformed: number; durationMs: number }>();
  /** Families (and their types) each program's last answer listed: the registry alert rules are checked against. */
  readonly catalog = new Map<string, Map<string, string>>();
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #round: Promise<void> | undefined;
  rounds = 0;

  constructor(store: RingStore, o: ScraperOptions) {
    this.#store = store;
    this.#o = o;
  }

  start(): void {
    this.#schedule(0);
  }

  #schedule(delay: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      const started = Date.now();
      this.#round = this.round().finally(() => {
        // The next round on the interval's beat, whatever this one took.
        this.#schedule(Math.max(0, this.#o.intervalMs - (Date.now() - started)));
      });
    }, delay);
    this.#timer.unref();
  }

  /** Reads every target once (those still being read from the last round are skipped). */
  async round(): Promise<void> {
    const targets = this.#o.targets();
    const ids = new Set(targets.map((t) => t.id));
    for (const id of [...this.#last.keys()]) {
      if (ids.has(id)) continue;
      this.#last.delete(id);
      this.#o.sink?.gone(id, this.#o.now());
    }
    await Promise.all(targets.filter((t) => !this.#inFlight.has(t.id)).map((t) => this.#scrape(t)));
    // Targets gone for a whole retention leave the store.
    this.#store.prune(this.#o.now() - this.#store.slots * this.#o.intervalMs);
    this.rounds++;
    this.#o.onRound?.();
  }

  async #scrape(t: ScrapeTarget): Promise<void> {
    this.#inFlight.add(t.id);
    const at = this.#o.now();
    const t0 = Date.now();
    try {
      const r = await readMetrics(t.url, this.#o.timeoutMs, this.#agent);
      const ring = this.#store.begin(t.id, t.program, at);
      const sink = this.#o.sink;
      let malformed = 0;
      if ('error' in r) {
        this.#store.end(ring, r.error);
        sink?.scraped(t, at, r);
      } else {
        const want = this.#o.want;
        const forSink: ScrapedSample[] = [];
        const parsed = sink
          ? parseExposition(
              r.text,
              (name) => want(name) || sink.want(name),
              (name, labels, value) => {
                if (want(name)) this.#store.put(ring, name, labels, value);
                if (sink.want(name)) forSink.push({ name, labels, value });
              },
            )
          : parseExposition(r.text, want, (name, labels, value) => this.#store.put(ring, name, labels, value));
        malformed = parsed.malformed;
        this.catalog.set(t.program, parsed.types);
        const error =
          parsed.samples === 0 && parsed.types.size === 0 && r.text.trim() !== ''
            ? 'the answer is not in the Prometheus text format'
            : undefined;
        this.#store.end(ring, error);
        sink?.scraped(t, at, error ? { error } : forSink);
      }
      this.#last.set(t.id, { url: t.url, program: t.program, malformed, durationMs: Date.now() - t0 });
    } finally {
      this.#inFlight.delete(t.id);
    }
  }

  status(): TargetStatus[] {
    return [...this.#last].map(([id, l]) => {
      const ring = this.#store.target(id);
      return {
        id,
        program: l.program,
        url: l.url,
        lastScrapeAt: ring?.lastTime || null,
        ok: ring !== undefined && ring.failures === 0,
        error: ring?.lastError ?? null,
        failures: ring?.failures ?? 0,
        series: ring?.series.size ?? 0,
        malformed: l.malformed,
        durationMs: l.durationMs,
      };
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#round?.catch(() => undefined);
    this.#agent.destroy();
  }
}
