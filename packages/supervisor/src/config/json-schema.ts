import { toJsonSchema } from '@holdfast/config';
import { supervisorConfigSchema } from './schema.ts';

/** JSON Schema of holdfast.yaml, for editors (`# yaml-language-server: $schema=...`). */
export function supervisorJsonSchema(): Record<string, unknown> {
  return toJsonSchema(supervisorConfigSchema, 'holdfast supervisor configuration');
}
