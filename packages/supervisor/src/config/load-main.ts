// Entry of the short-lived process that loads a config for the daemon (see load-isolated.ts):
// prints {"config": ...} or {"error": {...}} as JSON on stdout.
import { ConfigError } from '@holdfast/config';
import { encodeConfig } from './config-json.ts';
import { loadSupervisorConfig } from './load.ts';

const file = process.argv[2];
const strict = process.argv.includes('--strict');
try {
  if (!file) throw new Error('usage: load-main <config file> [--strict]');
  const config = await loadSupervisorConfig(file, { strict });
  process.stdout.write(encodeConfig({ config }));
} catch (err) {
  const e = err as Error & { code?: string; issues?: unknown };
  process.stdout.write(
    encodeConfig({
      error: { code: e.code ?? 'HOLDFAST_E_CONFIG', message: e.message, ...(err instanceof ConfigError ? { issues: err.issues } : {}) },
    }),
  );
  process.exitCode = 2;
}
