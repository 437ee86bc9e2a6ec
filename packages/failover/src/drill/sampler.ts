// Samples `ip addr` in every node namespace every 50 ms and records who holds the VIP. One
// long-lived `ip -n <ns> -batch -` per node answers each sample (spawning ip 60 times a second
// would load a 2-core machine enough to distort the drill). Two holders in one sample is an
// overlap: two hosts answering for one address.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { monotonicMs } from '../clock.ts';

export interface Sample {
  at: number;
  holders: string[];
}

interface Reader {
  node: string;
  proc: ChildProcessWithoutNullStreams;
  buffer: string;
  pending: ((holds: boolean) => void) | undefined;
}

export class VipSampler {
  readonly samples: Sample[] = [];
  readonly #vip: string;
  readonly #readers: Reader[];
  #timer: NodeJS.Timeout | undefined;
  #busy = false;

  constructor(nodes: Array<{ node: string; netns: string }>, vip: string) {
    this.#vip = vip;
    this.#readers = nodes.map(({ node, netns }) => {
      const proc = spawn('ip', ['-n', netns, '-o', '-4', '-batch', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
      const r: Reader = { node, proc, buffer: '', pending: undefined };
      proc.stdout.setEncoding('utf8').on('data', (s: string) => this.#onData(r, s));
      proc.stdin.on('error', () => {});
      proc.stderr.resume();
      return r;
    });
  }

  start(intervalMs = 50): void {
    this.#timer = setInterval(() => void this.sample(), intervalMs);
  }

  /** One sample of every node; resolves with it (also recorded). Skipped (undefined) while the last is still running. */
  async sample(): Promise<Sample | undefined> {
    if (this.#busy) return undefined;
    this.#busy = true;
    const at = monotonicMs();
    try {
      const holds = await Promise.all(this.#readers.map((r) => this.#ask(r)));
      const s = { at, holders: this.#readers.filter((_, i) => holds[i]).map((r) => r.node) };
      this.samples.push(s);
      return s;
    } finally {
      this.#busy = false;
    }
  }

  /** Samples with more than one holder. */
  overlaps(): Sample[] {
    return this.samples.filter((s) => s.holders.length > 1);
  }

  /** The last recorded holder set. */
  current(): string[] {
    return this.samples.at(-1)?.holders ?? [];
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    for (const r of this.#readers) {
      r.proc.stdin.end();
      r.proc.kill('SIGKILL');
      r.pending?.(false);
    }
  }

  #ask(r: Reader): Promise<boolean> {
    return new Promise((resolve) => {
      r.pending = resolve;
      r.buffer = '';
      // `lo` always has 127.0.0.1: its line marks the end of this sample's answer.
      r.proc.stdin.write('addr show dev eth0\naddr show dev lo\n');
    });
  }

  #onData(r: Reader, s: string): void {
    r.buffer += s;
    if (!/^\d+: lo\s+inet /m.test(r.buffer)) return;
    const holds = r.buffer.split('\n').some((l) => /^\d+: eth0\s+inet /.test(l) && l.includes(` ${this.#vip}/`));
    const p = r.pending;
    r.pending = undefined;
    r.buffer = '';
    p?.(holds);
  }
}
