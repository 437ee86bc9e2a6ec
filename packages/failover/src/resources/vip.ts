// The virtual IP: the address clients use, held by the leader only.
//
// prepare: while the campaign is in flight, the duplicate check (arping -D) already runs.
// start:   the duplicate check (prepared, or run now; another holder → HOLDFAST_E_VIP_DUPLICATE,
//          never added), ip addr add, then gratuitous ARP at once: a burst (5 × 200 ms, as
//          Pacemaker's IPaddr2) and a second burst later (as keepalived), so clients and switches
//          move to our MAC at once.
// monitor: the address is still on the interface; re-announce when the carrier comes back
//          (a healed link) and every `garp.refresh` (switch MAC tables age out).
// stop:    ip addr del (first of all resources on demotion: traffic leaves before services stop).
// cleanup: the same, at agent start, for a VIP left by an earlier run that holds no lease.
import { z } from 'zod';
import { duration } from '@holdfast/config';
import { FailoverError, hasCode } from '../errors.ts';
import {
  resourceBaseSchema,
  type LeaderContext,
  type MonitorResult,
  type OnFailPolicy,
  type Resource,
  type ResourceDeps,
  type ResourceKind,
  type StopContext,
} from './resource.ts';
import { addAddress, deleteAddress, hasAddress, linkState, parseCidr, type IfAddress, type Where } from './ip.ts';
import { duplicateCheck, gratuitousArp, type DuplicateCheckResult } from './arping.ts';

/** A duplicate check prepared during the campaign is used only if it is still probing, or ended at most this long before start(). */
export const PREPARED_FRESH_MS = 1000;

interface PreparedCheck {
  /** When the probe ended (performance.now()), undefined while it runs. */
  settledAt: number | undefined;
  result: Promise<DuplicateCheckResult>;
}

