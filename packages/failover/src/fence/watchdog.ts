// /dev/watchdog as a fence, for nodes that may be rebooted (as Patroni does): armed only while
// leader, petted after every acknowledged keep-alive, and never petted in a way that would let
// the machine live past the leader's deadline. If the agent is killed (the kernel closes the
// device without the magic 'V') or freezes (no pets), the watchdog resets the machine.
//
// Invariant: a pet at time t is written only if t + timeout ≤ validUntil, so the reset can
// never come later than a deadline the leader already promised. Consequently the device's
// timeout must fit inside the lease window: a 1 s softdog with the 1 s turbo TTL cannot work,
// and arming says so.
//
// The timeout is the device's own (`modprobe softdog soft_margin=3`, read back from sysfs):
// setting it needs an ioctl that Node cannot issue, and `wdctl` would have to open the device.
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { z } from 'zod';
import { duration } from '@holdfast/config';
import { monotonicMs } from '../clock.ts';
import { FailoverError } from '../errors.ts';
import type { Fence, FenceDeps, FenceKind, FenceTerm } from './fence.ts';

export const watchdogSchema = z.strictObject({
  kind: z.literal('watchdog'),
  device: z.string().min(1).default('/dev/watchdog'),
  mode: z
    .enum(['required', 'auto'])
    .default('required')
    .describe('required: refuse to run without the device; auto: warn and run unfenced'),
  timeout: duration().optional().describe('the device timeout; default: read from /sys/class/watchdog/<dev>/timeout'),
});
export type WatchdogConfig = z.output<typeof watchdogSchema>;

const missingHelp = (device: string) =>
  `${device} does not exist. Load a watchdog driver (e.g. 'modprobe softdog soft_margin=3') on a node that may be ` +
  `rebooted, or remove the watchdog fence (mode 'auto' runs without it, unfenced)`;

/** The device timeout in ms: the configured one, else the driver's from sysfs. */
export function deviceTimeoutMs(device: string, configured?: number): number {
  if (configured !== undefined) return configured;
  const name = basename(device) === 'watchdog' ? 'watchdog0' : basename(device);
  const file = `/sys/class/watchdog/${name}/timeout`;
  try {
    return Number(readFileSync(file, 'utf8').trim()) * 1000;
  } catch {
    throw new FailoverError(
      'HOLDFAST_E_WATCHDOG',
      `cannot read the timeout of ${device} from ${file}; set 'timeout' in the watchdog fence config to the driver's timeout`,
    );
  }
}

export class WatchdogFence implements Fence {
  readonly kind = 'watchdog';
  readonly #config: WatchdogConfig;
  readonly #deps: FenceDeps;
  readonly #now: () => number;
  #fd: number | undefined;
  #timeoutMs = 0;
  #available = false;
  #pets = 0;
  #skipped = 0;

  constructor(config: WatchdogConfig, deps: FenceDeps, now: () => number = monotonicMs) {
    this.#config = config;
    this.#deps = deps;
    this.#now = now;
  }

  async open(): Promise<void> {
    const { device, mode } = this.#config;
    if (!existsSync(device)) {
      if (mode === 'required') throw new FailoverError('HOLDFAST_E_WATCHDOG', missingHelp(device), { device });
      this.#deps.log.warn({ device }, `watchdog fence unavailable, running unfenced: ${missingHelp(device)}`);
      return;
    }
    this.#timeoutMs = deviceTimeoutMs(device, this.#config.timeout);
    this.#available = true;
  }

  async arm(term: FenceTerm): Promise<void> {
    if (!this.#available) return;
    const window = term.validUntilMs - this.#now();
    if (this.#timeoutMs > window) {
      throw new FailoverError(
        'HOLDFAST_E_WATCHDOG',
        `the watchdog timeout ` +
          `(${this.#timeoutMs} ms) is longer than the time left in this lease ` +
          (`(${Math.round(window)} ms): a frozen leader would outlive its lease. Use a longer TTL profile or a shorter ` +
            `driver timeout (softdog soft_margin)`),
        { timeoutMs: this.#timeoutMs, windowMs: window },
      );
    }
    try {
      this.#fd = openSync(this.#config.device, 'w'); // opening starts the countdown
    } catch (err) {
      throw new FailoverError(
        'HOLDFAST_E_WATCHDOG',
        `cannot open ${this.#config.device}: ${(err as Error).message} (is another process, e.g. systemd or a ` +
          `watchdog daemon, holding it?)`,
        {},
        { cause: err },
      );
    }
  }

  pet(validUntilMs: number): void {
    if (this.#fd === undefined) return;
    // Petting restarts the countdown: only if the reset would still come by validUntil.
    if (this.#now() + this.#timeoutMs > validUntilMs) {
      this.#skipped++;
      return;
    }
    writeSync(this.#fd, '.');
    this.#pets++;
  }

  async disarm(): Promise<void> {
    if (this.#fd === undefined) return;
    writeSync(this.#fd, 'V'); // magic close: stop the countdown (ignored by drivers built with nowayout)
    closeSync(this.#fd);
    this.#fd = undefined;
  }

  async close(): Promise<void> {
    await this.disarm();
  }

  describe(): Record<string, unknown> {
    return {
      device: this.#config.device,
      available: this.#available,
      timeoutMs: this.#timeoutMs,
      armed: this.#fd !== undefined,
      pets: this.#pets,
      skippedPets: this.#skipped,
    };
  }
}

export const watchdogKind: FenceKind<WatchdogConfig> = {
  kind: 'watchdog',
  schema: watchdogSchema,
  create: (config: WatchdogConfig, deps: FenceDeps) => new WatchdogFence(config, deps),
};
