// Reads each guarded program's request protection from its instances' /metrics, the way
// Sentinel's dashboard pulls from each client's port 8719: the holdfast_guard_* samples of every
// instance, counters turned into rates per second, summed per program (the dashboard's view), and
// the last samples read with their time (what `holdfast status` shows of cluster and adaptive
// rules). Each instance is read on its own address: the one it told the supervisor when it became
// ready (a service on holdfast's runtime with an admin port says HOLDFAST_METRICS=…), or
// dashboard.guard.<program>.metrics with {instance} (targets.ts). Never the listening socket its
// instances share: any of them answers there, and a rolling reload's new instance could not bind a
// fixed per-instance port while the old one still holds it.
import type { IncomingMessage } from 'node:http';
import { parseSamples, type Sample } from './prom-text.ts';

// Not `import … from 'node:http'` (see daemon/listen.ts: an ESM import loads its lazy exports).
const http = process.getBuiltinModule('node:http');

export interface ResourceRates {
  resource: string;
  /** Calls per second over the last interval, summed over the program's instances. */
  pass: number;
  block: number;
  error: number;
  /** Blocked calls per second by reason (flow, breaker, hotkey, concurrency, system). */
  blockBy: Record<string, number>;
  inflight: number;
  /** Mean response time of admitted calls over the interval, ms (null without calls). */
  rtMs: number | null;
  /** Calls since the instances started (a resource of a rule for another service's routes stays at 0). */
  total: number;
}

export interface BreakerView {
  resource: string;
  rule: string;
  /** Per instance: closed, open or halfOpen. */
  states: Record<string, string>;
}

export interface FlowView {
  resource: string;
  rule: string;
  strategy: string;
  /** Per instance: the limit enforced now (adaptive rules as learned), and the rule's mode. */
  threshold: Record<string, number>;
  mode: Record<string, string>;
}

export interface GuardInstanceView {
  id: string;
  url: string;
  ok: boolean;
  error: string | null;
  /** Rule sets swapped in, and rules files rejected, since the instance started. */
  swaps: number | null;
  rejects: number | null;
  shedding: number | null;
}

export interface GuardProgramView {
  program: string;
  rulesFile: string | null;
  instances: GuardInstanceView[];
  resources: ResourceRates[];
  breakers: BreakerView[];
  flow: FlowView[];
}

interface Counters {
  at: number;
  pass: Map<string, number>;
  block: Map<string, number>;
  error: Map<string, number>;
  rtSum: Map<string, number>;
  rtCount: Map<string, number>;
}

interface InstanceScrape {
  id: string;
  url: string;
  ok: boolean;
  error: string | null;
  samples: Sample[];
  prev: Counters | undefined;
  cur: Counters | undefined;
  /** When the read in flight started; null when none is. */
  readingSince: number | null;
  /** The last read that answered, kept through failures: status shows it with its age. */
  lastGood: { at: number; samples: Sample[] } | null;
  /** The read in flight, and whether the last one timed out (then a status does not wait for this one). */
  reading: Promise<void> | null;
  hung: boolean;
}

/** One instance as the status sees it: the last samples that were read, and what keeps them from being fresh. */
export interface InstanceReading {
  id: string;
  url: string;
  ok: boolean;
  error: string | null;
  readingSince: number | null;
  lastGood: { at: number; samples: Sample[] } | null;
}

/** The error of an instance whose first read has not ended. */
export const NOT_READ = 'not read yet';

const agent = new http.Agent({ keepAlive: true, maxSockets: 1, timeout: 5000 });

/** A read that got no whole answer within its bound: the endpoint hangs (or trickles), it is not gone. */
export class ReadTimeout extends Error {}

