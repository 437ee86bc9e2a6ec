// What the agent and its fence companion say to each other: one JSON object per line over the
// companion's stdin/stdout (or a Unix socket). Times are CLOCK_MONOTONIC milliseconds
// (clock.ts monotonicMs()), which mean the same instant in both processes.
import type { ResourceBaseConfig } from '../resources/resource.ts';
import type { ReleaseSpec } from './release.ts';

export type AgentMessage =
  /**
   * Once, after spawn: who we are and what to tear down. `actionMarker` is the value of
   * HOLDFAST_FAILOVER_ACTION in every process the agent runs for an action (strays.ts).
   */
  | {
      t: 'configure';
      node: string;
      cluster: string;
      resources: Array<ResourceBaseConfig & { kind: string }>;
      maxValidMs: number;
      agentPid?: number;
      actionMarker?: string;
    }
  /** On promotion, before any resource starts; `release` lets the fence free the lease of an agent that died. */
  | { t: 'arm'; token: number; validUntilMs: number; release?: ReleaseSpec }
  /** After every acknowledged keep-alive: the new "act at" time (the leader's own deadline). */
  | { t: 'pet'; token: number; validUntilMs: number }
  /** After a clean demotion (the agent removed everything itself). */
  | { t: 'disarm'; token: number }
  /** The agent exits cleanly: the companion exits too (after firing, if still armed). */
  | { t: 'close' };

export interface StepResult {
  resource: string;
  ok: boolean;
  error?: string;
  tookMs: number;
}

export type FireReason = 'expired' | 'agent-gone' | 'signalled' | 'late-arm';

export type FenceMessage =
  | { t: 'ready'; pid: number }
  | { t: 'configured'; resources: string[] }
  | { t: 'armed'; token: number }
  | { t: 'disarmed'; token: number }
  /** The fence tore the term down: the agent must consider itself demoted. */
  | { t: 'fired'; token: number; reason: FireReason; atMs: number; results: StepResult[] }
  | { t: 'error'; message: string };

const AGENT_TYPES = new Set(['configure', 'arm', 'pet', 'disarm', 'close']);

/** Parses one line from the agent; throws a message naming what was wrong. */
export function parseAgentMessage(line: string): AgentMessage {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new Error(`not JSON: ${line.slice(0, 80)}`);
  }
  const m = v as Record<string, unknown>;
  if (typeof m !== 'object' || m === null || !AGENT_TYPES.has(m['t'] as string)) throw new Error(`unknown message: ${line.slice(0, 80)}`);
  const num = (k: string) => {
    if (typeof m[k] !== 'number' || !Number.isFinite(m[k])) throw new Error(`'${m['t'] as string}' needs a finite number '${k}'`);
  };
  if (m['t'] === 'arm' || m['t'] === 'pet') {
    num('token');
    num('validUntilMs');
  }
  if (m['t'] === 'disarm') num('token');
  if (m['t'] === 'configure') {
    num('maxValidMs');
    if (!Array.isArray(m['resources'])) throw new Error("'configure' needs a resources array");
    if (m['actionMarker'] !== undefined && (typeof m['actionMarker'] !== 'string' || !/^[\w./:-]{8,200}$/.test(m['actionMarker'])))
      throw new Error("'configure' has a malformed actionMarker");
  }
  return m as unknown as AgentMessage;
}

export const encode = (m: AgentMessage | FenceMessage): string => `${JSON.stringify(m)}\n`;

/** Splits a byte stream into lines, calling `onLine` for each complete one. */
export function lineSplitter(onLine: (line: string) => void): (chunk: Buffer | string) => void {
  let partial = '';
  return (chunk) => {
    partial += chunk.toString();
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) onLine(line);
  };
}
