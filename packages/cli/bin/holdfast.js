#!/usr/bin/env node
// The `holdfast` command as installed from the sources: checks the Node version first (an older
// Node cannot load the .ts entry at all), then runs it.
import { requireNode } from './node-version.js';

requireNode('holdfast');
await import('./holdfast.ts');
