// Helpers shared by the resources-*, fence-* and drill-* tests: resource contexts with a
// switchable leadership, a log that can be searched, and a netns lab removed when the test ends.
import { Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import { pino, type Logger } from 'pino';
import { cannotRun, cleanup } from '@holdfast/testkit';
import { NotLeaderError } from '../src/errors.ts';
import { actionEnv, type LeaderContext, type StopContext } from '../src/resources/resource.ts';
import { NetnsLab, labUnavailable } from '../src/drill/netns.ts';

export interface CapturedLog {
  log: Logger;
  entries: Array<Record<string, unknown>>;
}

export function capturedLog(): CapturedLog {
  const entries: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) entries.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), entries };
}

export interface Leadership {
  leader: boolean;
  /** Calls of assertLeader so far. */
  asserts: number;
}

export function leaderContext(
  opts: { token?: number; log?: Logger; signal?: AbortSignal; leadership?: Leadership } = {},
): LeaderContext & { leadership: Leadership } {
  const token = opts.token ?? 7;
  const leadership = opts.leadership ?? { leader: true, asserts: 0 };
  return {
    node: 'n1',
    cluster: 'test',
    token,
    env: actionEnv('n1', 'test', token),
    signal: opts.signal ?? AbortSignal.timeout(20_000),
    log: opts.log ?? capturedLog().log,
    leadership,
    assertLeader() {
      leadership.asserts++;
      if (!leadership.leader) throw new NotLeaderError('test: leadership withdrawn');
    },
  };
}

export function stopContext(opts: { token?: number; log?: Logger; signal?: AbortSignal } = {}): StopContext {
  const token = opts.token ?? 7;
  return {
    node: 'n1',
    cluster: 'test',
    token,
    env: actionEnv('n1', 'test', token),
    signal: opts.signal ?? AbortSignal.timeout(20_000),
    log: opts.log ?? capturedLog().log,
  };
}

/**
 * A lab with the given hosts on 198.18.<subnet>.0/24. A machine that cannot build one fails the test
 * (cannotRun; undefined only under HOLDFAST_ALLOW_SKIP=1).
 */
export async function lab(t: TestContext, hosts: Record<string, string>): Promise<NetnsLab | undefined> {
  const why = await labUnavailable();
  if (why) {
    cannotRun(t, why);
    return undefined;
  }
  const l = new NetnsLab();
  cleanup(t, () => l.destroy());
  await l.createBridge();
  for (const [role, address] of Object.entries(hosts)) await l.addHost(role, address);
  return l;
}