/** `p`, or a rejection as soon as `signal` aborts (a demotion does not wait for a probe). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

export const vipSchema = resourceBaseSchema.extend({
  kind: z.literal('vip'),
  address: z
    .string()
    .refine((s) => parseCidr(s) !== undefined, 'use an IPv4 address with its prefix length, e.g. "198.18.0.100/24"')
    .describe('the virtual IP with its prefix length, e.g. 198.18.0.100/24 (a bare address means /32)'),
  interface: z.string().min(1).max(15).describe('the interface it goes on, e.g. eth0'),
  netns: z.string().min(1).optional().describe('network namespace to act in (drills); default: the agent’s own'),
  label: z.string().min(1).max(15).optional().describe('address label, e.g. eth0:vip'),
  duplicateCheck: duration().default(100).describe('how long arping -D listens for another holder before adding (0 turns the check off)'),
  garp: z
    .strictObject({
      count: z.number().int().min(0).max(50).default(5).describe('gratuitous ARPs in each burst'),
      interval: duration().default(200).describe('between the ARPs of a burst'),
      repeatAfter: duration().default(5000).describe('a second burst this long after the first (0: none)'),
      refresh: duration().default(60_000).describe('one more gratuitous ARP this often while leader (0: never)'),
    })
    .default({ count: 5, interval: 200, repeatAfter: 5000, refresh: 60_000 }),
});
export type VipConfig = z.output<typeof vipSchema>;

export class VipResource implements Resource {
  readonly kind = 'vip';
  readonly name: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly onFail: OnFailPolicy;
  readonly stopFirst = true;
  readonly where: Where;
  readonly address: IfAddress;
  readonly #config: VipConfig;
  #timers = new Set<NodeJS.Timeout>();
  /** Aborts in-flight gratuitous ARPs on stop. */
  #arps = new AbortController();
  #lastArpAt = -Infinity;
  #carrier: boolean | undefined;
  #lastDuplicate: { mac?: string } | undefined;
  #prepared: PreparedCheck | undefined;

  constructor(config: VipConfig) {
    this.#config = config;
    this.name = config.name;
    this.intervalMs = config.interval;
    this.timeoutMs = config.timeout;
    this.onFail = config.onFail;
    this.where = { dev: config.interface, netns: config.netns };
    const cidr = parseCidr(config.address);
    if (!cidr) throw new FailoverError('HOLDFAST_E_CONFIG', `resource ${config.name}: '${config.address}' is not an IPv4 address/prefix`);
    this.address = config.label ? { ...cidr, label: config.label } : cidr;
  }

  /**
   * A campaign is starting: probe for another holder now, while the campaign is in flight,
   * instead of after winning it. The probe has no side effect (RFC 5227: sender address 0.0.0.0,
   * so no neighbour learns anything) and needs no leadership. It is only ever used when it began
   * after the previous leader's record was gone (a campaign runs only then, and that term's
   * effects ended before it: docs/failover.md), and only while it still probes or ended at most
   * PREPARED_FRESH_MS before start().
   */
  prepare(): void {
    if (this.#config.duplicateCheck <= 0) return;
    if (this.#prepared && this.#prepared.settledAt === undefined) return; // still probing: as fresh as it gets
    const entry: PreparedCheck = {
      settledAt: undefined,
      result: duplicateCheck(this.where, this.address.address, this.#config.duplicateCheck, AbortSignal.timeout(this.timeoutMs)),
    };
    entry.result.then(
      () => (entry.settledAt = performance.now()),
      () => (entry.settledAt = performance.now()),
    );
    this.#prepared = entry;
  }

  async start(ctx: LeaderContext): Promise<void> {
    const { address } = this.address;
    ctx.assertLeader();
    // The duplicate check (prepared during the campaign, or started now) runs beside the look at
    // our own addresses; it only matters when the address is not ours yet.
    const check = this.#config.duplicateCheck > 0 ? this.#check(ctx.signal) : undefined;
    check?.catch(() => {});
    if (!(await hasAddress(this.where, address, ctx.signal))) {
      if (check) {
        const { prepared, result } = await check;
        const dup = await result;
        ctx.log.info(
          { resource: this.name, address, prepared, duplicate: dup.duplicate, tookMs: Math.round(dup.tookMs) },
          prepared ? 'duplicate check (run during the campaign) done' : 'duplicate check done',
        );
        if (dup.duplicate) {
          this.#lastDuplicate = dup.mac ? { mac: dup.mac } : {};
          const holder = dup.mac ? `host with MAC ${dup.mac}` : 'another host';
          ctx.log.error(
            { alarm: 'vip-duplicate', resource: this.name, address, mac: dup.mac, dev: this.where.dev, netns: this.where.netns },
            `VIP ${address} is already answered by ${holder}: refusing to add it`,
          );
          throw new FailoverError(
            'HOLDFAST_E_VIP_DUPLICATE',
            `${address} ` +
              `on ${this.where.dev} is answered ` +
              `by ${holder}; a duplicate was not added. Find that host ` +
              `(arping ` +
              `-I ${this.where.dev} ${address}; ip neigh) and remove the address there, or give resource '${this.name}' another address`,
            { resource: this.name, address, mac: dup.mac },
          );
        }
      }
      ctx.assertLeader();
      await addAddress(this.where, this.address, ctx.signal);
      // Clients move when they hear us: the first gratuitous ARP goes out before anything else.
      this.#announce(ctx, this.#config.garp.count);
      ctx.log.info({ resource: this.name, address, dev: this.where.dev, token: ctx.token }, 'VIP added');
    } else {
      this.#announce(ctx, this.#config.garp.count);
    }
    this.#lastDuplicate = undefined;
    if (this.#config.garp.repeatAfter > 0) this.#later(this.#config.garp.repeatAfter, () => this.#announce(ctx, this.#config.garp.count));
  }

  /** The prepared duplicate check when it is fresh and did not fail, else one started now (ended by `signal`). */
  async #check(signal: AbortSignal): Promise<{ prepared: boolean; result: Promise<DuplicateCheckResult> }> {
    const fresh = () => {
      const result = duplicateCheck(this.where, this.address.address, this.#config.duplicateCheck, signal);
      result.catch(() => {}); // awaited by start() when it matters; never an unhandled rejection
      return { prepared: false, result };
    };
    const p = this.#prepared;
    this.#prepared = undefined;
    if (!p || (p.settledAt !== undefined && performance.now() - p.settledAt > PREPARED_FRESH_MS)) return fresh();
    try {
      return { prepared: true, result: Promise.resolve(await untilAborted(p.result, signal)) };
    } catch (err) {
      if (signal.aborted) throw err;
      return fresh(); // the prepared probe failed: probe again, and report what that one finds
    }
  }

  async monitor(ctx: LeaderContext): Promise<MonitorResult> {
    const { address } = this.address;
    if (!(await hasAddress(this.where, address, ctx.signal))) {
      return { healthy: false, reason: `${address} is no longer on ${this.where.dev} (removed by someone else?)` };
    }
    const link = await linkState(this.where, ctx.signal);
    const healed = this.#carrier === false && link.carrier;
    this.#carrier = link.carrier;
    if (!link.carrier) return { healthy: false, reason: `${this.where.dev} has no carrier: clients cannot reach ${address}` };
    const { refresh, count } = this.#config.garp;
    if (healed) this.#announce(ctx, Math.max(1, count));
    else if (refresh > 0 && performance.now() - this.#lastArpAt >= refresh) this.#announce(ctx, 1);
    return { healthy: true, detail: healed ? 'carrier back: announced again' : `${address} on ${this.where.dev}` };
  }

  async stop(ctx: StopContext): Promise<void> {
    this.#cancelAnnouncements();
    // Bounded by the resource's own timeout, not by ctx.signal: that one aborts at the demotion
    // deadline, and a VIP removed a little late beats a VIP left behind (the fence races us to
    // it anyway; removal is idempotent).
    const had = await deleteAddress(this.where, this.address, AbortSignal.timeout(this.timeoutMs));
    if (had) ctx.log.info({ resource: this.name, address: this.address.address, dev: this.where.dev, token: ctx.token }, 'VIP removed');
  }

  async cleanup(ctx: StopContext): Promise<void> {
    this.#cancelAnnouncements();
    const had = await deleteAddress(this.where, this.address, AbortSignal.timeout(this.timeoutMs));
    if (had)
      ctx.log.warn(
        { resource: this.name, address: this.address.address, dev: this.where.dev },
        'removed a VIP held without a valid lease (left by an earlier run)',
      );
  }

  describe(): Record<string, unknown> {
    return {
      address: `${this.address.address}/${this.address.prefix}`,
      interface: this.where.dev,
      ...(this.where.netns ? { netns: this.where.netns } : {}),
      ...(this.#lastDuplicate ? { duplicateSeen: this.#lastDuplicate.mac ?? true } : {}),
    };
  }

  /** `count` gratuitous ARPs, `garp.interval` apart (the first at once), each only while still leader. */
  #announce(ctx: LeaderContext, count: number): void {
    const one = () => {
      try {
        ctx.assertLeader();
      } catch (err) {
        if (hasCode(err, 'HOLDFAST_E_NOT_LEADER')) return this.#cancelAnnouncements();
        throw err;
      }
      this.#lastArpAt = performance.now();
      gratuitousArp(this.where, this.address.address, this.#arps.signal).catch((err: unknown) => {
        ctx.log.warn({ resource: this.name, err: (err as Error).message }, 'gratuitous ARP failed');
      });
    };
    for (let i = 0; i < count; i++) {
      if (i === 0) one();
      else this.#later(i * this.#config.garp.interval, one);
    }
  }

  #later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    t.unref();
    this.#timers.add(t);
  }

  #cancelAnnouncements(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#arps.abort();
    this.#arps = new AbortController();
  }
}

export const vipKind: ResourceKind<VipConfig> = {
  kind: 'vip',
  schema: vipSchema,
  create: (config: VipConfig, _deps: ResourceDeps) => new VipResource(config),
};
