// One etcd in a namespace of its own: the drill's witness and coordinator. Started with the
// profile's raft timing and a fresh data dir; ready when it says it serves clients.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FailoverError } from '../errors.ts';
import type { DrillProfile } from './profiles.ts';

export interface Witness {
  endpoint: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

export async function startWitness(netns: string, address: string, profile: DrillProfile, timeoutMs = 20_000): Promise<Witness> {
  const dir = mkdtempSync(join(tmpdir(), 'hf-drill-etcd-'));
  const client = `http://${address}:2379`;
  const peer = `http://${address}:2380`;
  const args = [
    'netns',
    'exec',
    netns,
    'etcd',
    '--name',
    'witness',
    '--data-dir',
    dir,
    '--listen-client-urls',
    client,
    '--advertise-client-urls',
    client,
    '--listen-peer-urls',
    peer,
    '--initial-advertise-peer-urls',
    peer,
    '--initial-cluster',
    `witness=${peer}`,
    '--initial-cluster-state',
    'new',
    '--heartbeat-interval',
    String(profile.etcd.heartbeatMs),
    '--election-timeout',
    String(profile.etcd.electionMs),
    '--log-level',
    'info',
    '--logger',
    'zap',
  ];
  const proc = spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGKILL');
      await new Promise((r) => proc.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready after ${timeoutMs} ms`)), timeoutMs);
      const onData = (b: Buffer) => {
        output += b.toString();
        if (/ready to serve client requests|serving client traffic|serving insecure client requests/i.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout.on('data', onData);
      proc.stderr.on('data', onData);
      proc.once('error', reject);
      proc.once('exit', (code) => reject(new Error(`exited with ${code}`)));
    });
  } catch (err) {
    await stop();
    throw new FailoverError(
      'HOLDFAST_E_COORDINATOR_UNREACHABLE',
      `the drill's etcd witness did not start ` +
        `(${(err as Error).message}): ${output.trim().split('\n').slice(-3).join(' / ')}; is etcd installed (apt-get install etcd-server)?`,
    );
  }
  proc.stdout.resume();
  proc.stderr.resume();
  return { endpoint: client, proc, stop };
}
