// `holdfast drill failover`: builds a 3-node cluster in network namespaces, runs the failover
// agent on each node (this CLI's own `holdfast failover -c`), injects a fault into the leader
// and reports how long clients lost the VIP and whether two nodes ever held it. Progress on
// stderr; `--json` prints the result for scripts. Everything is removed at the end, also when
// interrupted (SIGINT/SIGTERM) or when the drill fails.
import { fileURLToPath } from 'node:url';
import {
  allFaultKinds,
  drillPassed,
  FailoverError,
  labUnavailable,
  runDrill,
  summarizeDrills,
  supervisorSignalForwarder,
  systemClock,
  type SignalForwarder,
} from '@holdfast/failover';
import type { DrillResult, FaultKind } from '@holdfast/failover';
import { integer, oneOf, parse } from '../args.ts';
import type { Command } from '../command.ts';
import { recordDrill, recordFile } from '../drill-record.ts';

const usage = `Usage: holdfast drill failover [--fault kill|pause|partition|isolate|revoke|all] [--profile default|fast|turbo]
                               [--runs N] [--json] [--keep-logs] [--record FILE] [--signals SOCKET|URL]

Builds a test cluster in network namespaces (3 nodes and a client on a bridge, addresses in
198.18.0.0/15, one etcd as the witness), runs 'holdfast failover' on every node with a VIP in
front of a small HTTP service, and injects a fault into the leader:
  kill       SIGKILL of the leader's agent
  pause      SIGSTOP of the agent for longer than the TTL, then SIGCONT
  partition  the leader's link taken down (carrier lost)
  isolate    the leader cut off at its bridge port while its link stays up, then healed
  revoke     the leader's etcd lease revoked early (etcdctl lease revoke), as an etcd with
             the early-revoke bug can: measures how long two nodes believed they led
A client polls the VIP every 50 ms and 'ip addr' is sampled on every node every 50 ms.
Needs root (network namespaces), iproute2, iputils-arping and etcd (revoke: etcdctl too).

Options:
  --fault      fault to inject (default kill); 'all' runs each in turn
  --profile    lease TTL: default 5 s, fast 2 s, turbo 1 s (etcd started to match)
  --runs       drills per fault (default 1)
  --json       print the result(s) as JSON: {recovery_s, failed_polls, overlaps, ...}
  --keep-logs  keep every process's log (always kept when a drill fails)
  --record     append each drill's result, with its time and verdict, as a JSON line to FILE
               (the dashboard shows the last ones: dashboard.failover.drills)
  --signals    report each failed drill as a failover.drill_failed incident signal to the supervisor
               at SOCKET (or the http:// URL of its TCP control API, token in HOLDFAST_TOKEN);
               default: $HOLDFAST_SOCKET when set, else none. Sent with retries before the command exits.

Exit status: 0 when every drill recovered within TTL + 3 s with no overlap (revoke: none longer
than its bound, and never two VIP holders) and increasing tokens, 1 otherwise.`;

interface Args {
  faults: FaultKind[];
  profile: 'default' | 'fast' | 'turbo';
  runs: number;
  json: boolean;
  keepLogs: boolean;
  record: string | undefined;
  signals: string | undefined;
}

function parseArgs(argv: string[]): Args {
  const { values } = parse(argv, {
    fault: { type: 'string' },
    profile: { type: 'string' },
    runs: { type: 'string' },
    json: { type: 'boolean' },
    'keep-logs': { type: 'boolean' },
    record: { type: 'string' },
    signals: { type: 'string' },
  });
  const fault = oneOf('fault', values.fault, [...allFaultKinds, 'all'], 'kill');
  return {
    faults: fault === 'all' ? [...allFaultKinds] : [fault],
    profile: oneOf('profile', values.profile, ['default', 'fast', 'turbo'], 'default'),
    runs: integer('runs', values.runs, 1, 1, 1000),
    json: values.json === true,
    keepLogs: values['keep-logs'] === true,
    record: values.record === undefined ? undefined : recordFile(values.record),
    signals: values.signals ?? (process.env.HOLDFAST_SOCKET || undefined),
  };
}

const cliBin = fileURLToPath(new URL('../../bin/holdfast.ts', import.meta.url));

