// What a command's targets mean: a program (all its instances), an instance (`web:1`), a group
// (its programs), or `all`. Unknown names are an error with a did-you-mean.
import type { GroupConfig } from '../config/schema.ts';
import { SupervisorError } from '../errors.ts';
import { didYouMean } from '@holdfast/config/did-you-mean';
import type { InstanceRunner } from './instance-runner.ts';

export interface Targets {
  programs: string[];
  instances: InstanceRunner[];
}

/** `byProgram`: each program's instances, in config order. */
export function resolveTargets(
  targets: string[],
  byProgram: Map<string, InstanceRunner[]>,
  groups: Record<string, GroupConfig>,
  configFile: string,
): Targets {
  if (targets.length === 0)
    throw new SupervisorError('HOLDFAST_E_UNKNOWN_PROGRAM', "no target given: name a program, an instance (web:1), a group, or 'all'");
  const programs = new Set<string>();
  const instances = new Set<InstanceRunner>();
  const addProgram = (name: string) => {
    programs.add(name);
    for (const r of byProgram.get(name) ?? []) instances.add(r);
  };
  const all = [...byProgram.values()].flat();
  for (const t of targets) {
    if (t === 'all') for (const name of byProgram.keys()) addProgram(name);
    else if (byProgram.has(t)) addProgram(t);
    else if (t in groups) for (const m of groups[t]!.programs) addProgram(m);
    else {
      const hit = all.find((r) => r.spec.id === t);
      if (!hit) {
        const guess = didYouMean(t, [...byProgram.keys(), ...Object.keys(groups), ...all.map((r) => r.spec.id)]);
        throw new SupervisorError('HOLDFAST_E_UNKNOWN_PROGRAM', `'${t}' in ${configFile}${guess ? ` (did you mean '${guess}'?)` : ''}`, {
          target: t,
        });
      }
      instances.add(hit);
    }
  }
  return { programs: [...programs], instances: [...instances] };
}
