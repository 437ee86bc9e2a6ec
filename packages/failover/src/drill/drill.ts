// One failover drill: build the cluster, wait for a leader serving on the VIP, inject the fault,
// measure until a new holder answers, heal, check that clients reach the holder again, tear
// everything down (also when aborted). See docs/failover.md § Drill results.
import { randomUUID } from 'node:crypto';
import type { Signal } from '@holdfast/supervisor/client';
import { monotonicMs } from '../clock.ts';
import { FailoverError } from '../errors.ts';
import { lineSplitter } from '../fence/protocol.ts';
import { defaultAgentCommand, DrillCluster, drillAborted, pollerMain } from './cluster.ts';
import type { AgentCommand, DrillAgentKind, NodeHandle } from './cluster.ts';
import { injectFault, type Fault } from './faults.ts';
import { drillNet, drillProfiles, revokeOverlapBoundMs, type DrillProfile, type FaultKind } from './profiles.ts';
import { VipSampler } from './sampler.ts';
import { drillPassed } from './summary.ts';
import { drillFailedSignal } from '../signals/events.ts';
import { leadershipWindows, overlapMs, overlappingWindows, tokensIncrease } from './windows.ts';

export interface DrillOptions {
  fault: FaultKind;
  profile: DrillProfile['name'];
  /** How to start an agent; default: this package's agent-main (same as `holdfast failover -c`). */
  agentCommand?: AgentCommand;
  /** Run keepalived on the nodes instead (the peer, measured in the same topology). */
  agent?: DrillAgentKind;
  progress?: (msg: string) => void;
  signal?: AbortSignal;
  /** Keep the temp dir with every process's log (always kept when the drill fails). */
  keepLogs?: boolean;
  pollIntervalMs?: number;
  /**
   * Where a failed drill of the holdfast agent is reported as a `failover.drill_failed` signal
   * (a SignalForwarder to the supervisor): failed, or unable to finish; not when aborted.
   */
  signals?: { push(s: Signal): void };
}

export interface Poll {
  at: number;
  ok: boolean;
  node?: string;
  error?: string;
}

export interface DrillResult {
  agent: DrillAgentKind;
  fault: FaultKind;
  profile: DrillProfile['name'];
  ttl_s: number;
  /** Fault → first answer through the VIP from a node other than the faulted leader; null: none came. */
  recovery_s: number | null;
  /** Polls that failed between the fault and the recovery. */
  failed_polls: number;
  /** `ip addr` samples (every 50 ms) in which two nodes held the VIP. */
  overlaps: number;
  /** Pairs of nodes whose leadership windows (elected → demoted, deadline, death or fence) intersect. */
  leadership_overlaps: number;
  /** How long, in total, two leadership windows intersected, ms (0 unless the lease ended early). */
  overlap_ms: number;
  /** revoke only: the bound the safety argument gives for such an overlap (one keep-alive interval plus one request). */
  overlap_bound_ms?: number;
  tokens: number[];
  tokens_increase: boolean;
  old_leader: string;
  new_leader: string | null;
  /** After the heal, within 2 × TTL + 5 s, a full second in which every poll was answered by the one node holding the VIP. */
  heal_ok: boolean;
  polls: number;
  samples: number;
  /** Where the logs are, when kept. */
  logs?: string;
  error?: string;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const reason = () => drillAborted(signal);
    if (signal?.aborted) return reject(reason());
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(reason());
      },
      { once: true },
    );
  });