function line(r: DrillResult): string {
  const verdict = drillPassed(r);
  const rec = r.recovery_s === null ? 'no recovery' : `recovered in ${r.recovery_s.toFixed(2)} s (${r.old_leader} → ${r.new_leader})`;
  const overlap = r.overlap_bound_ms !== undefined ? `, leadership overlap ${r.overlap_ms} ms (bound ${r.overlap_bound_ms} ms)` : '';
  const heal = r.heal_ok ? ', clients back on the holder after the heal' : '';
  const why = verdict.ok ? '' : ` — ${verdict.why.join('; ')}`;
  const logs = r.logs ? ` (logs: ${r.logs})` : '';
  const counts = `${r.failed_polls} failed polls, ${r.overlaps} overlaps${overlap}, tokens ${r.tokens.join(' → ')}`;
  return `${verdict.ok ? 'PASS' : 'FAIL'} ${r.fault}/${r.profile}: ${rec}, ${counts}${heal}${why}${logs}`;
}

/** Failed drills go to the supervisor as incident signals: queued, retried, sent before the command exits. */
function drillSignals(where: string): SignalForwarder {
  const url = /^https?:\/\//.test(where);
  const token = process.env.HOLDFAST_TOKEN;
  const log = {
    info: () => {},
    warn: (o: object, msg: string) => process.stderr.write(`[drill] ${msg} (${(o as { err?: string }).err ?? ''})\n`),
    error: (o: object, msg: string) => process.stderr.write(`[drill] ${msg}\n`),
  };
  return supervisorSignalForwarder(
    url ? { url: where, ...(token ? { token } : {}), from: '--signals' } : { socket: where, from: '--signals' },
    { queue: 1000, retry: { initial: 250, max: 5000 }, timeout: 5000 },
    { clock: systemClock, log },
  );
}

async function sendLast(signals: SignalForwarder): Promise<void> {
  const s = signals.stats();
  if (s.queued === 0) return;
  process.stderr.write(`[drill] reporting ${s.queued} failed drill(s) to the supervisor at ${s.to}…\n`);
  await signals.drain(30_000);
  signals.close();
}

export const command: Command = {
  path: ['drill', 'failover'],
  summary: 'failover drill in network namespaces: kill, pause, partition or isolate the leader, or revoke its lease, and measure',
  usage,
  async run(argv) {
    const args = parseArgs(argv);
    const why = await labUnavailable(['ip', 'arping', 'etcd', 'bridge']);
    if (why) {
      const needs = 'a drill builds network namespaces and runs etcd, so it needs root, iproute2, iputils-arping and etcd';
      throw new FailoverError('HOLDFAST_E_DRILL', `${why}; ${needs}`);
    }
    const abort = new AbortController();
    const onSignal = (sig: NodeJS.Signals) => {
      process.stderr.write(`\n[drill] ${sig}: stopping and cleaning up…\n`);
      abort.abort(new Error(`interrupted by ${sig}`));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const results: DrillResult[] = [];
    const signals = args.signals === undefined ? undefined : drillSignals(args.signals);
    try {
      for (const fault of args.faults) {
        for (let run = 1; run <= args.runs && !abort.signal.aborted; run++) {
          const tag = `[drill ${fault}/${args.profile} ${run}/${args.runs}]`;
          const r = await runDrill({
            fault,
            profile: args.profile,
            keepLogs: args.keepLogs,
            signal: abort.signal,
            ...(signals ? { signals } : {}),
            progress: (m) => process.stderr.write(`${tag} ${m}\n`),
            agentCommand: (config) => ({ file: process.execPath, args: [cliBin, 'failover', '-c', config] }),
          });
          results.push(r);
          if (args.record) recordDrill(args.record, r, drillPassed(r).ok);
          if (!args.json) console.log(line(r));
        }
      }
    } catch (err) {
      if (abort.signal.aborted) return 130; // runDrill cleaned up before rethrowing
      throw err;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (signals) await sendLast(signals);
    }
    if (args.json) {
      const summary = args.faults.map((f) => summarizeDrills(results.filter((r) => r.fault === f)));
      const only = results.length === 1 ? results[0] : { summary, results };
      console.log(JSON.stringify(only, null, 2));
    } else if (results.length > 1) {
      for (const f of args.faults) {
        const s = summarizeDrills(results.filter((r) => r.fault === f));
        const recovery = `recovery median ${s.recovery_s ?? '–'} s (min ${s.recovery_min_s ?? '–'}, max ${s.recovery_max_s ?? '–'})`;
        console.log(`${f}/${s.profile}: ${s.passed}/${s.runs} passed, ${recovery}, ${s.failed_polls} failed polls, ${s.overlaps} overlaps`);
      }
    }
    return results.every((r) => drillPassed(r).ok) ? 0 : 1;
  },
};
