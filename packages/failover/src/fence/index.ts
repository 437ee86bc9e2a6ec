// The fence kinds a cluster config may name.
import type { FenceKind } from './fence.ts';
import { companionKind } from './companion.ts';
import { watchdogKind } from './watchdog.ts';

export const fenceKinds = [companionKind, watchdogKind] as const satisfies readonly FenceKind<any>[];

export {
  companionKind,
  companionSchema,
  CompanionFence,
  companionMainPath,
  type CompanionConfig,
  type CompanionOptions,
} from './companion.ts';
export { watchdogKind, watchdogSchema, WatchdogFence, deviceTimeoutMs, type WatchdogConfig } from './watchdog.ts';
export { FenceState, type FenceMode } from './fence-state.ts';
export { runFenceHook, type FenceHookConfig } from './hook.ts';
export type { Fence, FenceDeps, FenceKind, FenceTerm } from './fence.ts';
export type { AgentMessage, FenceMessage, FireReason, StepResult } from './protocol.ts';
