// Secrets given in a config inline or by file (heartbeat keys, the status token).
import { readFileSync } from 'node:fs';
import { FailoverError } from './errors.ts';

/** Reads a secret given inline or by file (at least 16 bytes), with an error naming the config path. */
export function readSecret(inline: string | undefined, file: string | undefined, what: string): Buffer {
  if (inline !== undefined) return Buffer.from(inline);
  try {
    const v = readFileSync(file!, 'utf8').trim();
    if (Buffer.byteLength(v) < 16) throw new Error('shorter than 16 bytes');
    return Buffer.from(v);
  } catch (err) {
    throw new FailoverError('HOLDFAST_E_CONFIG', `${what}: cannot use secret file ${file}: ${(err as Error).message}`);
  }
}
