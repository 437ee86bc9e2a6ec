// The fence kinds a cluster config may name.
import type { FenceKind } from '../resources/resource.ts';
import { companionKind } from './companion.ts';
import { watchdogKind } from './watchdog.ts';

export const fenceKinds = [companionKind, watchdogKind] as const satisfies readonly FenceKind<any>[];

export { companionKind, companionSchema, CompanionFence, companionMainPath, type CompanionConfig, type CompanionOptions } from './companion.ts';
export { watchdogKind, watchdogSchema, WatchdogFence, deviceTimeoutMs, type WatchdogConfig } from './watchdog.ts';
export { FenceState, type FenceMode } from './fence-state.ts';
export type { AgentMessage, FenceMessage, FireReason, StepResult } from './protocol.ts';
