// The shapes the agent publishes: its events stream and its status (served to
// `holdfast failover status`, scraped into metrics).
import type { LeadershipEvent, LeadershipStatus } from './leadership.ts';
import type { ResourceStatus, RunnerEvent } from './resource-runner.ts';
import type { PeerStatus, DropReason } from './heartbeat/heartbeat.ts';
import type { CheckStatus } from './health.ts';
import type { ForwarderStats } from './signals/forwarder.ts';

export type AgentEvent =
  | LeadershipEvent
  | RunnerEvent
  | { type: 'agent-started'; node: string; cluster: string; coordinator: string; ttlMs: number }
  | { type: 'agent-stopped' }
  | { type: 'health'; healthy: boolean; checks: CheckStatus[] }
  | { type: 'peer'; node: string; alive: boolean }
  | { type: 'heartbeat-dropped'; reason: DropReason; from: string }
  | { type: 'fence-lost'; why: string }
  | { type: 'fence-fired'; token: number; reason: string }
  | { type: 'warning'; message: string; details?: Record<string, unknown> };

/** An event as published on the stream: the event plus when it happened. */
export type StampedEvent = AgentEvent & { time: string; node: string };

export interface AgentStatus {
  node: string;
  cluster: string;
  pid: number;
  coordinator: { kind: string; ttlMs: number };
  leadership: LeadershipStatus;
  resources: ResourceStatus[];
  health: { healthy: boolean; checks: CheckStatus[] };
  peers: PeerStatus[];
  heartbeat: { sent: number; accepted: number; dropped: Record<string, number> } | null;
  fences: Record<string, unknown>[];
  /** The incident signals forwarded to the supervisor (null: off). */
  signals: ForwarderStats | null;
}
