// The resource kinds a cluster config may name, and the helpers that build them.
import type { ResourceKind } from './resource.ts';
import { vipKind } from './vip.ts';
import { execKind } from './exec.ts';
import { programKind } from './program.ts';

export const resourceKinds = [vipKind, execKind, programKind] as const satisfies readonly ResourceKind<any>[];

export { vipKind, vipSchema, VipResource, type VipConfig } from './vip.ts';
export { execKind, execSchema, ExecResource, OCF_SUCCESS, OCF_NOT_RUNNING, type ExecConfig } from './exec.ts';
export {
  programKind,
  createProgramKind,
  programSchema,
  ProgramResource,
  supervisorClientControl,
  type ProgramConfig,
  type ProgramStatus,
  type SupervisorControl,
  type SupervisorControlFactory,
} from './program.ts';
export {
  listAddresses,
  addAddress,
  deleteAddress,
  hasAddress,
  linkState,
  parseCidr,
  isIPv4,
  type IfAddress,
  type LinkState,
  type Where,
} from './ip.ts';
export { duplicateCheck, gratuitousArp, type DuplicateCheckResult } from './arping.ts';
