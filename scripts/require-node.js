#!/usr/bin/env node
// `npm test` and `npm start` go through here: `node scripts/require-node.js <script.ts> [args]`
// checks the Node version (an older Node cannot even load a .ts file and would print a stack
// trace about its extension), then runs the script as if it had been started directly.
/* global process -- the global: this must run on any Node. */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { requireNode } from '../packages/cli/bin/node-version.js';

requireNode(process.env.npm_lifecycle_event ? `npm ${process.env.npm_lifecycle_event}` : 'holdfast');
// [node, this file, script, ...args] → [node, script, ...args], as the script expects.
process.argv.splice(1, 1);
await import(pathToFileURL(resolve(process.argv[1])).href);
