#!/usr/bin/env node
// The fence companion: a small process beside the agent that tears the leader's resources down
// when the agent cannot — SIGKILLed (its end of the pipe closes), frozen by SIGSTOP or a hang
// (the pets stop and "valid until" passes). It runs in a process group of its own so a signal
// to the agent's group does not take it along, and it needs nothing of the agent's state
// but the resource configs sent once at start.
//
//   node companion-main.ts              talk over stdin/stdout (spawned by the agent)
//   node companion-main.ts --socket P   listen on Unix socket P (run under the supervisor); one
//                                       agent connection at a time, and a dropped connection
//                                       counts as "agent gone". Whoever connects can make this
//                                       process run teardown commands, so P lives in a directory
//                                       only this user can enter (created 0700, or checked) and
//                                       is created 0600 (umask at bind, never a chmod after).
import { createServer, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { setPriority } from 'node:os';
import { pino } from 'pino';
import { monotonicMs } from '../clock.ts';
import { resourceKinds } from '../resources/index.ts';
import { FenceState, type Output } from './fence-state.ts';
import { encode, lineSplitter, parseAgentMessage, type FenceMessage } from './protocol.ts';
import { buildTeardown, runTeardown, type TeardownPlan } from './teardown.ts';
import { isReleaseSpec, processGone, releaseLease, type ReleaseSpec } from './release.ts';
import { killStrays, markedProcesses } from './strays.ts';
import { runCommand } from '../resources/command.ts';
import type { StepResult } from './protocol.ts';
import { ensurePrivateDir, withUmask } from '../private-dir.ts';

const log = pino({ name: 'holdfast-fence', base: { pid: process.pid } }, pino.destination({ dest: 2, sync: true }));
const socketPath = process.argv.includes('--socket') ? process.argv[process.argv.indexOf('--socket') + 1] : undefined;

// Run ahead of ordinary processes: the fence acts in the last fraction of a lease.
try {
  setPriority(0, -10);
} catch {}

const state = new FenceState(5000);
let plan: TeardownPlan | undefined;
let timer: NodeJS.Timeout | undefined;
let firing: Promise<void> | undefined;
let exiting = false;
let send: (m: FenceMessage) => void = () => {};
/** The agent we guard: our parent when spawned, or what it said in 'configure'. */
let agentPid = process.ppid;
/** HOLDFAST_FAILOVER_ACTION of the agent's action processes (from 'configure'). */
let actionMarker: string | undefined;
const releases = new Map<number, ReleaseSpec>();

/** Ends the agent's actions still in flight, then stops every resource (see strays.ts, teardown.ts). */
async function teardown(token: number): Promise<StepResult[]> {
  const results: StepResult[] = [];
  if (actionMarker) {
    const { killed, ...step } = await killStrays(actionMarker);
    if (killed > 0 || !step.ok) log.warn({ token, killed, error: step.error }, 'fencing: ended action processes the agent left running');
    results.push(step);
  }
  results.push(
    ...(plan
      ? await runTeardown(plan, token, log)
      : [{ resource: '*', ok: false, error: 'never configured: nothing known to tear down', tookMs: 0 }]),
  );
  return results;
}

/**
 * After a teardown for a dead agent: free its lease (see release.ts for why only then). The agent
 * must be verified gone, and then no action of it may be left: one found now (spawned as the
 * agent died) is ended and the teardown run again before the lease goes.
 */
async function maybeRelease(token: number, reason: string, results: StepResult[]): Promise<StepResult[]> {
  const spec = releases.get(token);
  if (!spec || reason !== 'agent-gone' || !results.every((r) => r.ok)) return [];
  const started = performance.now();
  // The pipe closes a moment before the process is fully gone: wait for it, briefly.
  for (let i = 0; i < 200 && !processGone(agentPid); i++) await new Promise((r) => setTimeout(r, 10));
  if (!processGone(agentPid))
    return [
      { resource: 'lease', ok: false, error: `agent ${agentPid} still runs: lease left to expire`, tookMs: performance.now() - started },
    ];
  const extra: StepResult[] = [];
  if (actionMarker) {
    const { killed, ...step } = await killStrays(actionMarker);
    extra.push(step);
    if (killed > 0) extra.push(...(await teardown(token)));
    if (!extra.every((r) => r.ok))
      return [
        ...extra,
        { resource: 'lease', ok: false, error: 'an action outlived the agent: lease left to expire', tookMs: performance.now() - started },
      ];
  }
  const r = await releaseLease(spec, 3000); // not urgent for safety: a slow etcd must not make it give up
  return [...extra, { resource: 'lease', ok: r.ok, ...(r.error ? { error: r.error } : {}), tookMs: performance.now() - started }];
}

/**
 * Runs once what the fence will need in a hurry, so its first firing does not pay Node's
 * first-use costs (spawning, reading /proc: ~100 ms each on a loaded machine) while the VIP is
 * still up.
 */
function warmUp(): void {
  void runCommand('true', []).catch(() => {});
  if (actionMarker) {
    try {
      markedProcesses(actionMarker);
    } catch {}
  }
}

function apply(out: Output): void {
  for (const r of out.replies) send(r);
  if (timer) clearTimeout(timer);
  timer = undefined;
  if (out.wakeAtMs !== null) timer = setTimeout(() => apply(state.tick(monotonicMs())), Math.max(0, out.wakeAtMs - monotonicMs()));
  if (out.fire) {
    const { token, reason } = out.fire;
    log.warn({ token, reason }, 'fencing: tearing down the leader’s resources');
    firing = (async () => {
      const results = await teardown(token);
      results.push(...(await maybeRelease(token, reason, results)));
      const at = monotonicMs();
      log.warn({ token, reason, results }, 'fenced');
      apply(state.onFired(token, at, results));
    })();
  }
  if (out.exit) void exitAfterFiring();
}

async function exitAfterFiring(): Promise<void> {
  if (socketPath && !exiting) return; // a socket companion outlives its agents
  await firing;
  process.exit(0);
}

function onLine(line: string): void {
  let m;
  try {
    m = parseAgentMessage(line);
  } catch (err) {
    send({ t: 'error', message: (err as Error).message });
    return;
  }
  if (m.t === 'arm' && isReleaseSpec(m.release)) releases.set(m.token, m.release);
  if (m.t === 'configure') {
    if (typeof m.agentPid === 'number') agentPid = m.agentPid;
    actionMarker = m.actionMarker;
    state.setMaxValid(m.maxValidMs);
    plan = buildTeardown(resourceKinds, m.resources, { node: m.node, cluster: m.cluster, log });
    for (const p of plan.problems) log.error({ resource: p.resource, error: p.error }, 'fence cannot tear this resource down');
    send({ t: 'configured', resources: plan.resources.map((r) => r.name) });
    warmUp();
  }
  apply(state.onMessage(m, monotonicMs()));
}

for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    exiting = true;
    apply(state.onSignal(monotonicMs()));
    void exitAfterFiring();
  });
}
process.on('SIGHUP', () => {});

