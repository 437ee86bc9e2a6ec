// Which keys a zod object schema accepts at a given path, for did-you-mean on unknown keys.
// Walks zod 4's public `_zod.def` through wrappers (optional, default, pipe, union, ...).
import type { z } from 'zod';

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  options?: z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
  getter?: () => z.ZodType;
}

const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

function unwrap(s: z.ZodType, depth = 0): z.ZodType[] {
  if (depth > 20) return [];
  const d = defOf(s);
  switch (d.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
    case 'nonoptional':
      return unwrap(d.innerType!, depth + 1);
    case 'pipe':
      return unwrap(d.in!, depth + 1);
    case 'lazy':
      return unwrap(d.getter!(), depth + 1);
    case 'union':
      return (d.options ?? []).flatMap((o) => unwrap(o, depth + 1));
    case 'intersection':
      return [...unwrap(d.left!, depth + 1), ...unwrap(d.right!, depth + 1)];
    default:
      return [s];
  }
}

function step(schemas: z.ZodType[], seg: string | number): z.ZodType[] {
  const next: z.ZodType[] = [];
  for (const s of schemas) {
    const d = defOf(s);
    if (d.type === 'object' && typeof seg === 'string' && d.shape?.[seg]) next.push(...unwrap(d.shape[seg]));
    else if (d.type === 'array' && typeof seg === 'number' && d.element) next.push(...unwrap(d.element));
    else if (d.type === 'record' && d.valueType) next.push(...unwrap(d.valueType));
  }
  return next;
}

export function keysAt(schema: z.ZodType, path: (string | number)[]): string[] {
  let current = unwrap(schema);
  for (const seg of path) current = step(current, seg);
  const keys = new Set<string>();
  for (const s of current) {
    const d = defOf(s);
    if (d.type === 'object' && d.shape) for (const k of Object.keys(d.shape)) keys.add(k);
  }
  return [...keys];
}
