import { z } from 'zod';

/** JSON Schema (draft 2020-12) of what a user may write, for editors and `yaml-language-server`. */
export function toJsonSchema(schema: z.ZodType, title?: string): Record<string, unknown> {
  const js = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return title ? { title, ...js } : js;
}