if (socketPath) {
  try {
    ensurePrivateDir(dirname(socketPath), 'fences[].socket', 'HOLDFAST_E_FENCE');
  } catch (err) {
    log.fatal({ err: (err as Error).message }, 'the fence companion refuses this socket');
    process.exit(2);
  }
  rmSync(socketPath, { force: true });
  let current: Socket | undefined;
  const server = createServer((conn) => {
    if (current) {
      conn.end(encode({ t: 'error', message: 'another agent is connected to this fence' }));
      return;
    }
    current = conn;
    send = (m) => conn.write(encode(m));
    conn.on('data', lineSplitter(onLine));
    conn.on('error', () => {});
    conn.on('close', () => {
      current = undefined;
      send = () => {};
      apply(state.onAgentGone(monotonicMs()));
    });
    send({ t: 'ready', pid: process.pid });
  });
  withUmask(0o177, () => server.listen(socketPath, () => log.info({ socket: socketPath }, 'fence companion listening')));
} else {
  send = (m) => {
    if (!process.stdout.destroyed) process.stdout.write(encode(m));
  };
  process.stdout.on('error', () => {});
  process.stdin.on('data', lineSplitter(onLine));
  process.stdin.on('end', () => apply(state.onAgentGone(monotonicMs())));
  process.stdin.on('error', () => apply(state.onAgentGone(monotonicMs())));
  send({ t: 'ready', pid: process.pid });
}
