#!/usr/bin/env node
// Regenerates rules.schema.json from the zod schemas (a test fails when it is stale).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { rulesJsonSchema } from '../src/rules-entry.ts';

const out = fileURLToPath(new URL('../rules.schema.json', import.meta.url));
writeFileSync(out, JSON.stringify(rulesJsonSchema(), null, 2) + '\n');
console.log(`wrote ${out}`);
