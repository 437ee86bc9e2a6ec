// The daemon loads its config in a short-lived child process. Validation needs zod, yaml and
// the config package (tens of megabytes of resident memory once loaded); the daemon runs for
// months and must stay small, so they never enter it. Costs one process start per load.
import { spawn } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SupervisorError } from '../errors.ts';
import { decodeConfig } from './config-json.ts';
import type { LoadOptions, ResolvedConfig } from './load.ts';

const here = fileURLToPath(import.meta.url);
const entry = fileURLToPath(new URL(`./load-main${extname(here)}`, import.meta.url));

export function loadConfigIsolated(file: string, env: NodeJS.ProcessEnv = process.env, opts: LoadOptions = {}): Promise<ResolvedConfig> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, file, ...(opts.strict ? ['--strict'] : [])], { stdio: ['ignore', 'pipe', 'pipe'], env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.once('error', (e) => reject(new SupervisorError('HOLDFAST_E_CONFIG', `cannot start the config loader: ${e.message}`)));
    child.once('close', () => {
      const text = Buffer.concat(out).toString('utf8');
      let msg: { config?: ResolvedConfig; error?: { code: string; message: string; issues?: unknown[] } };
      try {
        msg = decodeConfig(text);
      } catch {
        return reject(
          new SupervisorError(
            'HOLDFAST_E_CONFIG',
            `the config loader failed: ${Buffer.concat(err).toString('utf8').trim() || text.slice(0, 500)}`,
          ),
        );
      }
      if (msg.config) return resolve(msg.config);
      const e = new SupervisorError(
        'HOLDFAST_E_CONFIG',
        msg.error?.message ?? 'unknown error',
        msg.error?.issues ? { issues: msg.error.issues } : {},
      );
      // The loader's message already says what is wrong and where.
      e.message = msg.error?.message ?? e.message;
      reject(e);
    });
  });
}
