// A cluster of leadership loops on virtual time against the fake coordinator, and the checker
// of the safety properties: every action a node took with token T happened while the server
// held T's record; every demotion finished, and every fence pet pointed, before that record
// ended; tokens only grow.
import { Leadership, type LeadershipEvent } from '../../src/leadership.ts';
import { FakeCoordinatorServer, NodeClock, VirtualTime, type FakeServerOptions } from '@holdfast/failover/testing';
import { resolveTiming, type TimingOverrides } from '../../src/timing.ts';
import type { PreviousTerm } from '../../src/coordinator/coordinator.ts';

export interface SimNodeOptions {
  rate?: number;
  priority?: number;
  healthy?: boolean;
  preempt?: boolean;
  /** Local time a demotion takes (dropping the VIP, stopping resources). */
  demoteMs?: number;
  fenceHook?: boolean;
}

export interface Action {
  node: string;
  token: number;
  at: number;
}

export class SimNode {
  readonly name: string;
  readonly clock: NodeClock;
  readonly leadership: Leadership;
  readonly events: (LeadershipEvent & { at: number })[] = [];
  readonly fenced: PreviousTerm[] = [];
  refused = 0;
  #acting = false;
  readonly #sim: Sim;

  constructor(sim: Sim, name: string, options: SimNodeOptions) {
    this.#sim = sim;
    this.name = name;
    this.clock = new NodeClock(sim.vt, { rate: options.rate ?? 1, offset: 1_000_000 + sim.nodes.length * 7_777 });
    const coordinator = sim.server.client(name, this.clock, sim.ttlMs);
    const demoteMs = options.demoteMs ?? 20;
    this.leadership = new Leadership({
      candidate: { node: name, priority: options.priority ?? 100 },
      clock: this.clock,
      coordinator,
      timing: sim.timing,
      preempt: options.preempt ?? false,
      higherPriorityPeers: () => sim.nodes.filter((n) => n !== this && n.priority > this.priority && !n.down).length,
      hooks: {
        ...(options.fenceHook
          ? {
              fencePrevious: async (previous) => {
                this.fenced.push(previous);
                await this.sleep(5);
              },
            }
          : {}),
        promote: async (term) => {
          this.#acting = true;
          this.#act(term.token);
          await this.sleep(10);
        },
        demote: async (term, _reason, signal) => {
          this.#acting = false;
          await this.sleep(demoteMs, signal);
          sim.demotions.push({ node: name, token: term.token, at: sim.vt.now });
        },
        pet: (validUntil) => {
          const token = this.leadership.term?.token;
          if (token !== undefined) sim.pets.push({ node: name, token, at: sim.vt.now, validUntil: this.clock.toTrue(validUntil) });
        },
      },
      onEvent: (e) => this.events.push({ ...e, at: sim.vt.now }),
    });
    this.priority = options.priority ?? 100;
    this.leadership.setHealthy(options.healthy ?? true);
  }

  priority: number;
  /** Crashed for good (for priority bookkeeping only). */
  down = false;

  /** A side effect every 10 ms of local time while promoted: each one asks assertLeader() first. */
  #act(token: number): void {
    if (!this.#acting) return;
    try {
      this.leadership.assertLeader();
      this.#sim.actions.push({ node: this.name, token, at: this.#sim.vt.now });
    } catch {
      this.refused++;
    }
    this.clock.setTimeout(() => this.#act(this.leadership.term?.token ?? token), 10);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const t = this.clock.setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => {
        t.cancel();
        resolve();
      });
    });
  }
}

export class Sim {
  readonly vt = new VirtualTime();
  readonly server: FakeCoordinatorServer;
  readonly ttlMs: number;
  readonly timing;
  readonly nodes: SimNode[] = [];
  readonly actions: Action[] = [];
  readonly demotions: Action[] = [];
  readonly pets: (Action & { validUntil: number })[] = [];

  constructor({ ttlMs = 1000, timing = {}, server = {} }: { ttlMs?: number; timing?: TimingOverrides; server?: FakeServerOptions } = {}) {
    this.ttlMs = ttlMs;
    this.timing = resolveTiming(ttlMs, timing);
    this.server = new FakeCoordinatorServer(this.vt, server);
  }

  add(name: string, options: SimNodeOptions = {}): SimNode {
    const node = new SimNode(this, name, options);
    this.nodes.push(node);
    return node;
  }

  start(): void {
    for (const n of this.nodes) n.leadership.start();
  }

  node(name: string): SimNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  /** Nodes whose assertLeader() passes right now. */
  leaders(): SimNode[] {
    return this.nodes.filter((n) => !n.clock.frozen && n.leadership.isLeader());
  }

  async stop(): Promise<void> {
    for (const n of this.nodes) n.clock.freeze(0);
    await Promise.race([Promise.all(this.nodes.map((n) => n.leadership.stop())), this.vt.advance(this.ttlMs * 5)]);
  }

  /** Terms whose demotion finished after the record ended, so only the fence stopped their effects in time. */
  fencedTerms(): number[] {
    return this.server.terms
      .filter((rec) => (this.demotions.find((d) => d.token === rec.token)?.at ?? Infinity) > rec.end)
      .map((rec) => rec.token);
  }

  /** Every violation of the safety properties, as readable lines (empty when safe). */
  violations(): string[] {
    const out: string[] = [];
    for (const a of this.actions) {
      const term = this.server.termAt(a.at);
      if (term?.token !== a.token) {
        out.push(
          `${a.node} acted with ` +
            `token ${a.token} ` +
            `at ${a.at.toFixed(1)} ms while the server ` +
            `held ${term ? `token ${term.token} of ${term.node}` : 'no leader'}`,
        );
      }
    }
    // Each term's side effects end when its demotion finishes or, if the node could not demote
    // in time (frozen, killed), when the fence acts at the last "valid until" it was given.
    for (const rec of this.server.terms) {
      const demoted = this.demotions.find((d) => d.token === rec.token)?.at ?? Infinity;
      const fenced = Math.max(-Infinity, ...this.pets.filter((p) => p.token === rec.token).map((p) => p.validUntil));
      const end = Math.min(demoted, fenced);
      if (end > rec.end)
        out.push(
          `${rec.node}'s token ${rec.token}: effects ended at ${end.toFixed(1)} ms, after its record ended at ${rec.end.toFixed(1)} ms`,
        );
    }
    for (const p of this.pets) {
      // A released record ended early on purpose, after the demotion and the fence's disarm.
      const rec = this.server.terms.find((r) => r.token === p.token && r.how !== 'released');
      if (rec && p.validUntil > rec.end)
        out.push(
          `${p.node} petted the fence ` +
            `until ${p.validUntil.toFixed(1)} ms, after ` +
            `token ${p.token}'s record ended ` +
            `at ${rec.end.toFixed(1)} ms`,
        );
    }
    const tokens = this.server.terms.map((r) => r.token);
    for (let i = 1; i < tokens.length; i++) if (!(tokens[i]! > tokens[i - 1]!)) out.push(`tokens did not increase: ${tokens.join(', ')}`);
    for (const n of this.nodes) {
      const elected = n.events.filter((e) => e.type === 'elected').map((e) => (e as { token: number }).token);
      for (let i = 1; i < elected.length; i++)
        if (!(elected[i]! > elected[i - 1]!)) out.push(`${n.name} saw tokens go backwards: ${elected.join(', ')}`);
    }
    return out;
  }
}
