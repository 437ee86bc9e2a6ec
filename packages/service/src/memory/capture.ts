// Heap captures that cannot take the process down: a full snapshot only when the memory left is
// at least headroomRatio × the heap in use (writing one needs about 2× the heap), otherwise a
// sampling heap profile, which costs little; never two within the cooldown; written to a temp
// name and renamed, so a capture killed midway never leaves a truncated file that looks complete.
import { mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { getHeapStatistics, writeHeapSnapshot } from 'node:v8';
import { ServiceError } from '../errors.ts';

export type CaptureKind = 'snapshot' | 'sampling';

export interface CaptureResult {
  kind: CaptureKind;
  file: string;
  bytes: number;
  reason: string;
  heapUsedBytes: number;
  availableBytes: number;
  /** Why a full snapshot was not taken (sampling only). */
  refused?: string;
  durationMs: number;
}

/** Pure: which capture the headroom allows. */
export function chooseCapture(availableBytes: number, heapUsedBytes: number, ratio: number): { kind: CaptureKind; refused?: string } {
  if (availableBytes >= ratio * heapUsedBytes) return { kind: 'snapshot' };
  const mib = (n: number) => `${Math.round(n / 2 ** 20)} MiB`;
  return {
    kind: 'sampling',
    refused:
      `available ` +
      `memory ${mib(availableBytes)} is ` +
      `below ${ratio} × heap ` +
      `used ${mib(heapUsedBytes)}; a full ` +
      `snapshot could get the process OOM-killed, so a sampling heap profile was taken instead`,
  };
}

export interface CapturerOptions {
  dir: string | undefined;
  cooldownMs: number;
  headroomRatio: number;
  samplingMs: number;
  availableMemory: () => number;
  serviceName: string;
  now?: () => number;
}

export class ForensicsError extends ServiceError {
  readonly statusCode: number;
  constructor(message: string, statusCode: number) {
    super('HOLDFAST_E_FORENSICS', message);
    this.name = 'ForensicsError';
    this.statusCode = statusCode;
  }
}

export class HeapCapturer {
  readonly #o: CapturerOptions;
  readonly #now: () => number;
  #lastAt = -Infinity;
  #busy = false;

  constructor(o: CapturerOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
  }

  async capture(reason: string): Promise<CaptureResult> {
    const o = this.#o;
    if (!o.dir)
      throw new ForensicsError(
        'no capture directory: set memory.dir or HOLDFAST_HEAP_DIR to a mounted volume with room for a heap snapshot',
        409,
      );
    if (this.#busy) throw new ForensicsError('a heap capture is already running; wait for it to finish', 409);
    const now = this.#now();
    const wait = this.#lastAt + o.cooldownMs - now;
    if (wait > 0)
      throw new ForensicsError(
        `the last heap capture ` +
          `was ${Math.round((now - this.#lastAt) / 1000)} s ago; the cooldown allows the next one ` +
          `in ${Math.ceil(wait / 1000)} s`,
        429,
      );
    this.#busy = true;
    this.#lastAt = now;
    const t0 = performance.now();
    try {
      mkdirSync(o.dir, { recursive: true });
      const heapUsedBytes = getHeapStatistics().used_heap_size;
      const availableBytes = o.availableMemory();
      const choice = chooseCapture(availableBytes, heapUsedBytes, o.headroomRatio);
      const stem = join(o.dir, `heap-${o.serviceName}-${process.pid}-${new Date(now).toISOString().replace(/[:.]/g, '-')}`);
      const file = choice.kind === 'snapshot' ? `${stem}.heapsnapshot` : `${stem}.heapprofile`;
      const tmp = `${file}.partial`;
      if (choice.kind === 'snapshot') writeHeapSnapshot(tmp);
      else writeFileSync(tmp, JSON.stringify(await sampleHeap(o.samplingMs)));
      renameSync(tmp, file);
      const result: CaptureResult = {
        kind: choice.kind,
        file,
        bytes: statSync(file).size,
        reason,
        heapUsedBytes,
        availableBytes,
        durationMs: Math.round(performance.now() - t0),
      };
      if (choice.refused) result.refused = choice.refused;
      return result;
    } finally {
      this.#busy = false;
    }
  }
}

/** A sampling heap profile (Chrome DevTools' "Allocation sampling"): allocations still live at the end, by stack. */
async function sampleHeap(durationMs: number): Promise<unknown> {
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', { samplingInterval: 32_768 });
    await new Promise((r) => setTimeout(r, durationMs));
    const { profile } = await session.post('HeapProfiler.stopSampling');
    return profile;
  } finally {
    session.disconnect();
  }
}
