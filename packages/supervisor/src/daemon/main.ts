#!/usr/bin/env -S node --lite-mode --max-semi-space-size=1 --optimize-for-size --expose-gc
// The daemon process: `holdfast-supervisor -c <config>` (the published bin; from the sources,
// bin/holdfast-supervisor.js runs this without loading the TypeScript stripper). Runs until SIGTERM/SIGINT or a
// shutdown request; exit code 0 after a clean stop, 2 for a config that does not validate
// (nothing started), 1 for any other failure to start.
import { Daemon } from './daemon.ts';

function configArg(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-c' || a === '--config') return argv[i + 1];
    if (a.startsWith('--config=')) return a.slice(9);
  }
  return undefined;
}

const file = configArg(process.argv.slice(2));
if (!file) {
  process.stderr.write('usage: holdfast-supervisor -c <config> [--strict]\n');
  process.exit(2);
}
try {
  // paceGc: old-generation garbage kept bounded (gc-pacer.ts); needs --expose-gc, else nothing happens.
  const daemon = await Daemon.start({
    configFile: file,
    strict: process.argv.includes('--strict'),
    handleSignals: true,
    paceGc: true,
    lastResort: true,
  });
  await daemon.done;
  process.exitCode = 0;
} catch (err) {
  const e = err as Error & { code?: string };
  process.stderr.write(`holdfast supervisor: ${e.code ? `[${e.code}] ` : ''}${e.message}\n`);
  process.exitCode = e.code === 'HOLDFAST_E_CONFIG' ? 2 : 1;
}