/** One GET, bounded as a whole (a socket idle timeout alone would let an endpoint that trickles hold a read for ever). */
export function fetchText(url: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new ReadTimeout(`no answer within ${timeoutMs} ms`));
      req.destroy();
    }, timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      reject(err);
    };
    const req = http.get(url, { agent }, (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        res.resume();
        return fail(new Error(`HTTP ${res.statusCode}`));
      }
      res.setEncoding('utf8');
      let text = '';
      res.on('data', (c: string) => {
        text += c;
        if (text.length > 4 * 1024 * 1024) req.destroy(new Error('the metrics are larger than 4 MiB'));
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve(text);
      });
      res.on('error', fail);
    });
    req.on('error', (err: NodeJS.ErrnoException) => fail(new Error(err.code ?? err.message)));
  });
}

const key = (s: Sample) => s.labels.resource ?? '';

function counters(samples: Sample[], at: number): Counters {
  const c: Counters = { at, pass: new Map(), block: new Map(), error: new Map(), rtSum: new Map(), rtCount: new Map() };
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  for (const s of samples) {
    if (s.name === 'holdfast_guard_pass_total') add(c.pass, key(s), s.value);
    else if (s.name === 'holdfast_guard_block_total') add(c.block, `${key(s)}\0${s.labels.reason ?? ''}`, s.value);
    else if (s.name === 'holdfast_guard_error_total') add(c.error, key(s), s.value);
    else if (s.name === 'holdfast_guard_rt_seconds_sum') add(c.rtSum, key(s), s.value);
    else if (s.name === 'holdfast_guard_rt_seconds_count') add(c.rtCount, key(s), s.value);
  }
  return c;
}

/** Increase per second between two reads of a counter; a restarted process starts again at 0. */
function rate(cur: Map<string, number>, prev: Map<string, number> | undefined, k: string, dt: number): number {
  const now = cur.get(k) ?? 0;
  const before = prev?.get(k) ?? 0;
  const inc = now >= before ? now - before : now;
  return dt > 0 ? inc / dt : 0;
}

/** One program's scrape state across ticks. */
export class GuardScraper {
  readonly program: string;
  readonly rulesFile: string | null;
  private readonly byInstance = new Map<string, InstanceScrape>();

  constructor(program: string, rulesFile: string | null) {
    this.program = program;
    this.rulesFile = rulesFile;
  }

  /** Scrapes the given instances in parallel; resolves when all answered or failed. */
  async scrape(instances: { id: string; url: string }[], now: () => number, timeoutMs = 800): Promise<void> {
    const live = new Set(instances.map((i) => i.id));
    for (const id of this.byInstance.keys()) if (!live.has(id)) this.byInstance.delete(id);
    await Promise.all(
      instances.map(async ({ id, url }) => {
        let st = this.byInstance.get(id);
        // A new process (a restart, a reload's replacement) is a new address and new counters.
        if (!st || st.url !== url)
          this.byInstance.set(
            id,
            (st = {
              id,
              url,
              ok: false,
              error: NOT_READ,
              samples: [],
              prev: undefined,
              cur: undefined,
              readingSince: null,
              lastGood: null,
              reading: null,
              hung: false,
            }),
          );
        st.readingSince = now();
        st.reading = this.read(st, url, now, timeoutMs);
        await st.reading;
      }),
    );
  }

  private async read(st: InstanceScrape, url: string, now: () => number, timeoutMs: number): Promise<void> {
    try {
      const text = await fetchText(url, timeoutMs);
      st.samples = parseSamples(text, 'holdfast_guard_');
      st.prev = st.cur;
      st.cur = counters(st.samples, now());
      st.lastGood = { at: st.cur.at, samples: st.samples };
      st.ok = true;
      st.hung = false;
      st.error = st.samples.length === 0 ? 'no holdfast_guard_* metrics at this URL (is the guard registered with the registry?)' : null;
    } catch (err) {
      st.ok = false;
      st.hung = err instanceof ReadTimeout;
      st.error = `${url}: ${(err as Error).message}`;
      st.samples = [];
      st.prev = st.cur = undefined;
    } finally {
      st.readingSince = null;
      st.reading = null;
    }
  }

  /** The reads in flight that may answer soon: not those of instances whose last read timed out. */
  pendingReads(): Promise<void>[] {
    return [...this.byInstance.values()].flatMap((st) => (st.reading !== null && !st.hung ? [st.reading] : []));
  }

