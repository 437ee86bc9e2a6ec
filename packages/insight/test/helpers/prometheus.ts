// A real Prometheus for tests: blocks backfilled with promtool, the server on a free loopback
// port over a temp dir, queried through its HTTP API. Everything a test starts is killed and
// removed by testkit's cleanup, also when the test fails.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { cannotRun, freePort, startChild, type Child } from '@holdfast/testkit';
import { writeOpenMetrics } from '../../src/replay/openmetrics.ts';
import type { Series } from '../../src/promql/store.ts';

export function prometheusInstalled(t: Pick<TestContext, 'skip'>): boolean {
  for (const tool of ['prometheus', 'promtool']) {
    const r = spawnSync(tool, ['--version'], { encoding: 'utf8' });
    if (r.status !== 0) {
      cannotRun(t, `${tool} is not installed (apt-get install prometheus; .ci/run installs it)`);
      return false;
    }
  }
  return true;
}

export function promtool(args: string[], cwd?: string): string {
  const r = spawnSync('promtool', args, { encoding: 'utf8', cwd, maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`promtool ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout + r.stderr;
}

/** Backfills an OpenMetrics file into TSDB blocks under `dataDir`. */
export function backfillOpenMetrics(file: string, dataDir: string): void {
  promtool(['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', file, dataDir]);
}

/** Backfills series a day at a time (promtool re-reads its input for every 2-hour block). */
export function backfillSeries(
  series: readonly Series[],
  types: ReadonlyMap<string, string>,
  dir: string,
  dataDir: string,
  name: string,
): void {
  let min = Infinity;
  let max = -Infinity;
  for (const s of series) {
    if (s.n === 0) continue;
    min = Math.min(min, s.t[0]!);
    max = Math.max(max, s.t[s.n - 1]!);
  }
  const DAY = 86_400_000;
  for (let from = Math.floor(min / DAY) * DAY; from <= max; from += DAY) {
    const text = writeOpenMetrics(series, types, { from, to: from + DAY });
    if (!/\n[^#]/.test(text)) continue;
    const file = join(dir, `${name}-${from}.om`);
    writeFileSync(file, text);
    backfillOpenMetrics(file, dataDir);
    rmSync(file);
  }
}

/** A sample value as the API writes it ("+Inf" is not a number JavaScript reads). */
function sampleValue(v: string): number {
  return v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v);
}

export class Prometheus {
  readonly dataDir: string;
  readonly #t: Pick<TestContext, 'after'>;
  readonly #dir: string;
  #child: Child | undefined;
  url = '';

  constructor(t: Pick<TestContext, 'after'>, dir: string) {
    this.#t = t;
    this.#dir = dir;
    this.dataDir = join(dir, 'data');
    mkdirSync(this.dataDir, { recursive: true });
    writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1m\n  evaluation_interval: 1m\n');
  }

  /** Starts the server and resolves once it says it is ready. */
  async start(): Promise<void> {
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    this.#child = startChild(this.#t, 'prometheus', [
      `--config.file=${join(this.#dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${this.dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // Backfilled blocks are old: a short retention would delete them at start.
      '--storage.tsdb.retention.time=100y',
    ]);
    await this.#child.waitForLine(/Server is ready to receive web requests/, 120_000);
  }

  async stop(): Promise<void> {
    if (!this.#child) return;
    this.#child.kill('SIGTERM');
    await this.#child.exited;
    this.#child = undefined;
  }

  /** Moves the blocks promtool wrote into `dir` into the data directory (picked up at the next start). */
  adoptBlocks(dir: string): number {
    let n = 0;
    for (const entry of readdirSync(dir)) {
      if (!/^[0-9A-Z]{26}$/.test(entry)) continue;
      renameSync(join(dir, entry), join(this.dataDir, entry));
      n++;
    }
    return n;
  }

  async api(path: string, params: Record<string, string>): Promise<unknown> {
    const res = await fetch(`${this.url}${path}`, { method: 'POST', body: new URLSearchParams(params) });
    const body = (await res.json()) as { status: string; data: unknown; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${path} ${JSON.stringify(params).slice(0, 300)}: ${body.error}`);
    return body.data;
  }

  /** A range query split into pieces under Prometheus's 11,000 points per series. */
  async queryRange(
    expr: string,
    start: number,
    end: number,
    stepMs: number,
  ): Promise<Map<string, { labels: Record<string, string>; points: Map<number, number> }>> {
    const out = new Map<string, { labels: Record<string, string>; points: Map<number, number> }>();
    const chunk = 10_000 * stepMs;
    for (let from = start; from <= end; from += chunk) {
      const to = Math.min(end, from + chunk - stepMs);
      const data = (await this.api('/api/v1/query_range', {
        query: expr,
        start: String(from / 1000),
        end: String(to / 1000),
        step: `${stepMs / 1000}s`,
      })) as {
        result: { metric: Record<string, string>; values: [number, string][] }[];
      };
      for (const s of data.result) {
        const k = JSON.stringify(Object.entries(s.metric).sort());
        let entry = out.get(k);
        if (!entry) out.set(k, (entry = { labels: s.metric, points: new Map() }));
        for (const [ts, v] of s.values) entry.points.set(Math.round(ts * 1000), sampleValue(v));
      }
    }
    return out;
  }

  /** Every stored sample of the series a selector matches, with their own timestamps. */
  async rawSamples(
    selector: string,
    at: number,
    rangeMs: number,
  ): Promise<Map<string, { labels: Record<string, string>; points: [number, number][] }>> {
    const data = (await this.api('/api/v1/query', { query: `${selector}[${Math.ceil(rangeMs / 1000)}s]`, time: String(at / 1000) })) as {
      result: { metric: Record<string, string>; values: [number, string][] }[];
    };
    const out = new Map<string, { labels: Record<string, string>; points: [number, number][] }>();
    for (const s of data.result)
      out.set(JSON.stringify(Object.entries(s.metric).sort()), {
        labels: s.metric,
        points: s.values.map(([ts, v]) => [Math.round(ts * 1000), sampleValue(v)]),
      });
    return out;
  }
}

/** Backfills the recording rules of `rulesFile` from a running Prometheus into blocks under `outDir`. */
export function backfillRules(url: string, rulesFile: string, start: number, end: number, outDir: string): void {
  mkdirSync(outDir, { recursive: true });
  execFileSync(
    'promtool',
    [
      'tsdb',
      'create-blocks-from',
      'rules',
      '--quiet',
      `--url=${url}`,
      `--start=${Math.floor(start / 1000)}`,
      `--end=${Math.floor(end / 1000)}`,
      `--output-dir=${outDir}`,
      '--eval-interval=60s',
      rulesFile,
    ],
    {
      stdio: 'pipe',
      maxBuffer: 64 * 2 ** 20,
    },
  );
}