async function until<T>(what: string, timeoutMs: number, signal: AbortSignal | undefined, check: () => T | undefined | false): Promise<T> {
  const end = monotonicMs() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (monotonicMs() > end) throw new FailoverError('HOLDFAST_E_DRILL_FAILED', `timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20, signal);
  }
}

export async function runDrill(o: DrillOptions): Promise<DrillResult> {
  const profile = drillProfiles[o.profile];
  const progress = o.progress ?? (() => {});
  const cluster = new DrillCluster(profile, o.agentCommand ?? defaultAgentCommand, progress, o.agent ?? 'holdfast');
  const polls: Poll[] = [];
  let sampler: VipSampler | undefined;
  let fault: Fault | undefined;
  let failed = false;
  const report = (what: { result: DrillResult } | { error: Error }) => {
    if (o.signals && (o.agent ?? 'holdfast') === 'holdfast')
      o.signals.push(drillFailedSignal({ fault: o.fault, profile: profile.name, id: randomUUID(), at: Date.now(), ...what }));
  };
  try {
    await cluster.build();
    sampler = new VipSampler(
      cluster.nodes.map((n) => ({ node: n.name, netns: n.host.netns })),
      drillNet.vip,
    );
    sampler.start(50);
    for (const n of cluster.nodes) await cluster.startAgent(n);
    if (cluster.kind === 'holdfast') await cluster.waitAgentsStarted(o.signal, progress);
    progress(
      cluster.kind === 'keepalived'
        ? 'keepalived started (advert_int 1 s)'
        : `agents started (profile ${profile.name}, TTL ${profile.ttlMs} ms)`,
    );
    const poller = cluster.spawnIn(
      cluster.lab.host('client').netns,
      process.execPath,
      [pollerMain, `http://${drillNet.vip}:${drillNet.servicePort}/`, String(o.pollIntervalMs ?? 50), '250'],
      'client.log',
    );
    poller.stdout?.on(
      'data',
      lineSplitter((l) => {
        try {
          polls.push(JSON.parse(l) as Poll);
        } catch {}
      }),
    );

    // A leader serving on the VIP: one holder, and the last 10 polls answered by it.
    const serving = () => {
      const holders = sampler!.current();
      const last = polls.slice(-10);
      return (
        holders.length === 1 &&
        last.length === 10 &&
        last.every((p) => p.ok && p.node === holders[0]) &&
        cluster.nodes.find((n) => n.name === holders[0])
      );
    };
    const first = await until('a leader answering on the VIP', 30_000 + 3 * profile.ttlMs, o.signal, serving);
    progress(`leader: ${first.name}; settling`);
    // Land the fault at a random point of the keep-alive cycle, on the node serving right now
    // (on a loaded machine leadership may have moved while settling).
    await sleep(1000 + Math.random() * (profile.ttlMs / 5), o.signal);
    const leader = await until('a leader answering on the VIP', 30_000 + 3 * profile.ttlMs, o.signal, serving);
    if (leader !== first) progress(`leadership moved to ${leader.name} while settling`);

    const faultAt = monotonicMs();
    const etcd = cluster.witness
      ? { netns: cluster.lab.host('etcd').netns, endpoint: cluster.witness.endpoint, leaderKey: '/holdfast/failover/drill/leader' }
      : undefined;
    fault = await injectFault(o.fault, { host: leader.host, agentPid: leader.agentPid, group: leader.group, ...(etcd ? { etcd } : {}) });
    progress(`fault injected: ${o.fault} on ${leader.name}`);
    const killed = new Map<string, number>();
    if (o.fault === 'kill') killed.set(leader.name, faultAt);

    const recovered = await until('a new holder answering on the VIP', profile.ttlMs + 15_000, o.signal, () =>
      polls.find((p) => p.at >= faultAt && p.ok && p.node !== leader.name),
    ).catch(() => undefined);
    const recoveryMs = recovered ? recovered.at - faultAt : null;
    progress(recovered ? `recovered: ${recovered.node} answers after ${(recoveryMs! / 1000).toFixed(2)} s` : 'no recovery');

    // Heal: SIGCONT after a pause longer than the TTL; links back; a killed agent restarted.
    if (o.fault === 'pause') await sleep(Math.max(0, faultAt + profile.ttlMs + 1000 - monotonicMs()), o.signal);
    else await sleep(1000, o.signal);
    await fault.heal();
    if (o.fault === 'kill') await cluster.startAgent(leader);
    progress('healed; checking that clients reach the holder');
    // Clients are back when, for a full second, every poll is answered by the one node holding
    // the VIP (gratuitous ARP from the holder, and no stale holder left to steal the traffic).
    const healedAt = monotonicMs();
    const back = () => {
      const now = monotonicMs();
      const holders = sampler!.current();
      const second = polls.filter((p) => p.at >= now - 1250 && p.at < now - 250 && p.at >= healedAt);
      return holders.length === 1 && second.length >= 10 && second.every((p) => p.ok && p.node === holders[0]);
    };
    const healOk = await until('clients on the VIP holder', 2 * profile.ttlMs + 5000, o.signal, back).then(
      () => true,
      (err: unknown) => {
        if (o.signal?.aborted) throw err;
        return false;
      },
    );
    progress(healOk ? 'clients reach the holder' : 'clients did not settle on the holder');

    const windows = leadershipWindows(cluster.events, killed);
    const result: DrillResult = {
      agent: cluster.kind,
      fault: o.fault,
      profile: profile.name,
      ttl_s: profile.ttlMs / 1000,
      recovery_s: recoveryMs === null ? null : Math.round(recoveryMs) / 1000,
      failed_polls: polls.filter((p) => p.at >= faultAt && (!recovered || p.at < recovered.at) && !p.ok).length,
      overlaps: sampler.overlaps().length,
      leadership_overlaps: overlappingWindows(windows).length,
      overlap_ms: Math.round(overlapMs(windows)),
      ...(o.fault === 'revoke' ? { overlap_bound_ms: revokeOverlapBoundMs(profile.ttlMs) } : {}),
      tokens: windows.map((w) => w.token),
      tokens_increase: tokensIncrease(windows),
      old_leader: leader.name,
      new_leader: recovered?.node ?? null,
      heal_ok: healOk,
      polls: polls.length,
      samples: sampler.samples.length,
    };
    failed = !drillPassed(result).ok;
    if (failed || o.keepLogs) result.logs = cluster.dir;
    if (failed) report({ result });
    return result;
  } catch (err) {
    failed = true;
    const e = Object.assign(err as Error, { logs: cluster.dir });
    if (!o.signal?.aborted) report({ error: e });
    throw e;
  } finally {
    sampler?.stop();
    await fault?.heal().catch(() => {});
    await cluster.destroy(failed || o.keepLogs === true);
    progress('cleaned up');
  }
}

export type { NodeHandle };