  /** Every instance's last answer and the state of its read, for the status. */
  readings(): InstanceReading[] {
    return [...this.byInstance.values()]
      .map(({ id, url, ok, error, readingSince, lastGood }) => ({ id, url, ok, error, readingSince, lastGood }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  view(): GuardProgramView {
    const resources = new Map<string, ResourceRates>();
    const res = (r: string) => {
      let v = resources.get(r);
      if (!v) resources.set(r, (v = { resource: r, pass: 0, block: 0, error: 0, blockBy: {}, inflight: 0, rtMs: null, total: 0 }));
      return v;
    };
    const breakers = new Map<string, BreakerView>();
    const flow = new Map<string, FlowView>();
    const rt = new Map<string, { sum: number; count: number }>();
    const instances: GuardInstanceView[] = [];
    for (const st of this.byInstance.values()) {
      const one = (name: string) => st.samples.find((s) => s.name === name)?.value ?? null;
      instances.push({
        id: st.id,
        url: st.url,
        ok: st.ok,
        error: st.error,
        swaps: one('holdfast_guard_rule_swaps_total'),
        rejects: one('holdfast_guard_rule_rejects_total'),
        shedding: one('holdfast_guard_system_shedding_level'),
      });
      const { cur, prev } = st;
      if (cur) {
        const dt = prev ? (cur.at - prev.at) / 1000 : 0;
        for (const r of cur.pass.keys()) {
          const v = res(r);
          v.pass += rate(cur.pass, prev?.pass, r, dt);
          v.error += rate(cur.error, prev?.error, r, dt);
          v.total += cur.pass.get(r) ?? 0;
          const n = rate(cur.rtCount, prev?.rtCount, r, dt) * dt;
          const t = rt.get(r) ?? { sum: 0, count: 0 };
          t.sum += rate(cur.rtSum, prev?.rtSum, r, dt) * dt;
          t.count += n;
          rt.set(r, t);
        }
        for (const k of cur.block.keys()) {
          const [r, reason] = k.split('\0') as [string, string];
          const per = rate(cur.block, prev?.block, k, dt);
          const v = res(r);
          v.block += per;
          v.total += cur.block.get(k) ?? 0;
          if (per > 0) v.blockBy[reason] = (v.blockBy[reason] ?? 0) + per;
        }
      }
      for (const s of st.samples) {
        if (s.name === 'holdfast_guard_inflight') res(key(s)).inflight += s.value;
        else if (s.name === 'holdfast_guard_breaker_state' && s.value === 1) {
          const k = `${s.labels.resource}\0${s.labels.rule}`;
          const b = breakers.get(k) ?? { resource: s.labels.resource ?? '', rule: s.labels.rule ?? '', states: {} };
          b.states[st.id] = s.labels.state ?? '?';
          breakers.set(k, b);
        } else if (s.name === 'holdfast_guard_flow_threshold' || (s.name === 'holdfast_guard_rule_mode' && s.value === 1)) {
          const k = `${s.labels.resource}\0${s.labels.rule}`;
          const f = flow.get(k) ?? { resource: s.labels.resource ?? '', rule: s.labels.rule ?? '', strategy: '', threshold: {}, mode: {} };
          if (s.name === 'holdfast_guard_flow_threshold') {
            f.threshold[st.id] = s.value;
            f.strategy = s.labels.strategy ?? f.strategy;
          } else f.mode[st.id] = s.labels.mode ?? '';
          flow.set(k, f);
        }
      }
    }
    for (const [r, t] of rt) if (t.count > 0) res(r).rtMs = (t.sum / t.count) * 1000;
    const byName = <T extends { resource: string }>(a: T, b: T) => a.resource.localeCompare(b.resource);
    return {
      program: this.program,
      rulesFile: this.rulesFile,
      instances: instances.sort((a, b) => a.id.localeCompare(b.id)),
      resources: [...resources.values()].sort(byName),
      breakers: [...breakers.values()].sort(byName),
      flow: [...flow.values()].filter((f) => Object.keys(f.threshold).length > 0).sort(byName),
    };
  }
}
